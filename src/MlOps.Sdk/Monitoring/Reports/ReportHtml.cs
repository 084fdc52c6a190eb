using System.Globalization;
using System.Net;
using System.Text;

namespace MlOps.Sdk.Monitoring;

/// <summary>
/// Writes a <see cref="MonitoringReport"/> as one HTML page: the tables are HTML (every text from data HTML-escaped),
/// the charts are empty containers the inline script (<see cref="ReportScript"/>) fills with SVG from the report's JSON,
/// embedded in a <c>script type="application/json"</c> block (its &lt; escaped, so no "&lt;/script" can end it).
/// </summary>
internal static class ReportHtml
{
    public static string Write(MonitoringReport report)
    {
        var html = new StringBuilder(64 * 1024);
        var charts = ChartCount(report);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"generator\" content=\"MlOps.Sdk monitoring report, schema ").Append(report.SchemaVersion.ToString(CultureInfo.InvariantCulture)).Append("\">\n")
            .Append("<title>Monitoring report: ").Append(H(report.Model)).Append("</title>\n")
            .Append("<style>").Append(ReportScript.Style).Append("</style>\n")
            .Append("<script>").Append(ReportScript.ErrorCollector).Append("</script>\n")
            .Append("</head>\n<body data-charts-expected=\"").Append(charts.ToString(CultureInfo.InvariantCulture)).Append("\">\n");
        Header(html, report);
        Alerts(html, report.Alerts);
        if (report.Comparison is { } comparison)
        {
            Comparison(html, comparison, report);
        }

        if (report.Performance is { } performance)
        {
            Performance(html, performance, report);
        }

        if (report.Drift is { } drift)
        {
            Drift(html, drift, report.Thresholds);
        }

        if (report.Distributions.Count > 0)
        {
            Distributions(html, report.Distributions);
        }

        html.Append("<script type=\"application/json\" id=\"report-data\">")
            .Append(report.ToJson(indented: false).Replace("</", "<\\/", StringComparison.Ordinal))
            .Append("</script>\n<script>").Append(ReportScript.Renderer).Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>The number of charts the page holds: comparison, performance, drift scores, one per feature distribution.</summary>
    internal static int ChartCount(MonitoringReport report)
        => (report.Comparison is null ? 0 : 1) + (report.Performance is null ? 0 : 1) + (report.Drift is null ? 0 : 1) + report.Distributions.Count;

    private static void Header(StringBuilder html, MonitoringReport report)
    {
        html.Append("<header>\n<h1>Monitoring report: <span class=\"model\">").Append(H(report.Model)).Append("</span></h1>\n<dl class=\"facts\">")
            .Append("<dt>Generated</dt><dd>").Append(Time(report.GeneratedAt)).Append("</dd>")
            .Append("<dt>Range</dt><dd>").Append(report.From is { } f ? Time(f) : "the beginning").Append(" to ").Append(report.To is { } t ? Time(t) : "now").Append("</dd>");
        if (report.Performance is { } p)
        {
            html.Append("<dt>Task</dt><dd>").Append(H(p.Task.ToString())).Append("</dd>");
        }

        if (report.Drift is { } d)
        {
            html.Append("<dt>Reference</dt><dd>").Append(H(d.Reference)).Append("</dd>");
        }

        html.Append("</dl>\n</header>\n<div id=\"report-errors\" class=\"errors\" role=\"alert\" hidden><strong>Chart script errors:</strong></div>\n")
            .Append("<noscript><p class=\"note\">The charts need JavaScript; the tables hold the same numbers.</p></noscript>\n");
    }

    private static void Alerts(StringBuilder html, IReadOnlyList<ReportAlert> alerts)
    {
        html.Append("<section id=\"alerts\">\n<h2>Alerts</h2>\n");
        if (alerts.Count == 0)
        {
            html.Append("<p class=\"note\">No alerts in this range.</p>\n");
        }
        else
        {
            html.Append("<ul>");
            foreach (var alert in alerts)
            {
                html.Append("<li><strong>").Append(H(alert.Rule)).Append("</strong>")
                    .Append(alert.At is { } at ? " (" + Time(at) + ")" : string.Empty).Append(": ").Append(H(alert.Message)).Append("</li>");
            }

            html.Append("</ul>\n");
        }

        html.Append("</section>\n");
    }

    private static void Comparison(StringBuilder html, ChampionChallenger comparison, MonitoringReport report)
    {
        var sides = new[] { ("champion", comparison.Champion), ("challenger", comparison.Challenger) };
        var columns = sides.SelectMany(s => s.Item2.Totals.Select(t => (Role: s.Item1, Total: t))).ToList();
        var metrics = Ordered(columns.SelectMany(c => c.Total.Metrics.Keys), report.Metric);
        html.Append("<section id=\"comparison\">\n<h2>Champion vs challenger</h2>\n<div class=\"chart\" data-chart=\"comparison\"></div>\n<table>\n<thead><tr><th></th>");
        foreach (var (role, total) in columns)
        {
            html.Append("<th>").Append(role).Append(": v").Append(I(total.Version)).Append(" (").Append(H(total.Arm)).Append(")</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        Row(html, "predictions", columns.Select(c => I(c.Total.Predictions)));
        Row(html, "with feedback", columns.Select(c => I(c.Total.WithFeedback)));
        foreach (var metric in metrics)
        {
            Row(html, metric, columns.Select(c => c.Total.Metrics.TryGetValue(metric, out var v) ? N(v) : "—"));
        }

        Row(html, "note", columns.Select(c => H(c.Total.Note ?? string.Empty)));
        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void Performance(StringBuilder html, PerformanceReport performance, MonitoringReport report)
    {
        var metrics = Ordered(performance.Windows.Concat(performance.Totals).SelectMany(w => w.Metrics.Keys), report.Metric);
        html.Append("<section id=\"performance\">\n<h2>Performance over time</h2>\n<label>Metric <select id=\"metric-select\">");
        foreach (var metric in metrics)
        {
            html.Append("<option value=\"").Append(H(metric)).Append('"').Append(metric == report.Metric ? " selected" : string.Empty).Append('>').Append(H(metric)).Append("</option>");
        }

        html.Append("</select></label>\n<div class=\"chart\" data-chart=\"performance\"></div>\n<h3>Totals</h3>\n");
        WindowTable(html, performance.Totals, metrics);
        html.Append("<details><summary>Per window (").Append(I(performance.Windows.Count)).Append(")</summary>\n");
        WindowTable(html, performance.Windows, metrics);
        html.Append("</details>\n</section>\n");
    }

    private static void WindowTable(StringBuilder html, IReadOnlyList<PerformanceWindow> windows, IReadOnlyList<string> metrics)
    {
        html.Append("<table>\n<thead><tr><th>version</th><th>arm</th><th>start</th><th>end</th><th>predictions</th><th>with feedback</th>");
        foreach (var metric in metrics)
        {
            html.Append("<th>").Append(H(metric)).Append("</th>");
        }

        html.Append("<th>note</th></tr></thead>\n<tbody>\n");
        foreach (var w in windows)
        {
            html.Append("<tr><td>v").Append(I(w.Version)).Append("</td><td>").Append(H(w.Arm)).Append("</td><td>").Append(Time(w.Start)).Append("</td><td>").Append(Time(w.End))
                .Append("</td><td>").Append(I(w.Predictions)).Append("</td><td>").Append(I(w.WithFeedback)).Append("</td>");
            foreach (var metric in metrics)
            {
                html.Append("<td>").Append(w.Metrics.TryGetValue(metric, out var v) ? N(v) : "—").Append("</td>");
            }

            html.Append("<td>").Append(H(w.Note ?? string.Empty)).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
    }

    private static void Drift(StringBuilder html, LiveDriftReport drift, DriftThresholds thresholds)
    {
        var overall = drift.Overall;
        html.Append("<section id=\"drift\">\n<h2>Drift against the reference</h2>\n<p>")
            .Append(I(overall.Predictions)).Append(" predictions from ").Append(Time(overall.Start)).Append(" to ").Append(Time(overall.End)).Append("; ")
            .Append(N(overall.Features.DriftedShare * 100)).Append("% of the evaluated features drifted: ")
            .Append(overall.Features.IsDrifted ? "<strong class=\"drifted\">the data drifted</strong>" : "the data did not drift as a whole").Append(".</p>\n")
            .Append("<p class=\"note\">Thresholds: PSI ≥ ").Append(N(thresholds.PopulationStabilityIndex)).Append(", Jensen–Shannon ≥ ").Append(N(thresholds.JensenShannonDistance))
            .Append(", Kolmogorov–Smirnov D ≥ ").Append(N(thresholds.KolmogorovSmirnovStatistic)).Append(" (a feature drifts when its test is significant and an effect size reaches its threshold).</p>\n")
            .Append("<div class=\"chart\" data-chart=\"drift\"></div>\n");
        FeatureTable(html, overall.Features);
        if (overall.Outputs is { } outputs)
        {
            html.Append("<h3>Prediction drift</h3>\n");
            FeatureTable(html, outputs);
        }

        if (drift.NotCompared.Count > 0)
        {
            html.Append("<h3>Not compared</h3>\n<ul>");
            foreach (var (field, why) in drift.NotCompared)
            {
                html.Append("<li><code>").Append(H(field)).Append("</code>: ").Append(H(why)).Append("</li>");
            }

            html.Append("</ul>\n");
        }

        if (drift.Windows.Count > 0)
        {
            html.Append("<details><summary>Per window (").Append(I(drift.Windows.Count)).Append(")</summary>\n<table>\n<thead><tr><th>start</th><th>end</th><th>predictions</th><th>drifted share</th><th>drifted features</th><th>significant, below the thresholds</th></tr></thead>\n<tbody>\n");
            foreach (var w in drift.Windows)
            {
                html.Append("<tr><td>").Append(Time(w.Start)).Append("</td><td>").Append(Time(w.End)).Append("</td><td>").Append(I(w.Predictions)).Append("</td><td>")
                    .Append(N(w.Features.DriftedShare)).Append("</td><td>").Append(H(string.Join(", ", w.Features.Drifted.Select(f => f.Feature)))).Append("</td><td>")
                    .Append(H(string.Join("; ", w.Features.Features.Where(f => f.Status == DriftStatus.Stable && f.Reason.Contains(DriftDetector.NegligibleShift, StringComparison.Ordinal)).Select(f => $"{f.Feature}: {f.Reason}")))).Append("</td></tr>\n");
            }

            html.Append("</tbody>\n</table>\n</details>\n");
        }

        html.Append("</section>\n");
    }

    private static void FeatureTable(StringBuilder html, DriftReport report)
    {
        html.Append("<table>\n<thead><tr><th>feature</th><th>kind</th><th>status</th><th>PSI</th><th>Jensen–Shannon</th><th>KS D</th><th>p</th><th>reference n</th><th>live n</th><th>live missing</th><th>why</th></tr></thead>\n<tbody>\n");
        foreach (var f in report.Features)
        {
            var p = f.KolmogorovSmirnov?.PValue ?? f.ChiSquare?.PValue;
            html.Append("<tr class=\"").Append(f.Status == DriftStatus.Drifted ? "drifted" : "stable").Append("\"><td class=\"feature\">").Append(H(f.Feature)).Append("</td><td>").Append(f.Kind == FeatureKind.Numeric ? "numeric" : "categorical")
                .Append("</td><td>").Append(H(f.Status.ToString())).Append("</td><td>").Append(N(f.PopulationStabilityIndex)).Append("</td><td>").Append(N(f.JensenShannonDistance))
                .Append("</td><td>").Append(N(f.KolmogorovSmirnov?.Statistic)).Append("</td><td>").Append(N(p)).Append("</td><td>").Append(I(f.ReferenceCount))
                .Append("</td><td>").Append(I(f.LiveCount)).Append("</td><td>").Append(I(f.LiveMissing)).Append("</td><td>").Append(H(f.Reason)).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
    }

    private static void Distributions(StringBuilder html, IReadOnlyList<FeatureDistribution> distributions)
    {
        html.Append("<section id=\"distributions\">\n<h2>Feature distributions</h2>\n<p class=\"note\">Each bin's share of the reference and of the live values, over the bins the drift statistics use.</p>\n");
        for (var i = 0; i < distributions.Count; i++)
        {
            var d = distributions[i];
            html.Append("<figure>\n<figcaption class=\"feature\">").Append(H(d.Feature)).Append("</figcaption>\n<div class=\"chart\" data-chart=\"distribution\" data-index=\"").Append(I(i)).Append("\"></div>\n")
                .Append("<details><summary>Counts</summary>\n<table>\n<thead><tr><th>bin</th><th>reference</th><th>live</th></tr></thead>\n<tbody>\n");
            for (var b = 0; b < d.Bins.Count; b++)
            {
                html.Append("<tr><td>").Append(H(d.Bins[b])).Append("</td><td>").Append(b < d.Reference.Count ? I(d.Reference[b]) : "—").Append("</td><td>").Append(b < d.Live.Count ? I(d.Live[b]) : "—").Append("</td></tr>\n");
            }

            html.Append("</tbody>\n</table>\n</details>\n</figure>\n");
        }

        html.Append("</section>\n");
    }

    private static void Row(StringBuilder html, string name, IEnumerable<string> cells)
    {
        html.Append("<tr><th>").Append(H(name)).Append("</th>");
        foreach (var cell in cells)
        {
            html.Append("<td>").Append(cell).Append("</td>");
        }

        html.Append("</tr>\n");
    }

    /// <summary>Distinct names, the first one first when present, the rest in first-seen order.</summary>
    private static List<string> Ordered(IEnumerable<string> names, string? first)
    {
        var list = names.Distinct(StringComparer.Ordinal).ToList();
        if (first is not null && list.Remove(first))
        {
            list.Insert(0, first);
        }

        return list;
    }

    private static string H(string text) => WebUtility.HtmlEncode(text);

    private static string I(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string N(double? value) => value is not { } v ? "—" : double.IsFinite(v) ? v.ToString("G4", CultureInfo.InvariantCulture) : H(v.ToString(CultureInfo.InvariantCulture));

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
