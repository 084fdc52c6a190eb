using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Microsoft.ML;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// Checks end to end, on every store: logged predictions and ground truth → drift and performance over the lookback →
/// rules → a logged warning, the callback, the event, a retraining request; the cooldown; what cannot be measured.
/// </summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class MonitoringCheckTests(StoreKind kind)
{
    private static readonly DateTimeOffset Day1 = new(2026, 4, 6, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Origins = ["SEA", "LAX", "JFK", "ORD"];
    private TestStore _test = null!;
    private FakeTimeProvider _time = null!;
    private CapturingLoggerFactory _logs = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _time = new FakeTimeProvider(Day1);
        _logs = new CapturingLoggerFactory();
        _client = new MlOpsClient(_test.Store, new MlOpsOptions { Environment = "test" }, _logs, _time);
        var ml = new MLContext(seed: 1);
        var random = new Random(1);
        var training = Enumerable.Range(0, 2_000).Select(_ => Flight(random, shifted: false)).ToList();
        await _client.Datasets.RegisterDataViewAsync("flights-train", ml.Data.LoadFromEnumerable(training), ml);
    }

    [TearDown]
    public async Task TearDown()
    {
        _logs.Dispose();
        await _test.DisposeAsync();
    }

    [Test]
    public async Task AShiftedDay_RaisesTheDriftAlert_Once_LoggedCalledBackAndAskingForARetraining()
    {
        await WriteDayAsync(Day1, shifted: true, count: 800);
        _time.SetUtcNow(Day1.AddDays(1));
        var called = new List<Alert>();
        var events = new List<Alert>();
        _client.Monitoring.AlertRaised += (_, e) => events.Add(e.Alert);
        var monitor = Monitor(AlertRule.DriftedShare() with { RequestRetraining = true });
        monitor.OnAlert = (alert, _) =>
        {
            called.Add(alert);
            return Task.CompletedTask;
        };

        var first = await _client.Monitoring.CheckAsync(monitor);

        var alert = first.Raised.Single();
        Assert.That((alert.Rule, alert.Model, alert.Suppressed), Is.EqualTo(("drifted-share", "delays", false)));
        Assert.That(alert.Message, Does.Contain("distance").And.Contain("origin"), "both features moved");
        Assert.That(first.Snapshot.Drift!.Overall.Predictions, Is.EqualTo(800));
        Assert.That(called.Single(), Is.SameAs(alert));
        Assert.That(events.Single(), Is.SameAs(alert));
        Assert.That(_logs.Messages.Where(m => m.EventId == 3650).Select(m => m.Level), Is.EqualTo(new[] { LogLevel.Warning }));
        Assert.That(alert.RetrainingRequestId, Is.Not.Null);
        Assert.That(await RequestsAsync(), Is.EqualTo(new[] { $"retraining/delays/requests/{alert.RetrainingRequestId}.json" }), "the hook retrainers pick up");

        _time.Advance(TimeSpan.FromHours(1));
        var second = await _client.Monitoring.CheckAsync(monitor);
        Assert.That(second.Alerts.Single().Suppressed, Is.True, "the same problem within the cooldown");
        Assert.That((called.Count, events.Count, (await RequestsAsync()).Count), Is.EqualTo((1, 1, 1)), "no second callback, event or request");

        _time.Advance(TimeSpan.FromDays(1));
        await WriteDayAsync(Day1.AddDays(1).AddHours(1), shifted: true, count: 800);
        var third = await _client.Monitoring.CheckAsync(monitor);
        Assert.That(third.Raised.Count(), Is.EqualTo(1), "after the cooldown, a lasting problem alerts again");
        var state = (await _client.Monitoring.GetAlertStatesAsync("delays")).Single();
        Assert.That((state.Rule, state.Raised, state.Suppressed), Is.EqualTo(("drifted-share", 2L, 1L)));
    }

    [Test]
    public async Task ADayLikeTraining_RaisesNoAlert()
    {
        await WriteDayAsync(Day1, shifted: false, count: 800);
        _time.SetUtcNow(Day1.AddDays(1));

        var check = await _client.Monitoring.CheckAsync(Monitor(AlertRule.DriftedShare(), AlertRule.FeatureDrift("distance"), AlertRule.FeatureDrift("origin")));

        Assert.That(check.Alerts, Is.Empty, string.Join("; ", check.Alerts.Select(a => a.Message)));
        Assert.That(check.Snapshot.Drift!.Overall.Features.Features.Select(f => f.Status), Is.All.EqualTo(DriftStatus.Stable));
        Assert.That(_logs.Messages.Where(m => m.Level >= LogLevel.Warning), Is.Empty);
    }

    [Test]
    public async Task ALiveMetricBelowItsThreshold_Alerts_CriticalAsAnError_OnceThereIsEnoughGroundTruth()
    {
        var rows = await WriteDayAsync(Day1, shifted: false, count: 300);
        _time.SetUtcNow(Day1.AddDays(1));
        var monitor = Monitor(AlertRule.MetricBelow("accuracy", 0.8, minFeedback: 200) with { Severity = AlertSeverity.Critical });

        // 150 predictions with ground truth: below the minimum, nothing judged.
        await _client.Monitoring.RecordFeedbackAsync(rows.Take(150).Select((r, i) => new PredictionFeedback<bool>(MonitoringLogs.IdOf(r), i % 2 == 0)));
        Assert.That((await _client.Monitoring.CheckAsync(monitor)).Alerts, Is.Empty);

        // 300: the model (always "delayed") is right half the time.
        await _client.Monitoring.RecordFeedbackAsync(rows.Skip(150).Select((r, i) => new PredictionFeedback<bool>(MonitoringLogs.IdOf(r), i % 2 == 0)));
        var check = await _client.Monitoring.CheckAsync(monitor);

        var alert = check.Raised.Single();
        Assert.That(alert.Value, Is.EqualTo(0.5).Within(1e-9));
        Assert.That(alert.Message, Does.Contain("version 1").And.Contain("300 predictions with ground truth"));
        Assert.That(_logs.Messages.Where(m => m.EventId == 3651).Select(m => m.Level), Is.EqualTo(new[] { LogLevel.Error }));
    }

    [Test]
    public async Task NothingToMeasure_IsReported_NotThrown_AndDoesNotAlert()
    {
        _time.SetUtcNow(Day1.AddDays(1));
        var check = await _client.Monitoring.CheckAsync(Monitor(AlertRule.DriftedShare(), AlertRule.MetricBelow("auc", 0.7)));

        Assert.That(check.Alerts, Is.Empty);
        Assert.That(check.Snapshot.Performance?.Totals ?? [], Is.Empty, "no predictions in the lookback");
    }

    [Test]
    public async Task ACheck_ReadsTheLookbacksLogsOnce_ForPerformanceAndDriftTogether()
    {
        for (var day = 0; day < 3; day++)
        {
            await WriteDayAsync(Day1.AddDays(day), shifted: false, count: 50);   // one file a day
        }

        _time.SetUtcNow(Day1.AddDays(3));
        var counting = new CountingObjectStore(_test.Store);
        var client = new MlOpsClient(counting, new MlOpsOptions { Environment = "test" }, timeProvider: _time);
        async Task<int> ReadsAsync(params AlertRule[] rules)
        {
            var monitor = Monitor(rules);
            monitor.Lookback = TimeSpan.FromDays(3);
            var before = counting.Reads;
            await client.Monitoring.CheckAsync(monitor);
            return counting.Reads - before;
        }

        var driftOnly = await ReadsAsync(AlertRule.DriftedShare());
        var both = await ReadsAsync(AlertRule.DriftedShare(), AlertRule.MetricBelow("accuracy", 0.1));

        Assert.That(driftOnly, Is.GreaterThanOrEqualTo(3), "the three log files, and the reference");
        Assert.That(both, Is.EqualTo(driftOnly), "performance and drift share one reading of the logs (no feedback files to add)");
    }

    [Test]
    public void BadMonitors_AreTypedErrors_NamingTheProblem()
    {
        Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => _client.Monitoring.CheckAsync(new MonitorOptions { Rules = { AlertRule.DriftedShare() } }));
        var noRule = Assert.ThrowsAsync<ArgumentException>(() => _client.Monitoring.CheckAsync(new MonitorOptions { Model = "delays" }));
        Assert.That(noRule!.Message, Does.Contain("no rule"));
        var twice = Assert.ThrowsAsync<ArgumentException>(() => _client.Monitoring.CheckAsync(Monitor(AlertRule.DriftedShare(), AlertRule.DriftedShare(0.3))));
        Assert.That(twice!.Message, Does.Contain("'drifted-share'"));
        Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => _client.Monitoring.CheckAsync(new MonitorOptions { Model = "delays", Lookback = TimeSpan.Zero, Rules = { AlertRule.DriftedShare() } }));
    }

    private static MonitorOptions Monitor(params AlertRule[] rules)
    {
        var monitor = new MonitorOptions { Model = "delays", Reference = "datasets:/flights-train/1", Task = MonitoringTask.BinaryClassification };
        foreach (var rule in rules)
        {
            monitor.Rules.Add(rule);
        }

        return monitor;
    }

    private static FlightRow Flight(Random random, bool shifted)
    {
        var u = random.NextDouble();
        var distance = 800 + (300 * Math.Sqrt(-2 * Math.Log(1 - u)) * Math.Cos(2 * Math.PI * random.NextDouble())) + (shifted ? 300 : 0);
        var origin = shifted && random.NextDouble() < 0.6 ? "SEA" : Origins[random.Next(Origins.Length)];
        return new FlightRow { distance = (float)distance, origin = origin };
    }

    private async Task<List<PredictionLogRow>> WriteDayAsync(DateTimeOffset day, bool shifted, int count)
    {
        var random = new Random(shifted ? 2 : 3);
        var rows = Enumerable.Range(0, count)
            .Select(i => MonitoringLogs.Row(day.AddSeconds(i * 60), "delays", 1, Flight(random, shifted), new { PredictedLabel = true, Probability = 0.7f, Score = 1f }))
            .ToList();
        await _client.Monitoring.WritePredictionsAsync(rows);
        return rows;
    }

    private async Task<List<string>> RequestsAsync()
    {
        var keys = new List<string>();
        await foreach (var file in _test.Store.ListAsync("retraining/delays/requests/"))
        {
            keys.Add(file.Key);
        }

        return keys;
    }

#pragma warning disable SA1300, IDE1006 // the columns' names, as the logs write them
    private sealed class FlightRow
    {
        public float distance { get; set; }

        public string origin { get; set; } = string.Empty;
    }
#pragma warning restore SA1300, IDE1006
}
