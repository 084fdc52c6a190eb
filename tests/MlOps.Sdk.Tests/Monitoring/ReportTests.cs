using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.ML;
using MlOps.Sdk.Data;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// The monitoring report, built from drift computed on real data (Seattle's weather: summer 2015 against 2012–2013) and
/// performance windows of two forecasters measured by hand: its JSON round-trips, and its HTML opens in headless
/// chromium without script errors, draws every chart and shows hostile names as text.
/// </summary>
public sealed partial class ReportTests
{
    private const string Hostile = "<script>alert(1)</script>";
    private const string HostileModel = "temp\"><img src=x onerror=\"document.body.dataset.pwned=1\">";
    private static readonly DateTimeOffset LiveFrom = new(2015, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LiveTo = new(2015, 9, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset ChallengerFrom = new(2015, 7, 6, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] NumericColumns = ["precipitation", "temp_max", "temp_min", "wind"];
    internal static readonly Lazy<List<Day>> Weather = new(ReadWeather);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web) { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, Converters = { new JsonStringEnumConverter() } };

    [Test]
    public void Create_SummerAgainstTwoYears_PicksChampionByTrafficAndCarriesEveryFeature()
    {
        var (report, reference, live) = SeattleReport();

        Assert.That(report.Comparison, Is.Not.Null);
        Assert.That(report.Comparison!.Champion.Version, Is.EqualTo(1), "v1 forecast every summer day, v2 only from July 6");
        Assert.That(report.Comparison.Challenger.Version, Is.EqualTo(2));
        Assert.That(report.Comparison.Champion.Totals.Single().Predictions, Is.EqualTo(live.Count));
        Assert.That(report.Comparison.Challenger.Windows.Select(w => w.Version), Is.All.EqualTo(2));
        Assert.That(report.From, Is.EqualTo(LiveFrom));
        Assert.That(report.To, Is.EqualTo(LiveTo));
        Assert.That(report.Metric, Is.EqualTo("rmse"), "rmse comes before mae in the documented order");
        Assert.That(report.Distributions.Select(d => d.Feature), Is.EqualTo(report.Drift!.Overall.Features.Features.Select(f => f.Feature)));
        Assert.That(report.Drift.Overall.Features.Features.Single(f => f.Feature == "temp_max").Status, Is.EqualTo(DriftStatus.Drifted), "summer is warmer than the whole year");

        foreach (var d in report.Distributions)
        {
            Assert.That(d.Reference.Sum(), Is.EqualTo(reference.Count), d.Feature);
            Assert.That(d.Live.Sum(), Is.EqualTo(live.Count), d.Feature);
            Assert.That(d.Bins, Has.Count.EqualTo(d.Reference.Count).And.Count.EqualTo(d.Live.Count), d.Feature);
        }

        var weather = report.Distributions.Single(d => d.Feature == "weather");
        var sunIndex = weather.Bins.ToList().IndexOf("sun");
        Assert.That(weather.Live[sunIndex], Is.EqualTo(live.Count(d => d.Weather == "sun")), "counted by hand");
        Assert.That(weather.Reference[sunIndex], Is.EqualTo(reference.Count(d => d.Weather == "sun")));
    }

    [Test]
    public void Create_ChampionAskedForWithoutPerformance_ThrowsNamingTheVersions()
    {
        var (report, _, _) = SeattleReport();
        var options = new ReportOptions { Champion = 7 };

        var error = Assert.Throws<ArgumentException>(() => MonitoringReport.Create("m", DateTimeOffset.UnixEpoch, report.Performance, null, options: options));

        Assert.That(error!.Message, Does.Contain("Version 7").And.Contain("1, 2"));
    }

    [Test]
    public void FeatureDistribution_NumericFromProfile_CountsLiveValuesInTheProfileBins()
    {
        var days = Weather.Value;
        var reference = days.Where(d => d.Date.Year is 2012 or 2013).Select(d => new Row { X = d.TempMax }).ToList();
        var data = new MLContext(0).Data.LoadFromEnumerable(reference);
        var column = new ColumnProfile(DatasetProfiler.Run(data, profile: true, CancellationToken.None).Profile!.Columns.Single());
        var live = days.Where(d => d.Date.Year == 2015).Select(d => d.TempMax).Append(double.NaN).ToArray();

        var distribution = FeatureDistribution.Numeric(column, live);

        var edges = column.Numeric!.BinEdges;
        var expected = new long[edges.Count - 1];
        foreach (var v in live.Where(double.IsFinite))
        {
            // The profile's bins with the outer ones opened: below the second edge is bin 0, from the last inner edge up the last bin.
            var bin = 0;
            while (bin < expected.Length - 1 && v >= edges[bin + 1])
            {
                bin++;
            }

            expected[bin]++;
        }

        Assert.That(distribution.Reference, Is.EqualTo(column.Numeric.BinCounts));
        Assert.That(distribution.Live, Is.EqualTo(expected));
        Assert.That(distribution.Edges, Is.EqualTo(edges.Skip(1).Take(edges.Count - 2)));
        Assert.That(distribution.Bins[0], Does.StartWith("< "));
        Assert.That(distribution.Bins[^1], Does.StartWith("≥ "));
    }

    [Test]
    public void ToJson_RoundTripsWithSystemTextJson_AndHasTheDocumentedFields()
    {
        var (report, _, _) = SeattleReport();
        report = report with { Performance = report.Performance! with { Windows = [.. report.Performance.Windows, report.Performance.Windows[0] with { Metrics = new Dictionary<string, double> { ["r2"] = double.NaN } }] } };

        var json = report.ToJson();

        // Plain System.Text.Json with the web defaults reads it back: nothing here is specific to this SDK.
        var plain = JsonSerializer.Deserialize<MonitoringReport>(json, Web)!;
        Assert.That(plain.ToJson(), Is.EqualTo(json), "a round trip changes nothing");
        Assert.That(MonitoringReport.FromJson(json).ToJson(), Is.EqualTo(json));
        Assert.That(double.IsNaN(plain.Performance!.Windows[^1].Metrics["r2"]), Is.True);

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.That(
            root.EnumerateObject().Select(p => p.Name),
            Is.EqualTo(new[] { "schemaVersion", "model", "generatedAt", "from", "to", "metric", "performance", "drift", "thresholds", "comparison", "distributions", "alerts" }),
            "the top-level fields of docs/monitoring-reports.md, in order");
        Assert.That(root.GetProperty("schemaVersion").GetInt32(), Is.EqualTo(1));
        Assert.That(root.GetProperty("from").GetString(), Is.EqualTo("2015-06-01T00:00:00+00:00"));
        Assert.That(root.GetProperty("thresholds").EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "populationStabilityIndex", "jensenShannonDistance", "kolmogorovSmirnovStatistic" }));
        Assert.That(root.GetProperty("performance").GetProperty("task").GetString(), Is.EqualTo("regression"));
        var window = root.GetProperty("performance").GetProperty("windows")[0];
        Assert.That(window.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "version", "arm", "start", "end", "predictions", "withFeedback", "metrics", "note" }));
        Assert.That(window.GetProperty("metrics").EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "mae", "rmse" }), "metric names are kept as they are");
        var features = root.GetProperty("drift").GetProperty("overall").GetProperty("features");
        Assert.That(features.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "features", "driftedShare", "isDrifted" }), "no derived 'drifted' list");
        var feature = features.GetProperty("features")[1];
        Assert.That(feature.GetProperty("feature").GetString(), Is.EqualTo("temp_max"));
        Assert.That(feature.GetProperty("status").GetString(), Is.EqualTo("drifted"));
        Assert.That(feature.GetProperty("kolmogorovSmirnov").GetProperty("statistic").GetDouble(), Is.InRange(0.0, 1.0));
        var distribution = root.GetProperty("distributions")[0];
        Assert.That(distribution.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "feature", "kind", "bins", "edges", "reference", "live" }));
        Assert.That(root.GetProperty("comparison").GetProperty("champion").GetProperty("version").GetInt32(), Is.EqualTo(1));
        Assert.That(json, Does.Not.Contain("<"), "HTML-sensitive characters are escaped, so the JSON can sit in a script block");
        Assert.That(JsonDocument.Parse(json).RootElement.GetProperty("distributions").EnumerateArray().Any(d => d.GetProperty("feature").GetString() == Hostile), Is.True);
    }

    [Test]
    public async Task WriteJsonAsync_WritesWhatToJsonReturns()
    {
        var (report, _, _) = SeattleReport();
        using var stream = new MemoryStream();

        await report.WriteJsonAsync(stream);

        Assert.That(MonitoringReport.FromJson(System.Text.Encoding.UTF8.GetString(stream.ToArray())).ToJson(), Is.EqualTo(report.ToJson()));
    }

    [Test]
    public async Task ToHtml_InHeadlessChromium_DrawsEveryChartWithoutScriptErrorsAndShowsNamesAsText()
    {
        var (report, _, _) = SeattleReport();
        var features = report.Drift!.Overall.Features.Features.Count;
        var expectedCharts = 3 + report.Distributions.Count; // comparison, performance over time, drift scores, one per feature

        var dom = await OpenAsync(report);

        var body = Body(dom);
        Assert.That(body.GetValueOrDefault("data-script-errors"), Is.EqualTo("0"), Errors(dom));
        Assert.That(body.GetValueOrDefault("data-charts-rendered"), Is.EqualTo(expectedCharts.ToString(CultureInfo.InvariantCulture)), Errors(dom));
        Assert.That(body.ContainsKey("data-pwned"), Is.False, "the model name's markup did not run");
        Assert.That(dom, Does.Not.Contain("<img"), "the model name's markup is not an element");
        Assert.That(dom, Does.Not.Contain(Hostile), "the hostile feature name is not an element");
        Assert.That(dom, Does.Contain("&lt;script&gt;alert(1)&lt;/script&gt;"), "it is text");
        Assert.That(dom, Does.Contain("temp\"&gt;&lt;img src=x onerror=\"document.body.dataset.pwned=1\"&gt;"), "the model name is text");
        Assert.That(Regex.IsMatch(dom, "<div id=\"report-errors\"[^>]* hidden"), Is.True, "the error box stays hidden");

        var charts = Charts(dom);
        Assert.That(charts, Has.Count.EqualTo(expectedCharts));
        var drift = charts.Single(c => c.Kind == "drift");
        Assert.That(Count(drift.Svg, "<rect"), Is.EqualTo(3 * features), "a bar per feature in each of PSI, Jensen–Shannon and KS D");
        Assert.That(Count(drift.Svg, "class=\"threshold\""), Is.EqualTo(3), "each score's threshold is drawn");
        var performance = charts.Single(c => c.Kind == "performance");
        Assert.That(Count(performance.Svg, "<path"), Is.EqualTo(2), "a line per version and arm");
        var comparison = charts.Single(c => c.Kind == "comparison");
        Assert.That(Count(comparison.Svg, "<rect"), Is.GreaterThanOrEqualTo(2 * 2), "champion and challenger bars for mae and rmse");
        foreach (var (chart, i) in charts.Where(c => c.Kind == "distribution").Select((c, i) => (c, i)))
        {
            var bins = report.Distributions[i].Bins.Count;
            Assert.That(Count(chart.Svg, "class=\"reference\""), Is.EqualTo(bins), report.Distributions[i].Feature);
            Assert.That(Count(chart.Svg, "class=\"live\""), Is.EqualTo(bins), report.Distributions[i].Feature);
        }

        Assert.That(Regex.Matches(drift.Svg, "<text[^>]*>([^<]*)</text>").Select(m => m.Groups[1].Value), Does.Contain("&lt;script&gt;alert(1)&lt;/script&gt;"), "drawn as a label");
    }

    [Test]
    public async Task ToHtml_ChartDataItCannotDraw_ShowsTheErrorInsteadOfFailingSilently()
    {
        var (report, _, _) = SeattleReport();
        report = report with { Distributions = [report.Distributions[0]] };
        var html = report.ToHtml();
        var at = html.IndexOf("\"reference\":[", StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThan(0), "the first distribution's reference counts in the data block");

        var dom = await OpenAsync(string.Concat(html.AsSpan(0, at), "\"reference\":null,\"was\":[", html.AsSpan(at + "\"reference\":[".Length)));

        var body = Body(dom);
        Assert.That(body.GetValueOrDefault("data-script-errors"), Is.EqualTo("1"));
        Assert.That(body.GetValueOrDefault("data-charts-rendered"), Is.EqualTo("3"), "the other charts are still drawn");
        Assert.That(Regex.IsMatch(dom, "<div id=\"report-errors\"[^>]* hidden"), Is.False, "the error box is shown");
        Assert.That(Errors(dom), Does.Contain("Chart distribution 0"));
    }

    [Test]
    public async Task ToHtml_EmptyWindowsAndUnevaluatedFeatures_DrawsEveryChartWithoutScriptErrors()
    {
        var at = LiveFrom;
        PerformanceWindow Empty(int version) => new(version, "production", at, at.AddDays(1), 3, 0, new Dictionary<string, double>(), "no ground truth yet");
        var performance = new PerformanceReport("m", MonitoringTask.BinaryClassification, [Empty(1), Empty(2)], [Empty(1), Empty(2)]);
        var features = DriftDetector.Report([DriftDetector.Numeric("x", [], [1.0]), DriftDetector.Categorical("c", new Dictionary<string, long>(), new Dictionary<string, long> { ["a"] = 1 })]);
        var drift = new LiveDriftReport("m", "datasets:/d/1", new DriftWindow(at, at.AddDays(1), 3, features, null), [], new Dictionary<string, string>());
        var empty = FeatureDistribution.Categorical("c", new Dictionary<string, long>(), new Dictionary<string, long>());
        var full = MonitoringReport.Create("m", at, performance, drift, [empty]);
        var driftOnly = MonitoringReport.Create("m", at, null, drift);

        var body = Body(await OpenAsync(full));
        var driftOnlyBody = Body(await OpenAsync(driftOnly));

        Assert.That(full.Metric, Is.Null, "no metric was measured");
        Assert.That(body.GetValueOrDefault("data-script-errors"), Is.EqualTo("0"));
        Assert.That(body.GetValueOrDefault("data-charts-rendered"), Is.EqualTo("4"), "comparison, performance, drift and one distribution");
        Assert.That(driftOnly.Comparison, Is.Null);
        Assert.That(driftOnlyBody.GetValueOrDefault("data-script-errors"), Is.EqualTo("0"));
        Assert.That(driftOnlyBody.GetValueOrDefault("data-charts-rendered"), Is.EqualTo("1"));
    }

    internal static async Task<string> OpenAsync(MonitoringReport report)
    {
        using var html = new MemoryStream();
        await report.WriteHtmlAsync(html);
        return await OpenAsync(System.Text.Encoding.UTF8.GetString(html.ToArray()));
    }

    private static async Task<string> OpenAsync(string html)
    {
        HeadlessChromium.Executable();
        var path = Path.Combine(Path.GetTempPath(), $"mlops-report-{Guid.NewGuid():N}.html");
        try
        {
            await File.WriteAllTextAsync(path, html);
            return await HeadlessChromium.DumpDomAsync(path, TimeSpan.FromSeconds(60));
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal static Dictionary<string, string> Body(string dom)
    {
        var tag = BodyTag().Match(dom);
        Assert.That(tag.Success, Is.True, "a body element");
        return Attribute().Matches(tag.Groups[1].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
    }

    internal static string Errors(string dom)
    {
        var box = Regex.Match(dom, "<div id=\"report-errors\".*?</div>", RegexOptions.Singleline);
        return box.Success ? box.Value : "(no error box)";
    }

    internal static List<(string Kind, string Svg)> Charts(string dom)
        => [.. ChartDiv().Matches(dom).Select(m => (m.Groups[1].Value, m.Groups[2].Value))];

    private static int Count(string text, string what) => Regex.Count(text, Regex.Escape(what));

    /// <summary>
    /// Drift of summer 2015 against 2012–2013, computed by <see cref="DriftDetector"/> on the real values; performance of
    /// two temp_max forecasters (v1: yesterday's; v2, from July 6 on a canary arm: the mean of the last three days),
    /// their MAE and RMSE worked out here per week and overall.
    /// </summary>
    private static (MonitoringReport Report, List<Day> Reference, List<Day> Live) SeattleReport()
    {
        var days = Weather.Value;
        var reference = days.Where(d => d.Date.Year is 2012 or 2013).ToList();
        var live = days.Where(d => d.Date >= LiveFrom.UtcDateTime && d.Date < LiveTo.UtcDateTime).ToList();
        string Name(string column) => column == "wind" ? Hostile : column;

        var drifts = new List<FeatureDrift>();
        var distributions = new List<FeatureDistribution>();
        foreach (var column in NumericColumns)
        {
            double[] r = [.. reference.Select(d => d.Value(column))], l = [.. live.Select(d => d.Value(column))];
            drifts.Add(DriftDetector.Numeric(Name(column), r, l));
            distributions.Add(FeatureDistribution.Numeric(Name(column), r, l));
        }

        var referenceWeather = reference.CountBy(d => d.Weather).ToDictionary(p => p.Key, p => (long)p.Value);
        var liveWeather = live.CountBy(d => d.Weather).ToDictionary(p => p.Key, p => (long)p.Value);
        drifts.Add(DriftDetector.Categorical("weather", referenceWeather, liveWeather));
        distributions.Add(FeatureDistribution.Categorical("weather", referenceWeather, liveWeather));
        var overall = new DriftWindow(LiveFrom, LiveTo, live.Count, DriftDetector.Report(drifts), null);
        var drift = new LiveDriftReport(HostileModel, "datasets:/seattle/1", overall, [], new Dictionary<string, string> { ["date"] = "not in the reference's profile" });

        var index = days.ToDictionary(d => d.Date);
        double Yesterday(Day d) => index[d.Date.AddDays(-1)].TempMax;
        double ThreeDays(Day d) => Enumerable.Range(1, 3).Average(k => index[d.Date.AddDays(-k)].TempMax);
        var v1 = live.Select(d => (d.Date, Error: Yesterday(d) - d.TempMax)).ToList();
        var v2 = live.Where(d => d.Date >= ChallengerFrom.UtcDateTime).Select(d => (d.Date, Error: ThreeDays(d) - d.TempMax)).ToList();
        var windows = new List<PerformanceWindow>();
        var totals = new List<PerformanceWindow>();
        foreach (var (version, arm, errors) in new[] { (1, "production", v1), (2, "canary", v2) })
        {
            foreach (var week in errors.GroupBy(e => LiveFrom.AddDays(Math.Floor((e.Date - LiveFrom.UtcDateTime).TotalDays / 7) * 7)))
            {
                windows.Add(Window(version, arm, week.Key, Min(week.Key.AddDays(7), LiveTo), [.. week.Select(e => e.Error)]));
            }

            totals.Add(Window(version, arm, LiveFrom, LiveTo, [.. errors.Select(e => e.Error)]));
        }

        var performance = new PerformanceReport(HostileModel, MonitoringTask.Regression, [.. windows.OrderBy(w => w.Start).ThenBy(w => w.Version)], totals);
        var alerts = new[] { new ReportAlert("drift", $"{Hostile} drifted", LiveTo) };
        return (MonitoringReport.Create(HostileModel, LiveTo.AddHours(1), performance, drift, distributions, alerts), reference, live);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static PerformanceWindow Window(int version, string arm, DateTimeOffset start, DateTimeOffset end, double[] errors)
        => new(version, arm, start, end, errors.Length, errors.Length, new Dictionary<string, double>
        {
            ["mae"] = errors.Average(Math.Abs),
            ["rmse"] = Math.Sqrt(errors.Average(e => e * e)),
        }, null);

    private static List<Day> ReadWeather()
        => [.. File.ReadLines(Path.Combine(RepositoryPaths.VegaData, "seattle-weather.csv")).Skip(1).Select(line =>
        {
            var f = line.Split(',');
            double N(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
            return new Day(DateTime.ParseExact(f[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), N(1), N(2), N(3), N(4), f[5]);
        })];

    [GeneratedRegex("<body([^>]*)>")]
    private static partial Regex BodyTag();

    [GeneratedRegex("([a-z-]+)=\"([^\"]*)\"")]
    private static partial Regex Attribute();

    [GeneratedRegex("<div class=\"chart\" data-chart=\"([a-z]+)\"[^>]*>(.*?)</div>", RegexOptions.Singleline)]
    private static partial Regex ChartDiv();

    internal sealed record Day(DateTime Date, double Precipitation, double TempMax, double TempMin, double Wind, string Weather)
    {
        public double Value(string column) => column switch
        {
            "precipitation" => Precipitation,
            "temp_max" => TempMax,
            "temp_min" => TempMin,
            "wind" => Wind,
            _ => throw new ArgumentOutOfRangeException(nameof(column), column, null),
        };
    }

    private sealed class Row
    {
        public double X { get; set; }
    }
}
