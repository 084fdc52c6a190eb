using Microsoft.Extensions.Time.Testing;
using Microsoft.ML;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// Ground truth joined to logged predictions by id: late feedback, missing feedback, feedback for ids no prediction has,
/// replacement, bulk and dataset imports, and the diagnosis query's filters — on every store.
/// </summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class FeedbackTests(StoreKind kind)
{
    private static readonly DateTimeOffset Day1 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private TestStore _test = null!;
    private FakeTimeProvider _time = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _time = new FakeTimeProvider(Day1);
        _client = new MlOpsClient(_test.Store, new MlOpsOptions { Environment = "test" }, timeProvider: _time);
    }

    [TearDown]
    public async Task TearDown() => await _test.DisposeAsync();

    [Test]
    public async Task Feedback_JoinsItsPrediction_EvenWhenItArrivesDaysLater()
    {
        var rows = Enumerable.Range(0, 6).Select(i => MonitoringLogs.Row(Day1.AddMinutes(i), "delays", 1, new { Distance = 100 * i }, new { Score = i * 1.0f })).ToList();
        await _client.Monitoring.WritePredictionsAsync(rows);

        await _client.Monitoring.RecordFeedbackAsync(MonitoringLogs.IdOf(rows[0]), 0.5f);
        _time.Advance(TimeSpan.FromDays(9));
        await _client.Monitoring.RecordFeedbackAsync(MonitoringLogs.IdOf(rows[3]), 2.0);

        var read = await _client.Monitoring.ReadPredictionsAsync("delays");
        Assert.That(read.Select(p => p.Id), Is.EqualTo(rows.Select(MonitoringLogs.IdOf)), "every prediction, in time order");
        Assert.That(read.Select(p => p.ActualNumber()), Is.EqualTo(new double?[] { 0.5, null, null, 2.0, null, null }), "the two with ground truth, late or not; the rest missing");
        Assert.That(read[3].FeedbackAt - read[3].Timestamp, Is.EqualTo(TimeSpan.FromDays(9) - TimeSpan.FromMinutes(3)), "the late one keeps when it came");
        Assert.That(read[3].Error, Is.EqualTo(1.0).Within(1e-9), "|2 - Score 3|");

        var with = await _client.Monitoring.ReadPredictionsAsync("delays", new PredictionQuery { Feedback = FeedbackFilter.WithFeedback });
        var without = await _client.Monitoring.ReadPredictionsAsync("delays", new PredictionQuery { Feedback = FeedbackFilter.WithoutFeedback });
        Assert.That((with.Count, without.Count), Is.EqualTo((2, 4)));
    }

    [Test]
    public async Task RecordingAgain_ReplacesTheActualValue_TheLatestWins()
    {
        var row = MonitoringLogs.Row(Day1, "churn", 2, new { Age = 40 }, new { PredictedLabel = true, Probability = 0.9f, Score = 2.0f });
        await _client.Monitoring.WritePredictionsAsync([row]);

        await _client.Monitoring.RecordFeedbackAsync(MonitoringLogs.IdOf(row), true);
        _time.Advance(TimeSpan.FromMinutes(1));
        await _client.Monitoring.RecordFeedbackAsync(MonitoringLogs.IdOf(row), false);

        var read = (await _client.Monitoring.ReadPredictionsAsync("churn")).Single();
        Assert.That(read.ActualNumber(), Is.EqualTo(0), "the correction");
        Assert.That(read.Error, Is.EqualTo(0.9).Within(1e-6), "|0 - Probability 0.9|");
    }

    [Test]
    public async Task FeedbackSummary_CountsMissingFeedback_UnknownIds_AndDelays()
    {
        var rows = Enumerable.Range(0, 4).Select(i => MonitoringLogs.Row(Day1.AddHours(i), "a", 1, new { X = i }, new { Score = 1f })).ToList();
        rows.Add(MonitoringLogs.Row(Day1.AddHours(1), "b", 1, new { X = 9 }, new { Score = 1f }));
        await _client.Monitoring.WritePredictionsAsync(rows);
        _time.SetUtcNow(Day1.AddHours(10));
        await _client.Monitoring.RecordFeedbackAsync(MonitoringLogs.IdOf(rows[0]), 1.0);
        await _client.Monitoring.RecordFeedbackAsync(MonitoringLogs.IdOf(rows[4]), 1.0);
        await _client.Monitoring.RecordFeedbackAsync(Guid.CreateVersion7(Day1.AddHours(2)), 1.0);   // no such prediction
        await _client.Monitoring.RecordFeedbackAsync(Guid.NewGuid(), 1.0);                         // not a prediction id at all

        var summary = await _client.Monitoring.GetFeedbackSummaryAsync(Day1, Day1.AddDays(1));

        Assert.That((summary.Predictions, summary.WithFeedback, summary.WithoutFeedback), Is.EqualTo((5L, 2L, 3L)), "every model's predictions");
        Assert.That(summary.UnknownIds, Is.EqualTo(2), "the id of no logged prediction and the random GUID (recorded under today's date, which is Day1 here), counted, not thrown");
        Assert.That(summary.Coverage, Is.EqualTo(0.4).Within(1e-12));
        Assert.That(summary.MaxDelay, Is.EqualTo(TimeSpan.FromHours(10)), "rows[0] at 09:00, feedback at 19:00");

        var empty = await _client.Monitoring.GetFeedbackSummaryAsync(Day1.AddDays(5), Day1.AddDays(6));
        Assert.That((empty.Predictions, empty.WithFeedback, empty.UnknownIds, empty.MedianDelay), Is.EqualTo((0L, 0L, 0L, (TimeSpan?)null)), "an empty range is counted as empty, not an error");
        Assert.ThrowsAsync<ArgumentException>(() => _client.Monitoring.GetFeedbackSummaryAsync(Day1, Day1));
    }

    [Test]
    public async Task BulkFeedback_SkipsAndCountsLabelsThatAreNotLabels_AndRecordsTheRest()
    {
        var rows = Enumerable.Range(0, 3).Select(i => MonitoringLogs.Row(Day1.AddDays(i), "m", 1, new { X = i }, new { Score = 0f })).ToList();
        await _client.Monitoring.WritePredictionsAsync(rows);

        var result = await _client.Monitoring.RecordFeedbackAsync<double>(
        [
            new(MonitoringLogs.IdOf(rows[0]), 1),
            new(MonitoringLogs.IdOf(rows[1]), double.NaN),
            new(MonitoringLogs.IdOf(rows[2]), 3),
        ]);

        Assert.That((result.Recorded, result.Skipped), Is.EqualTo((2L, 1L)));
        Assert.That(result.Problems.Single(), Does.Contain(rows[1].Id).And.Contain("missing"));
        var read = await _client.Monitoring.ReadPredictionsAsync("m");
        Assert.That(read.Select(p => p.ActualNumber()), Is.EqualTo(new double?[] { 1, null, 3 }), "three days, three feedback partitions, each joined");
        var files = new List<string>();
        await foreach (var file in _test.Store.ListAsync("monitoring/feedback/"))
        {
            files.Add(file.Key);
        }

        Assert.That(files.Select(f => f.Split('/')[2]), Is.EquivalentTo(new[] { "date=2026-03-02", "date=2026-03-04" }), "feedback is kept by its prediction's date");
    }

    [Test]
    public void BadFeedback_IsATypedErrorNamingThePrediction_AndNothingIsWritten()
    {
        var id = Guid.CreateVersion7(Day1);
        var nan = Assert.ThrowsAsync<ArgumentException>(() => _client.Monitoring.RecordFeedbackAsync(id, double.NaN));
        Assert.That(nan!.Message, Does.Contain(id.ToString("N")).And.Contain("missing value"));
        Assert.ThrowsAsync<ArgumentException>(() => _client.Monitoring.RecordFeedbackAsync<string?>(id, null));
        Assert.ThrowsAsync<ArgumentException>(() => _client.Monitoring.RecordFeedbackAsync(id, new[] { 1, 2 }));

        var bad = MonitoringLogs.Row(Day1, "m", 1, new { X = 1 }, new { Score = 1f });
        bad.Id = "not-an-id";
        var good = MonitoringLogs.Row(Day1, "m", 1, new { X = 1 }, new { Score = 1f });
        var error = Assert.ThrowsAsync<ArgumentException>(() => _client.Monitoring.WritePredictionsAsync([good, bad]));
        Assert.That(error!.Message, Does.Contain("not-an-id").And.Contain("Nothing was written"));
        Assert.That(_test.Store.ListAsync("monitoring/").ToBlockingEnumerable(), Is.Empty);
    }

    [Test]
    public async Task FeedbackFromADataset_ReadsTheIdAndLabelColumns()
    {
        var rows = Enumerable.Range(0, 5).Select(i => MonitoringLogs.Row(Day1.AddMinutes(i), "churn", 1, new { X = i }, new { PredictedLabel = i % 2 == 0, Probability = 0.5f, Score = 0f })).ToList();
        await _client.Monitoring.WritePredictionsAsync(rows);
        var ml = new MLContext(seed: 1);
        var truth = rows.Take(4).Select((r, i) => new Truth { PredictionId = i == 2 ? "garbage" : r.Id, Churned = i % 2 == 0 }).ToList();
        await _client.Datasets.RegisterDataViewAsync("churn-truth", ml.Data.LoadFromEnumerable(truth), ml);

        var result = await _client.Monitoring.RecordFeedbackFromDatasetAsync("datasets:/churn-truth/1", "PredictionId", "Churned");

        Assert.That((result.Recorded, result.Skipped), Is.EqualTo((3L, 1L)));
        Assert.That(result.Problems.Single(), Does.Contain("garbage"));
        var read = await _client.Monitoring.ReadPredictionsAsync("churn");
        Assert.That(read.Select(p => p.ActualNumber()), Is.EqualTo(new double?[] { 1, 0, null, 0, null }));
        var missing = Assert.ThrowsAsync<ArgumentException>(() => _client.Monitoring.RecordFeedbackFromDatasetAsync("datasets:/churn-truth/1", "PredictionId", "Label"));
        Assert.That(missing!.Message, Does.Contain("'Label'").And.Contain("Churned"));
    }

    [Test]
    public async Task DiagnosisQuery_FiltersByVersionArmTimeFeatureAndErrorSize()
    {
        var rows = new List<PredictionLogRow>();
        for (var i = 0; i < 40; i++)
        {
            rows.Add(MonitoringLogs.Row(Day1.AddHours(i), "delays", 1 + (i % 2), new { Origin = i % 4 == 0 ? "SEA" : "LAX", Distance = 10.0 * i }, new { Score = (float)i }, arm: i % 2 == 0 ? "main" : "canary"));
        }

        await _client.Monitoring.WritePredictionsAsync(rows);
        await _client.Monitoring.RecordFeedbackAsync(rows.Select(r => new PredictionFeedback<double>(MonitoringLogs.IdOf(r), 20.0)));

        var query = new PredictionQuery
        {
            From = Day1.AddHours(4),
            To = Day1.AddHours(36),
            MinError = 5,
            Where = p => p.InputText("Origin") == "SEA" && p.InputNumber("Distance") < 300,
        };
        query.Versions.Add(1);
        query.Arms.Add("main");
        var found = await _client.Monitoring.ReadPredictionsAsync("delays", query);

        var expected = rows.Select((r, i) => (r, i)).Where(x => x.i >= 4 && x.i < 36 && x.i % 4 == 0 && 10.0 * x.i < 300 && Math.Abs(20 - x.i) >= 5).Select(x => x.r.Id);
        Assert.That(found.Select(p => p.Id.ToString("N")), Is.EqualTo(expected), "hours 4 to 35, version 1 on main, SEA, under 300 miles, off by 5 or more");
        Assert.That(found, Is.Not.Empty);
        Assert.That((await _client.Monitoring.ReadPredictionsAsync("delays", new PredictionQuery { Limit = 3 })).Count, Is.EqualTo(3));
        Assert.That(await _client.Monitoring.ReadPredictionsAsync("no-such-model"), Is.Empty, "a model with no logs reads as empty");
    }

    private sealed class Truth
    {
        public string PredictionId { get; set; } = string.Empty;

        public bool Churned { get; set; }
    }
}
