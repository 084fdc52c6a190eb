using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Retraining;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Storage;
using static MlOps.Sdk.Tests.Monitoring.PerformanceData;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// Live performance where the logs do not say everything: multiclass slots that differ per version, labels of classes
/// a version never predicted, binary PredictedLabels set by a custom threshold; and a live check whose metric the
/// model's task never gives.
/// </summary>
public sealed class PerformanceReviewTests
{
    private static readonly DateTimeOffset Day1 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly string[] Abc = ["a", "b", "c"];
    private static readonly string[] Cba = ["c", "b", "a"];
    private FakeTimeProvider _time = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(Day1);
        _client = new MlOpsClient(new InMemoryObjectStore(timeProvider: _time), new MlOpsOptions { Environment = "test" }, timeProvider: _time);
    }

    [Test]
    public async Task Compare_AVersionThatBothServesAndShadowsARequest_CountsItOnce()
    {
        // Version 2 is the canary and, for a poll interval after the rollout moved on, still the shadow: a request the
        // canary served is logged twice for version 2 (arms canary and shadow), under one id.
        var production = Binary(200, Day1, TimeSpan.FromSeconds(5), version: 1, skill: 1.5, seed: 3);
        var canary = Binary(50, Day1, TimeSpan.FromSeconds(20), version: 2, arm: "canary", skill: 1, seed: 4);
        var shadow = production.Concat(canary).Select(p => p with { Version = 2, Arm = "shadow" }).ToList();
        await WriteAsync(_client, "points", [.. production, .. canary]);
        await WriteAsync(_client, "points", shadow, feedback: false);

        var comparison = await _client.Monitoring.CompareAsync("points", champion: 1, challenger: 2, new PerformanceQuery { Window = null });
        var perArm = await _client.Monitoring.GetPerformanceAsync("points", new PerformanceQuery { Window = null });

        Assert.That((comparison.Total.Champion.WithFeedback, comparison.Total.Challenger.WithFeedback), Is.EqualTo((200L, 250L)), "250 requests, not 300 rows");
        Assert.That(perArm.Totals.Select(t => (t.Version, t.Arm, t.WithFeedback)), Is.EquivalentTo(new[] { (1, "production", 200L), (2, "canary", 50L), (2, "shadow", 250L) }), "apart per arm, each row counts");
    }

    [Test]
    public async Task Multiclass_ARetrainedVersionWithItsClassesInOtherSlots_IsMeasuredOnItsOwnSlots()
    {
        // ML.NET numbers classes in the order training met them: a retrained version can put them in other slots.
        // Both versions here are always right (PredictedLabel == actual) with 0.8 on the right class.
        await WriteMulticlassAsync(version: 1, Abc, Day1, truth: i => Abc[i % 3], predicted: i => Abc[i % 3]);
        await WriteMulticlassAsync(version: 2, Cba, Day1.AddHours(1), truth: i => Abc[i % 3], predicted: i => Abc[i % 3]);

        var comparison = await _client.Monitoring.CompareAsync("iris", champion: 1, challenger: 2, new PerformanceQuery { Window = null });

        foreach (var name in new[] { "micro-accuracy", "macro-accuracy" })
        {
            Assert.That(comparison.Total.Metrics[name].Champion, Is.EqualTo(1.0).Within(1e-9), name);
            Assert.That(comparison.Total.Metrics[name].Challenger, Is.EqualTo(1.0).Within(1e-9), $"{name}: version 2 is never wrong either");
        }

        Assert.That(comparison.Total.Metrics["log-loss"].Challenger, Is.EqualTo(-Math.Log(0.8f)).Within(1e-6), "by hand: every row has 0.8 on its class");
        Assert.That(comparison.Total.Challenger.Note, Is.Null);
    }

    [Test]
    public async Task Multiclass_LabelsOfAClassTheVersionNeverPredicted_CountAsMistakes_AtMLNetsFloorForLogLoss()
    {
        // 10 a (right), 10 b (right), 10 c predicted as a (wrong): c is never predicted, so which slot is its is unknown.
        await WriteMulticlassAsync(version: 1, Abc, Day1, truth: i => Abc[i % 3], predicted: i => i % 3 == 1 ? "b" : "a");

        var total = (await _client.Monitoring.GetPerformanceAsync("iris", new PerformanceQuery { Window = null })).Totals.Single();

        // By hand: micro 20/30; macro the mean of the classes' recalls (a 1, b 1, c 0); log-loss the mean of −ln p of the
        // right class, p = 0.8 for a and b, ML.NET's floor 1e-15 for c (as its evaluator does for a class unseen in training).
        Assert.That(total.WithFeedback, Is.EqualTo(30));
        Assert.That(total.Metrics["micro-accuracy"], Is.EqualTo(20.0 / 30).Within(1e-9), $"note: {total.Note}");
        Assert.That(total.Metrics["macro-accuracy"], Is.EqualTo(2.0 / 3).Within(1e-9));
        Assert.That(total.Metrics["log-loss"], Is.EqualTo(((20 * -Math.Log(0.8f)) + (10 * -Math.Log(1e-15))) / 30).Within(1e-6));
        Assert.That(total.Note, Does.StartWith("10 labels of classes version 1 never predicted (c): counted as mistakes"));
    }

    [Test]
    public async Task Binary_PredictedLabelsOfACustomThreshold_AreCountedInTheNote_TheMetricsStillDecideByScoreAboveZero()
    {
        // The service decides true above probability 0.7 (score > logit 0.7), not above 0.5 as ML.NET's trainers do.
        var logged = Binary(200, Day1, TimeSpan.FromMinutes(1), skill: 1, seed: 11);
        var threshold = Math.Log(0.7 / 0.3);
        await WriteBinaryAsync("churn", logged, l => l.Score > threshold);
        await WriteBinaryAsync("agreeing", Binary(200, Day1, TimeSpan.FromMinutes(1), skill: 1, seed: 11), l => l.Score > 0); // the same scores, ids of their own

        var custom = (await _client.Monitoring.GetPerformanceAsync("churn", new PerformanceQuery { Window = null })).Totals.Single();
        var agreeing = (await _client.Monitoring.GetPerformanceAsync("agreeing", new PerformanceQuery { Window = null })).Totals.Single();

        var disagreeing = logged.Count(l => l.Score > 0 && l.Score <= threshold);
        Assert.That(disagreeing, Is.GreaterThan(0), "the fixture has scores between the two thresholds");
        var expected = EvaluateBinary(logged);
        Assert.That(custom.Metrics.Keys, Is.EquivalentTo(expected.Keys));
        foreach (var (name, value) in expected)
        {
            Assert.That(custom.Metrics[name], Is.EqualTo(value).Within(1e-9), $"{name}: ML.NET's binary evaluator on the same scores (Score > 0)");
        }

        Assert.That(custom.Note, Is.EqualTo(FormattableString.Invariant($"{disagreeing} of 200 logged PredictedLabel values disagree with Score > 0 (a custom threshold?): the metrics decide by Score > 0, as ML.NET's binary evaluator does")));
        Assert.That(agreeing.Note, Is.Null);
    }

    [Test]
    public async Task LiveCheck_TheDefaultAucOnARegressionModel_IsUnhealthy_NamingTheMetricAndTheTask()
    {
        // A handful of predictions each, below MinFeedback: the task is decided already, and auc will never come.
        await WriteAsync(_client, "temp", [.. Regression(10, Day1.AddMinutes(1), TimeSpan.FromSeconds(5), version: 1), .. Regression(10, Day1.AddMinutes(1), TimeSpan.FromSeconds(5), version: 2, seed: 2)]);
        _time.Advance(TimeSpan.FromHours(1));
        var check = MonitoringLiveCheck.Create(_client, new LiveCheckOptions());

        var health = await check(new RolloutCheck("temp", 2, 1, "canary", 0.05, Day1, "run"), CancellationToken.None);

        Assert.That(health.Healthy, Is.False);
        Assert.That(health.Reason, Is.EqualTo("the metric auc is not measured for Regression (its metrics: mae, mse, rmse, r2): the check could never judge; set LiveCheckOptions.Metric to one of them"));
    }

    [Test]
    public void LiveCheck_Create_WithATaskThatNeverGivesTheMetric_IsRefused()
    {
        var refused = Assert.Throws<OptionsValidationException>(() => MonitoringLiveCheck.Create(_client, new LiveCheckOptions { Task = MonitoringTask.Regression }));
        Assert.That(refused!.Message, Does.Contain("auc is not measured for Regression"));
        Assert.Throws<OptionsValidationException>(() => MonitoringLiveCheck.Create(_client, new LiveCheckOptions { Metric = "micro-accuracy", Task = MonitoringTask.BinaryClassification }));

        Assert.DoesNotThrow(() => MonitoringLiveCheck.Create(_client, new LiveCheckOptions { Metric = "rmse", Task = MonitoringTask.Regression }));
        Assert.DoesNotThrow(() => MonitoringLiveCheck.Create(_client, new LiveCheckOptions { Metric = "log-loss", Task = MonitoringTask.MulticlassClassification }));
        Assert.DoesNotThrow(() => MonitoringLiveCheck.Create(_client, new LiveCheckOptions { Metric = "auc", Task = MonitoringTask.BinaryClassification }));
    }

    /// <summary>30 predictions of a version whose Score slots hold the classes in <paramref name="slots"/> order, 0.8 on the predicted class.</summary>
    private async Task WriteMulticlassAsync(int version, string[] slots, DateTimeOffset start, Func<int, string> truth, Func<int, string> predicted)
    {
        var rows = new List<PredictionLogRow>();
        for (var i = 0; i < 30; i++)
        {
            var best = Array.IndexOf(slots, predicted(i));
            var scores = Enumerable.Range(0, slots.Length).Select(k => k == best ? 0.8f : 0.1f);
            var row = MonitoringLogs.Row(start.AddMinutes(i), "iris", version, new { X = 1 }, new { }, arm: "production");
            row.Output = $"{{\"PredictedLabel\":\"{slots[best]}\",\"Score\":[{string.Join(",", scores.Select(s => s.ToString("R", CultureInfo.InvariantCulture)))}]}}";
            rows.Add(row);
        }

        await _client.Monitoring.WritePredictionsAsync(rows);
        await _client.Monitoring.RecordFeedbackAsync(rows.Select((r, i) => new PredictionFeedback<string>(MonitoringLogs.IdOf(r), truth(i))));
    }

    /// <summary>The predictions with the PredictedLabel the service decided, and their feedback.</summary>
    private async Task WriteBinaryAsync(string model, List<Logged> logged, Func<Logged, bool> decide)
    {
        var rows = logged.Select(l => new PredictionLogRow
        {
            Id = l.Id.ToString("N"),
            Timestamp = l.At.UtcDateTime,
            Model = model,
            Version = l.Version,
            Arm = l.Arm,
            Input = "{}",
            Output = FormattableString.Invariant($"{{\"PredictedLabel\":{(decide(l) ? "true" : "false")},\"Score\":{l.Score:R},\"Probability\":{l.Probability!.Value:R}}}"),
        });
        await _client.Monitoring.WritePredictionsAsync(rows);
        await FeedbackAsync(_client, logged);
    }
}
