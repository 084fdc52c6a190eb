using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// "The real flights data drifts across seasons and the report shows it": the flights of <see cref="FlightsSeason"/>,
/// January's held-out half and May logged with the model's real outputs, in one report from January 1 to June 1 with
/// windows of 120 days (January 1 + 120 days is May 1: the first window holds January's half, the second May). What is
/// known of this data (docs/drift.md, <see cref="FlightsSeasonDriftTests"/>): only the delays move, in May (shorter:
/// D ≈ 0.07, p ≈ 7·10⁻⁵), significant but under the default material threshold D ≥ 0.1. The user's stricter choice,
/// <c>KolmogorovSmirnovMinStatistic = 0.05</c>, flags them; the defaults call them a negligible shift.
/// </summary>
public sealed partial class FlightsSeasonReportTests
{
    private static readonly DateTimeOffset January = new(2001, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset May = new(2001, 5, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset June = new(2001, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private TestStore _test = null!;
    private MlOpsClient _client = null!;
    private List<FlightsSeason.Flight> _flights = null!;
    private List<FlightsSeason.Flight> _logged = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(StoreKind.FileSystem);
        _client = TrackingClients.Create(_test.Store);
        _flights = FlightsSeason.Read();
        _logged = [.. FlightsSeason.JanuaryHeldOut(_flights).Concat(_flights.Where(f => f.Date.Month == 5))];
        await FlightsSeason.RegisterAndLogAsync(_client, _flights, _logged);
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_test is not null)
        {
            await _test.DisposeAsync();
        }
    }

    [Test]
    public async Task CreateReportAsync_StricterRule_DelayDriftsInMaysWindowNotJanuarys_AndTheHtmlShowsIt()
    {
        // The user's choice: flag shifts of the delay distribution from D = 0.05 (a January half does not reach it).
        var report = await ReportAsync(new DriftOptions { KolmogorovSmirnovMinStatistic = 0.05 });

        var json = JsonDocument.Parse(report.ToJson()).RootElement;
        var windows = json.GetProperty("drift").GetProperty("windows").EnumerateArray().ToList();
        Assert.That(windows.Select(w => w.GetProperty("start").GetDateTimeOffset()), Is.EqualTo(new[] { January, May }));
        Assert.That(windows.Select(w => w.GetProperty("predictions").GetInt64()), Is.EqualTo(new[] { _logged.Count(f => f.Date.Month == 1), _logged.Count(f => f.Date.Month == 5) }));
        Assert.That(Status(windows[0], "Delay"), Is.EqualTo("stable"), "January's held-out half");
        Assert.That(Status(windows[1], "Delay"), Is.EqualTo("drifted"), "May");
        Assert.That(Drifted(windows[1]), Is.EqualTo(new[] { "Delay" }), "distance, departure time and airports stay");
        Assert.That(Drifted(windows[0]), Is.Empty);
        Assert.That(Status(json.GetProperty("drift").GetProperty("overall"), "Delay"), Is.EqualTo("stable"), "over the whole range January's half dilutes May: the windows show what the range hides");
        Assert.That(json.GetProperty("thresholds").GetProperty("kolmogorovSmirnovStatistic").GetDouble(), Is.EqualTo(0.05), "the chart draws the user's threshold");

        // The delay chart: the logged delays are binned by hand over the report's bins; the largest gap between the
        // cumulative shares is where the live side (January's half and May) has more short delays than the reference
        // (January's training half). Independently, binning each month by hand: May alone gaps more, January's half less.
        var delay = report.Distributions.Single(d => d.Feature == "Delay");
        var edges = delay.Edges!;
        Assert.That(delay.Live, Is.EqualTo(Histogram(_logged.Select(f => (double)f.Row.Delay), edges)), "every logged delay in its bin");
        var (gap, edge) = ShorterDelays(delay.Reference, delay.Live, edges);
        var (mayGap, _) = ShorterDelays(delay.Reference, Histogram(_logged.Where(f => f.Date.Month == 5).Select(f => (double)f.Row.Delay), edges), edges);
        var (januaryGap, _) = ShorterDelays(delay.Reference, Histogram(_logged.Where(f => f.Date.Month == 1).Select(f => (double)f.Row.Delay), edges), edges);
        TestContext.Out.WriteLine($"share of delays below {edge}: live ahead by {gap:F4} (May alone {mayGap:F4}, January's half {januaryGap:F4})");
        Assert.That(gap, Is.GreaterThan(0.03), "May's shorter delays show in the chart's shares");
        Assert.That(mayGap, Is.GreaterThan(gap));
        Assert.That(januaryGap, Is.LessThan(gap));

        var dom = await ReportTests.OpenAsync(report);
        var body = ReportTests.Body(dom);
        Assert.That(body.GetValueOrDefault("data-script-errors"), Is.EqualTo("0"), ReportTests.Errors(dom));
        Assert.That(body.GetValueOrDefault("data-charts-rendered"), Is.EqualTo(body.GetValueOrDefault("data-charts-expected")), ReportTests.Errors(dom));
        Assert.That(ReportTests.Charts(dom), Has.Count.EqualTo(1 + report.Distributions.Count), "drift scores and one chart per feature (no ground truth: no performance charts)");
        Assert.That(ReportTests.Charts(dom).All(c => c.Svg.Contains("<svg", StringComparison.Ordinal)), Is.True, "every chart drawn");
        var text = Text(dom);
        Assert.That(Regex.IsMatch(text, @"2001-05-01 00:00 UTC \S+ \S+ UTC [\d,]+ [\d.]+ Delay "), Is.True, "the per-window table: May's window (start, end, predictions, drifted share) lists Delay as drifted: " + text);
        Assert.That(Regex.IsMatch(text, @"2001-01-01 00:00 UTC \S+ \S+ UTC [\d,]+ 0 (?=2001-05-01)"), Is.True, "January's window lists nothing: " + text);
    }

    [Test]
    public async Task CreateReportAsync_Defaults_MaysDelayIsStable_ANegligibleButSignificantShift()
    {
        var report = await ReportAsync(null);

        var json = JsonDocument.Parse(report.ToJson()).RootElement;
        var may = json.GetProperty("drift").GetProperty("windows")[1];
        var delay = Feature(may, "Delay");
        TestContext.Out.WriteLine(delay.ToString());
        Assert.That(delay.GetProperty("status").GetString(), Is.EqualTo("stable"));
        Assert.That(delay.GetProperty("reason").GetString(), Does.Contain("negligible shift"), "significant but below D ≥ 0.1: the sample-size rule");
        Assert.That(delay.GetProperty("kolmogorovSmirnov").GetProperty("pValue").GetDouble(), Is.LessThan(1e-3));
        Assert.That(Drifted(may), Is.Empty);

        // The page says it too: May's row of the per-window table lists the delay among the significant shifts below
        // the thresholds, with its reason; January's row lists nothing there.
        var rows = report.ToHtml().Split("<tr>").Where(r => r.Contains("<td>Delay: Kolmogorov", StringComparison.Ordinal)).ToList();
        Assert.That(rows, Has.Count.EqualTo(1), "one window with a significant but small shift of the delay");
        Assert.That(rows[0], Does.Contain("a negligible shift"));
    }

    private Task<MonitoringReport> ReportAsync(DriftOptions? drift)
        => _client.Monitoring.CreateReportAsync(FlightsSeason.Model, new ReportOptions { From = January, To = June, Window = TimeSpan.FromDays(120), Drift = drift, IncludePerformance = false });

    private static JsonElement Feature(JsonElement window, string name)
        => window.GetProperty("features").GetProperty("features").EnumerateArray().Single(f => f.GetProperty("feature").GetString() == name);

    private static string? Status(JsonElement window, string name) => Feature(window, name).GetProperty("status").GetString();

    private static List<string?> Drifted(JsonElement window)
        => [.. window.GetProperty("features").GetProperty("features").EnumerateArray().Where(f => f.GetProperty("status").GetString() == "drifted").Select(f => f.GetProperty("feature").GetString())];

    /// <summary>Bin i holds edges[i − 1] ≤ v &lt; edges[i], the outer bins open.</summary>
    private static long[] Histogram(IEnumerable<double> values, IReadOnlyList<double> edges)
    {
        var counts = new long[edges.Count + 1];
        foreach (var v in values)
        {
            counts[edges.Count(e => e <= v)]++;
        }

        return counts;
    }

    /// <summary>The largest excess of the live over the reference cumulative share, and the bin edge below which it is.</summary>
    private static (double Gap, double Edge) ShorterDelays(IReadOnlyList<long> reference, IReadOnlyList<long> live, IReadOnlyList<double> edges)
    {
        double r = 0, l = 0, gap = double.NegativeInfinity, edge = double.NaN;
        for (var i = 0; i < edges.Count; i++)
        {
            r += reference[i] / (double)reference.Sum();
            l += live[i] / (double)live.Sum();
            (gap, edge) = l - r > gap ? (l - r, edges[i]) : (gap, edge);
        }

        return (gap, edge);
    }

    /// <summary>The page's text: tags removed, entities decoded, white space collapsed.</summary>
    private static string Text(string dom)
        => Whitespace().Replace(WebUtility.HtmlDecode(Tag().Replace(Script().Replace(dom, " "), " ")), " ");

    [GeneratedRegex("<script.*?</script>", RegexOptions.Singleline)]
    private static partial Regex Script();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
