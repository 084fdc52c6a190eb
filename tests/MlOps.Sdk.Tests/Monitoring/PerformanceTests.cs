using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using static MlOps.Sdk.Tests.Monitoring.PerformanceData;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// Live performance on every provider: the metrics are ML.NET's evaluators' on the same labels and scores (measured
/// here independently), grouped per version, arm and window; late, missing and one-class feedback are reported.
/// </summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class PerformanceTests(StoreKind kind)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private TestStore _test = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        var options = new MlOpsOptions { Environment = "test" };
        options.ContentCache.Enabled = false;
        _client = new MlOpsClient(_test.Store, options);
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_test is not null) // null when SetUp was skipped (no Azurite outside CI)
        {
            await _test.DisposeAsync();
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task Binary_MetricsAreMLNetsOnTheSameLabelsAndScores(bool calibrated)
    {
        var logged = Binary(300, Day.AddHours(1), Minute, calibrated: calibrated);
        await WriteAsync(_client, "churn", logged);

        var report = await _client.Monitoring.GetPerformanceAsync("churn", new PerformanceQuery { Window = null });

        Assert.That(report.Task, Is.EqualTo(MonitoringTask.BinaryClassification));
        var total = report.Totals.Single();
        Assert.That((total.Version, total.Arm, total.Predictions, total.WithFeedback), Is.EqualTo((1, "production", 300L, 300L)));
        AssertMetrics(total.Metrics, EvaluateBinary(logged, calibrated));
        Assert.That(total.Metrics.ContainsKey("log-loss"), Is.EqualTo(calibrated), "log-loss needs a Probability");
        Assert.That(report.Windows.Single(), Is.EqualTo(total), "no Window: one window for the range");
    }

    [Test]
    public async Task Regression_MetricsAreMLNetsOnTheSameLabelsAndScores()
    {
        var logged = Regression(200, Day, Minute, noise: 2);
        await WriteAsync(_client, "temp", logged);

        var report = await _client.Monitoring.GetPerformanceAsync("temp", new PerformanceQuery { Window = null });

        Assert.That(report.Task, Is.EqualTo(MonitoringTask.Regression));
        AssertMetrics(report.Totals.Single().Metrics, EvaluateRegression(logged));
    }

    [Test]
    public async Task Multiclass_MetricsAreMLNetsOnTheSameLabelsAndScores_ClassesNamedByThePredictedLabels()
    {
        var logged = Multiclass(240, Day, Minute);
        await WriteAsync(_client, "weather", logged);

        var report = await _client.Monitoring.GetPerformanceAsync("weather", new PerformanceQuery { Window = null });

        Assert.That(report.Task, Is.EqualTo(MonitoringTask.MulticlassClassification));
        AssertMetrics(report.Totals.Single().Metrics, EvaluateMulticlass(logged));
    }

    [Test]
    public async Task Windows_PerVersionArmAndDay_AlignedToMidnightUtc_EmptyWindowsReported()
    {
        // Two days of version 1 on production and version 2 on canary (06:00 to 23:30 the next day), the range three days long: the third is empty.
        var v1 = Binary(84, Day.AddHours(6), TimeSpan.FromMinutes(30), seed: 1);
        var v2 = Binary(84, Day.AddHours(6).AddMinutes(10), TimeSpan.FromMinutes(30), version: 2, arm: "canary", skill: 0.3, seed: 2);
        await WriteAsync(_client, "churn", [.. v1, .. v2]);

        var report = await _client.Monitoring.GetPerformanceAsync("churn", new PerformanceQuery { From = Day.AddHours(3), To = Day.AddDays(3) });

        Assert.That(report.Windows.Select(w => (w.Start, w.Version, w.Arm)), Is.EqualTo(new[]
        {
            (Day, 1, "production"), (Day, 2, "canary"),
            (Day.AddDays(1), 1, "production"), (Day.AddDays(1), 2, "canary"),
            (Day.AddDays(2), 1, "production"), (Day.AddDays(2), 2, "canary"),
        }).AsCollection, "in time order, windows from midnight UTC");
        foreach (var (version, logged) in new[] { (1, v1), (2, v2) })
        {
            for (var d = 0; d < 2; d++)
            {
                var day = logged.Where(l => l.At >= Day.AddDays(d) && l.At < Day.AddDays(d + 1)).ToList();
                var window = report.Windows.Single(w => w.Version == version && w.Start == Day.AddDays(d));
                Assert.That((window.End, window.Predictions, window.WithFeedback), Is.EqualTo((Day.AddDays(d + 1), (long)day.Count, (long)day.Count)));
                AssertMetrics(window.Metrics, EvaluateBinary(day));
            }

            var total = report.Totals.Single(w => w.Version == version);
            Assert.That((total.Start, total.End, total.Predictions), Is.EqualTo((Day.AddHours(3), Day.AddDays(3), 84L)));
            AssertMetrics(total.Metrics, EvaluateBinary(logged));
        }

        var empty = report.Windows.Single(w => w.Version == 1 && w.Start == Day.AddDays(2));
        Assert.That((empty.Predictions, empty.WithFeedback, empty.Metrics.Count, empty.Note), Is.EqualTo((0L, 0L, 0, "no predictions in the window")));

        var quarters = await _client.Monitoring.GetPerformanceAsync("churn", new PerformanceQuery { Window = TimeSpan.FromHours(6), Arms = { "canary" } });
        Assert.That(quarters.Windows.Select(w => w.Start.Hour).Distinct(), Is.EquivalentTo(new[] { 0, 6, 12, 18 }));
        Assert.That(quarters.Windows.Select(w => w.Arm).Distinct(), Is.EqualTo(new[] { "canary" }));
        Assert.That(quarters.Windows.Sum(w => w.Predictions), Is.EqualTo(84));
    }

    [Test]
    public async Task LateFeedback_ChangesTheWindowWhenReadAgain_MissingFeedbackIsCounted()
    {
        var logged = Binary(120, Day.AddHours(1), Minute);
        await WriteAsync(_client, "churn", logged, feedback: false);
        await FeedbackAsync(_client, logged.Take(70));
        var query = new PerformanceQuery { Window = null };

        var early = (await _client.Monitoring.GetPerformanceAsync("churn", query)).Totals.Single();
        await FeedbackAsync(_client, logged.Skip(70));
        var late = (await _client.Monitoring.GetPerformanceAsync("churn", query)).Totals.Single();

        Assert.That((early.Predictions, early.WithFeedback), Is.EqualTo((120L, 70L)), "predictions without feedback are counted");
        AssertMetrics(early.Metrics, EvaluateBinary(logged.Take(70)));
        Assert.That((late.Predictions, late.WithFeedback), Is.EqualTo((120L, 120L)));
        AssertMetrics(late.Metrics, EvaluateBinary(logged));
    }

    [Test]
    public async Task AWindowWithoutFeedback_HasNoMetricsAndSaysWhy()
    {
        await WriteAsync(_client, "churn", Binary(40, Day.AddHours(1), Minute), feedback: false);

        var total = (await _client.Monitoring.GetPerformanceAsync("churn")).Totals.Single();

        Assert.That((total.Predictions, total.WithFeedback, total.Metrics.Count), Is.EqualTo((40L, 0L, 0)));
        Assert.That(total.Note, Is.EqualTo("no ground truth yet for its 40 predictions"));
    }

    [Test]
    public async Task AWindowOfOneClass_ReportsAccuracyAndSaysAucIsUndefined()
    {
        var logged = Binary(50, Day.AddHours(1), Minute, skill: 0.5, onlyLabel: true);
        await WriteAsync(_client, "churn", logged);

        var total = (await _client.Monitoring.GetPerformanceAsync("churn")).Totals.Single();

        var correct = logged.Count(l => l.Score > 0); // every label is true: a prediction is right when it says true
        Assert.That(total.Metrics.Keys, Is.EqualTo(new[] { "accuracy" }));
        Assert.That(total.Metrics["accuracy"], Is.EqualTo(correct / 50.0).Within(1e-12));
        Assert.That(total.Note, Does.StartWith("all 50 labels are true: AUC"));
    }

    [Test]
    public async Task Compare_ChampionAndChallengerSideBySide_WithDeltas_ArmsPooled_AndApartPerArm()
    {
        var champion = Binary(150, Day.AddHours(1), Minute, seed: 3);
        var challengerProd = Binary(40, Day.AddHours(1), Minute, version: 2, arm: "production", skill: 0.4, seed: 4);
        var challengerCanary = Binary(60, Day.AddHours(5), Minute, version: 2, arm: "canary", skill: 0.4, seed: 5);
        await WriteAsync(_client, "churn", [.. champion, .. challengerProd, .. challengerCanary, .. Binary(30, Day.AddHours(2), Minute, version: 3, seed: 6)]);

        var comparison = await _client.Monitoring.CompareAsync("churn", 1, 2, new PerformanceQuery { Window = null });

        var expectedChampion = EvaluateBinary(champion);
        var expectedChallenger = EvaluateBinary([.. challengerProd, .. challengerCanary]);
        Assert.That((comparison.Task, comparison.Champion, comparison.Challenger), Is.EqualTo((MonitoringTask.BinaryClassification, 1, 2)));
        Assert.That((comparison.Total.Champion.Predictions, comparison.Total.Challenger.Predictions, comparison.Total.Challenger.Arm), Is.EqualTo((150L, 100L, "*")), "every arm pooled; version 3 left out");
        AssertMetrics(comparison.Total.Champion.Metrics, expectedChampion);
        AssertMetrics(comparison.Total.Challenger.Metrics, expectedChallenger);
        Assert.That(comparison.Total.Metrics["auc"].Delta, Is.EqualTo(expectedChallenger["auc"] - expectedChampion["auc"]).Within(1e-9));
        Assert.That(comparison.Total.Metrics["auc"].Delta, Is.Negative, "the challenger's scores lean less to the label");
        Assert.That(comparison.Windows, Has.Count.EqualTo(1));

        // The same challenger per arm: production and canary apart.
        var perArm = await _client.Monitoring.GetPerformanceAsync("churn", new PerformanceQuery { Window = null, Versions = { 2 } });
        Assert.That(perArm.Totals.Select(t => (t.Version, t.Arm, t.Predictions)), Is.EqualTo(new[] { (2, "canary", 60L), (2, "production", 40L) }));
        AssertMetrics(perArm.Totals[0].Metrics, EvaluateBinary(challengerCanary));
        AssertMetrics(perArm.Totals[1].Metrics, EvaluateBinary(challengerProd));
    }

    [Test]
    public async Task UnknownModel_IsAnEmptyReport_OutputsOfNoTask_AreAClearArgumentException()
    {
        await _client.Monitoring.WritePredictionsAsync([new MlOps.Sdk.Serving.PredictionLogRow { Id = Guid.CreateVersion7(Day.AddHours(1)).ToString("N"), Timestamp = Day.AddHours(1).UtcDateTime, Model = "odd", Version = 1, Arm = "main", Input = "{}", Output = "{\"Cluster\":3}" }]);

        var unknown = await _client.Monitoring.GetPerformanceAsync("nobody-logged-this");
        var noTask = Assert.ThrowsAsync<ArgumentException>(() => _client.Monitoring.GetPerformanceAsync("odd"));
        await WriteAsync(_client, "temp", Regression(5, Day, Minute));
        var missing = Assert.ThrowsAsync<ArgumentException>(() => _client.Monitoring.GetPerformanceAsync("temp", new PerformanceQuery { Task = MonitoringTask.BinaryClassification }));

        Assert.That((unknown.Windows.Count, unknown.Totals.Count), Is.EqualTo((0, 0)));
        Assert.That(noTask!.Message, Does.Contain("fit no task").And.Contain("{\"Cluster\":3}"));
        Assert.That(missing!.Message, Does.Contain("has no Boolean PredictedLabel in its output"));
    }

    private static void AssertMetrics(IReadOnlyDictionary<string, double> actual, Dictionary<string, double> expected)
    {
        Assert.That(actual.Keys, Is.EquivalentTo(expected.Keys));
        foreach (var (name, value) in expected)
        {
            Assert.That(actual[name], Is.EqualTo(value).Within(1e-9), name);
        }
    }
}
