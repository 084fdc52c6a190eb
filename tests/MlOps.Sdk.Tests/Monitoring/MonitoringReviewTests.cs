using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Microsoft.ML;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>The review of monitoring's core (issue 10): each test was a bug's repro, now fixed.</summary>
public sealed class MonitoringReviewTests
{
    private static readonly DateTimeOffset Day1 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly string[] Abc = ["a", "b", "c"];
    private FakeTimeProvider _time = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(Day1);
        _client = new MlOpsClient(new InMemoryObjectStore(timeProvider: _time), new MlOpsOptions { Environment = "test" }, timeProvider: _time);
    }

    [Test]
    public void PredictionsWithIdsFeedbackCouldNeverMeet_AreRefused_NothingWritten()
    {
        // Feedback is kept by the date in its prediction's id: a version-4 id, or a version-7 id of another day than the
        // row's, would never meet the feedback recorded for it.
        var v4 = MonitoringLogs.Row(Day1, "m", 1, new { X = 1 }, new { Score = 1f });
        v4.Id = Guid.NewGuid().ToString("N");
        var otherDay = MonitoringLogs.Row(Day1, "m", 1, new { X = 1 }, new { Score = 1f });
        otherDay.Id = Guid.CreateVersion7(Day1.AddDays(-1)).ToString("N");
        var good = MonitoringLogs.Row(Day1, "m", 1, new { X = 1 }, new { Score = 1f });

        foreach (var bad in new[] { v4, otherDay })
        {
            var error = Assert.ThrowsAsync<ArgumentException>(() => _client.Monitoring.WritePredictionsAsync([good, bad]));
            Assert.That(error!.Message, Does.Contain(bad.Id).And.Contain("version-7 GUID of its own day"));
        }

        var noArm = MonitoringLogs.Row(Day1, "m", 1, new { X = 1 }, new { Score = 1f }, arm: string.Empty);
        Assert.ThrowsAsync<ArgumentException>(() => _client.Monitoring.WritePredictionsAsync([noArm]));
        var notJson = MonitoringLogs.Row(Day1, "m", 1, new { X = 1 }, new { Score = 1f });
        notJson.Output = "{Score: 1";
        Assert.That(Assert.ThrowsAsync<ArgumentException>(() => _client.Monitoring.WritePredictionsAsync([notJson]))!.Message, Does.Contain("output"));
        Assert.That(_client.Store.ListAsync("monitoring/").ToBlockingEnumerable(), Is.Empty, "nothing written");
    }

    [Test]
    public async Task WritePredictions_LeavesTheCallersRowsAsTheyWere()
    {
        var local = MonitoringLogs.Row(Day1, "m", 1, new { X = 1 }, new { Score = 1f });
        local.Timestamp = DateTime.SpecifyKind(local.Timestamp, DateTimeKind.Unspecified);
        await _client.Monitoring.WritePredictionsAsync([local]);
        Assert.That(local.Timestamp.Kind, Is.EqualTo(DateTimeKind.Unspecified));
        Assert.That((await _client.Monitoring.ReadPredictionsAsync("m")).Single().Timestamp, Is.EqualTo(Day1), "an unspecified kind is read as UTC");
    }

    [Test]
    public async Task FeedbackRecordedTwiceAtTheSameInstant_TheLaterCallWins()
    {
        // A clock that has not moved (FakeTimeProvider, a coarse clock, a bulk import's one 'now'): the tie goes to
        // whichever file lists last, and file names end with a random GUID.
        var rows = Enumerable.Range(0, 12).Select(i => MonitoringLogs.Row(Day1.AddMinutes(i), "churn", 1, new { X = i }, new { PredictedLabel = true, Score = 1f })).ToList();
        await _client.Monitoring.WritePredictionsAsync(rows);
        foreach (var row in rows)
        {
            await _client.Monitoring.RecordFeedbackAsync(MonitoringLogs.IdOf(row), true);
            await _client.Monitoring.RecordFeedbackAsync(MonitoringLogs.IdOf(row), false);   // the correction
        }

        var read = await _client.Monitoring.ReadPredictionsAsync("churn");
        Assert.That(read.Select(p => p.ActualNumber()), Is.All.EqualTo(0.0), "every correction wins over the value it corrects");
    }

    [Test]
    public async Task Check_WhenTheStoreFails_ThrowsTheStoreException_AsDocumented()
    {
        var faulty = new FaultInjectingObjectStore(new InMemoryObjectStore(timeProvider: _time));
        var client = new MlOpsClient(faulty, new MlOpsOptions { Environment = "test" }, timeProvider: _time);
        await PerformanceData.WriteAsync(client, "churn", PerformanceData.Binary(40, Day1, TimeSpan.FromMinutes(1), skill: 0));
        _time.SetUtcNow(Day1.AddHours(2));
        faulty.FailRead = key => key.StartsWith("monitoring/predictions/", StringComparison.Ordinal) ? new ObjectStoreException(key, "store outage") : null;

        var monitor = new MonitorOptions { Model = "churn", Rules = { AlertRule.MetricBelow("accuracy", 0.99, minFeedback: 10) } };
        Assert.ThrowsAsync<ObjectStoreException>(() => client.Monitoring.CheckAsync(monitor), "CheckAsync documents ObjectStoreException; an outage must not read as 'nothing to alert'");
    }

    [Test]
    public async Task Check_ACallbackThatTimesOut_IsLogged_NotThrown()
    {
        await PerformanceData.WriteAsync(_client, "churn", PerformanceData.Binary(40, Day1, TimeSpan.FromMinutes(1), skill: 0));
        _time.SetUtcNow(Day1.AddHours(2));
        var monitor = new MonitorOptions
        {
            Model = "churn",
            Rules = { AlertRule.MetricBelow("accuracy", 0.99, minFeedback: 10) },
            // A webhook whose HttpClient timed out: TaskCanceledException, with the check's own token not cancelled.
            OnAlert = (_, _) => Task.FromException(new TaskCanceledException("The webhook timed out.")),
        };

        MonitoringCheckResult? result = null;
        Assert.DoesNotThrowAsync(async () => result = await _client.Monitoring.CheckAsync(monitor), "MonitorOptions.OnAlert: 'its failure is logged, not thrown'");
        Assert.That(result?.Raised.Count(), Is.EqualTo(1));
    }

    [Test]
    public async Task ReadPredictions_ARangeEndingBeforeItStarts_IsAnArgumentException()
    {
        await _client.Monitoring.WritePredictionsAsync([MonitoringLogs.Row(Day1, "m", 1, new { X = 1 }, new { Score = 1f })]);
        Assert.ThrowsAsync<ArgumentException>(() => _client.Monitoring.ReadPredictionsAsync("m", new PredictionQuery { From = Day1.AddDays(1), To = Day1 }), "as GetPerformanceAsync and GetFeedbackSummaryAsync do");
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.Monitoring.ReadPredictionsAsync("m", new PredictionQuery { Limit = -1 }));
    }

    private static PredictionLogRow MulticlassRow(DateTimeOffset at, int version, string[] slots, int predictedSlot)
    {
        var scores = Enumerable.Range(0, slots.Length).Select(k => k == predictedSlot ? 0.8f : 0.1f).ToArray();
        var row = MonitoringLogs.Row(at, "iris", version, new { X = 1 }, new { }, arm: "production");
        row.Output = $"{{\"PredictedLabel\":\"{slots[predictedSlot]}\",\"Score\":[{string.Join(",", scores.Select(s => s.ToString("R", CultureInfo.InvariantCulture)))}]}}";
        return row;
    }

    [Test]
    public async Task Check_WhenTheRetrainingRequestFails_TheAlertIsNotLostForTheCooldown()
    {
        var faulty = new FaultInjectingObjectStore(new InMemoryObjectStore(timeProvider: _time));
        var client = new MlOpsClient(faulty, new MlOpsOptions { Environment = "test" }, timeProvider: _time);
        await PerformanceData.WriteAsync(client, "churn", PerformanceData.Binary(40, Day1, TimeSpan.FromMinutes(1), skill: 0));
        _time.SetUtcNow(Day1.AddHours(2));
        var delivered = new List<Alert>();
        var monitor = new MonitorOptions
        {
            Model = "churn",
            Rules = { AlertRule.MetricBelow("accuracy", 0.99, minFeedback: 10) with { RequestRetraining = true } },
            OnAlert = (alert, _) =>
            {
                delivered.Add(alert);
                return Task.CompletedTask;
            },
        };

        faulty.FailWrite = key => key.StartsWith("retraining/", StringComparison.Ordinal) ? new ObjectStoreException(key, "store outage") : null;
        Assert.CatchAsync(() => client.Monitoring.CheckAsync(monitor), "the outage surfaces");
        faulty.FailWrite = null;
        _time.Advance(TimeSpan.FromMinutes(15));   // the hosted monitor's next check, store healthy again
        var next = await client.Monitoring.CheckAsync(monitor);

        Assert.That(delivered.Count + next.Raised.Count(r => r.RetrainingRequestId is not null), Is.GreaterThan(0), "the alert was neither delivered nor did it ask for a retraining: the first check spent the cooldown, the second is suppressed");
    }

    [Test]
    public async Task FeedbackFromADataset_AKeyLabel_IsRecordedAsItsClass_NotItsIndex()
    {
        // A multiclass truth table as ML.NET pipelines make it: the label mapped to a key (MapValueToKey).
        var rows = Abc.Select((c, i) => MulticlassRow(Day1.AddMinutes(i), 1, Abc, i)).ToList();
        await _client.Monitoring.WritePredictionsAsync(rows);
        var ml = new Microsoft.ML.MLContext(seed: 1);
        var truth = ml.Data.LoadFromEnumerable(rows.Select((r, i) => new KeyTruth { PredictionId = r.Id, Species = Abc[i] }));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Species").Fit(truth).Transform(truth);
        await _client.Datasets.RegisterDataViewAsync("iris-truth", keyed, ml);
        var registered = await (await _client.Datasets.GetAsync("datasets:/iris-truth/1")).LoadAsync(ml);
        Assert.That(registered.Schema["Species"].Type, Is.InstanceOf<Microsoft.ML.Data.KeyDataViewType>(), "the dataset keeps the key type, so the import meets a key label");

        await _client.Monitoring.RecordFeedbackFromDatasetAsync("datasets:/iris-truth/1", "PredictionId", "Species");

        var read = await _client.Monitoring.ReadPredictionsAsync("iris");
        Assert.That(read.Select(p => p.Actual is { } a ? a.ToString() : null), Is.EqualTo(Abc), "the class, as PredictedLabel names it (the key's value), not the key's index");
        Assert.That(read.Select(p => p.Error), Is.All.EqualTo(0.0), "every prediction was right");
    }

    private sealed class KeyTruth
    {
        public string PredictionId { get; set; } = string.Empty;

        public string Species { get; set; } = string.Empty;
    }

    [Test]
    public async Task FeedbackSummary_MedianDelay_OfAnEvenCount_IsTheMiddleOfTheTwoMiddleOnes()
    {
        var rows = new[] { MonitoringLogs.Row(Day1, "m", 1, new { X = 1 }, new { Score = 1f }), MonitoringLogs.Row(Day1, "m", 1, new { X = 2 }, new { Score = 1f }) };
        await _client.Monitoring.WritePredictionsAsync(rows);
        _time.SetUtcNow(Day1.AddHours(1));
        await _client.Monitoring.RecordFeedbackAsync(MonitoringLogs.IdOf(rows[0]), 1.0);
        _time.SetUtcNow(Day1.AddHours(3));
        await _client.Monitoring.RecordFeedbackAsync(MonitoringLogs.IdOf(rows[1]), 1.0);

        var summary = await _client.Monitoring.GetFeedbackSummaryAsync(Day1, Day1.AddDays(1));
        Assert.That(summary.MedianDelay, Is.EqualTo(TimeSpan.FromHours(2)), "median of 1 h and 3 h");
    }

    [Test]
    public void MetricRule_AnUnknownMetricName_IsRejected_AsLiveCheckOptionsRejectsIt()
    {
        // A typo makes a rule that can never alert; LiveCheckOptions.Metric validates the same names.
        Assert.Throws<ArgumentException>(() => AlertRule.MetricBelow("acuracy", 0.9));
    }

    [Test]
    public void BulkFeedback_ANullItem_IsATypedArgumentError_NotANullReference()
    {
        Assert.CatchAsync<ArgumentException>(() => _client.Monitoring.RecordFeedbackAsync(new PredictionFeedback<bool>[] { new(Guid.CreateVersion7(Day1), true), null! }));
    }
}
