using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Microsoft.ML;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// The alerts in <c>CreateReportAsync</c>'s report: a real <c>CheckAsync</c> raises a drift alert on a shifted day of
/// synthetic logs; the report over that day lists it (JSON and HTML), a report over a range before it does not, and
/// the alerts of a check just run (<c>ReportOptions.Alerts</c>) replace the stored ones of their rule.
/// </summary>
public sealed partial class ReportAlertTests
{
    private static readonly DateTimeOffset Day1 = new(2026, 4, 6, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Day2 = Day1.AddDays(1);
    private TestStore _test = null!;
    private FakeTimeProvider _time = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(StoreKind.InMemory);
        _time = new FakeTimeProvider(Day1);
        _client = new MlOpsClient(_test.Store, new MlOpsOptions { Environment = "test" }, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, _time);
        var ml = new MLContext(seed: 1);
        await _client.Datasets.RegisterDataViewAsync("distances", ml.Data.LoadFromEnumerable(Distances(new Random(1), 2_000, shift: 0)), ml);

        // One day of live distances shifted by one standard deviation.
        var live = Distances(new Random(2), 600, shift: 300).Select((row, i) => MonitoringLogs.Row(Day1.AddMinutes(2 * i), "delays", 1, row, new { Score = 1f }));
        await _client.Monitoring.WritePredictionsAsync(live.ToList());
        _time.SetUtcNow(Day2);
    }

    [TearDown]
    public async Task TearDown() => await _test.DisposeAsync();

    [Test]
    public async Task CreateReportAsync_AfterACheckRaisedADriftAlert_ListsItInTheJsonAndTheHtml_OnlyWhenRaisedInTheRange()
    {
        var check = await _client.Monitoring.CheckAsync(Monitor());
        var raised = check.Raised.Single();

        var report = await _client.Monitoring.CreateReportAsync("delays", Options(Day1, Day2));
        var before = await _client.Monitoring.CreateReportAsync("delays", Options(Day1, Day1.AddHours(12)));

        Assert.That(raised.Message, Does.Contain("distance"), "the check measured the shift");
        var json = JsonDocument.Parse(report.ToJson()).RootElement.GetProperty("alerts");
        Assert.That(json.GetArrayLength(), Is.EqualTo(1), report.ToJson());
        Assert.That(json[0].GetProperty("rule").GetString(), Is.EqualTo("drifted-share"));
        Assert.That(json[0].GetProperty("message").GetString(), Is.EqualTo(raised.Message));
        Assert.That(json[0].GetProperty("at").GetDateTimeOffset(), Is.EqualTo(Day2), "raised at the end of the checked range: the report's To is inclusive for alerts");
        var alerts = AlertsText(report.ToHtml());
        Assert.That(alerts, Does.Contain("drifted-share").And.Contain(raised.Message).And.Contain("2026-04-07 00:00 UTC"));
        Assert.That(before.Alerts, Is.Empty, "the alert was raised after that range");
        Assert.That(AlertsText(before.ToHtml()), Does.Contain("No alerts in this range."));
    }

    [Test]
    public async Task CreateReportAsync_WithTheAlertsOfACheckJustRun_ListsThemInsteadOfTheStoredOnes()
    {
        await _client.Monitoring.CheckAsync(Monitor());
        _time.Advance(TimeSpan.FromHours(1));
        var again = await _client.Monitoring.CheckAsync(Monitor());
        var options = Options(Day1, Day2);
        foreach (var alert in again.Alerts)
        {
            options.Alerts.Add(alert);
        }

        var report = await _client.Monitoring.CreateReportAsync("delays", options);

        var listed = report.Alerts.Single();
        Assert.That(again.Alerts.Single().Suppressed, Is.True, "the same problem within the cooldown");
        Assert.That((listed.Rule, listed.At), Is.EqualTo(("drifted-share", (DateTimeOffset?)Day2.AddHours(1))), "the check's alert, though after To; not the stored one as well");
        Assert.That(listed.Message, Does.StartWith(again.Alerts.Single().Message).And.Contain("suppressed"));
        Assert.That(AlertsText(report.ToHtml()), Does.Contain("suppressed"));

        var other = new ReportOptions { IncludePerformance = false, Alerts = { again.Alerts.Single() with { Model = "other" } } };
        var error = Assert.ThrowsAsync<ArgumentException>(() => _client.Monitoring.CreateReportAsync("delays", other));
        Assert.That(error!.Message, Does.Contain("'other'"));
    }

    private static ReportOptions Options(DateTimeOffset from, DateTimeOffset to) => new() { From = from, To = to, Window = null, IncludePerformance = false };

    private static MonitorOptions Monitor() => new() { Model = "delays", Reference = "datasets:/distances/1", Rules = { AlertRule.DriftedShare() } };

    /// <summary>The alerts section's text, tags removed and entities decoded.</summary>
    private static string AlertsText(string html)
    {
        var section = AlertsSection().Match(html);
        Assert.That(section.Success, Is.True, "an alerts section");
        return WebUtility.HtmlDecode(Regex.Replace(section.Value, "<[^>]+>", " "));
    }

    private static List<DistanceRow> Distances(Random random, int count, double shift)
        => [.. Enumerable.Range(0, count).Select(_ => new DistanceRow { distance = (float)(800 + shift + (300 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))) })];

    [GeneratedRegex("<section id=\"alerts\">.*?</section>", RegexOptions.Singleline)]
    private static partial Regex AlertsSection();

#pragma warning disable SA1300, IDE1006 // the column's name, as the logs write it
    private sealed class DistanceRow
    {
        public float distance { get; set; }
    }
#pragma warning restore SA1300, IDE1006
}
