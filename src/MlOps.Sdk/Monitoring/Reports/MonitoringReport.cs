using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlOps.Sdk.Monitoring;

/// <summary>
/// A model's monitoring report: live performance per version, arm and window; drift against the training data; the
/// champion and challenger side by side; each compared feature's reference and live distributions; alerts. Written as
/// JSON (<see cref="ToJson"/>, the schema in docs/monitoring-reports.md) or as one self-contained HTML file
/// (<see cref="ToHtml"/>: tables readable without script, charts drawn by an inline script, no network).
/// </summary>
/// <param name="Model">The model's name.</param>
/// <param name="GeneratedAt">When the report was made.</param>
/// <param name="From">The range's start (inclusive): as asked, or the earliest window's start; <see langword="null"/> when unknown.</param>
/// <param name="To">The range's end (exclusive): as asked, or the latest window's end; <see langword="null"/> when unknown.</param>
/// <param name="Metric">The metric charted first over time and listed first in the comparison, or <see langword="null"/> without performance.</param>
/// <param name="Performance">The live performance, or <see langword="null"/> when not measured.</param>
/// <param name="Drift">The live drift, or <see langword="null"/> when not measured.</param>
/// <param name="Thresholds">The drift thresholds (drawn on the drift chart).</param>
/// <param name="Comparison">The champion and challenger, or <see langword="null"/> with fewer than two versions.</param>
/// <param name="Distributions">The compared features' reference and live distributions, in the drift report's order.</param>
/// <param name="Alerts">The alerts raised over the range.</param>
public sealed record MonitoringReport(
    string Model,
    DateTimeOffset GeneratedAt,
    DateTimeOffset? From,
    DateTimeOffset? To,
    string? Metric,
    PerformanceReport? Performance,
    LiveDriftReport? Drift,
    DriftThresholds Thresholds,
    ChampionChallenger? Comparison,
    IReadOnlyList<FeatureDistribution> Distributions,
    IReadOnlyList<ReportAlert> Alerts)
{
    /// <summary>The version of the JSON schema this type writes.</summary>
    public const int CurrentSchemaVersion = 1;

    private static readonly string[] PreferredMetrics = ["auc", "accuracy", "micro-accuracy", "macro-accuracy", "rmse", "mae", "r2"];

    /// <summary>Gets the version of the JSON schema (incremented when a field changes meaning or is removed).</summary>
    /// <value><see cref="CurrentSchemaVersion"/>.</value>
    [JsonPropertyOrder(-1)]
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>
    /// Builds a report from computed results. The champion and challenger are <see cref="ReportOptions.Champion"/> and
    /// <see cref="ReportOptions.Challenger"/> when set; otherwise the two versions with the most predictions over the
    /// range (the champion first; ties go to the lower version).
    /// </summary>
    /// <param name="model">The model's name.</param>
    /// <param name="generatedAt">When the report is made.</param>
    /// <param name="performance">The live performance, or <see langword="null"/>.</param>
    /// <param name="drift">The live drift, or <see langword="null"/>.</param>
    /// <param name="distributions">The features' distributions, or <see langword="null"/> for none.</param>
    /// <param name="alerts">The alerts, or <see langword="null"/> for none.</param>
    /// <param name="options">The range, the versions compared, the first metric and the drift thresholds; defaults when <see langword="null"/>.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException"><paramref name="model"/> is empty; a version asked for as champion or challenger has no performance in <paramref name="performance"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> holds a value out of range.</exception>
    public static MonitoringReport Create(
        string model,
        DateTimeOffset generatedAt,
        PerformanceReport? performance,
        LiveDriftReport? drift,
        IEnumerable<FeatureDistribution>? distributions = null,
        IEnumerable<ReportAlert>? alerts = null,
        ReportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        options ??= new ReportOptions();
        Internal.OptionsValidation.ThrowIfInvalid(options);
        var windows = performance?.Windows.Concat(performance.Totals).ToList() ?? [];
        var from = options.From ?? Earliest(windows.Select(w => w.Start).Concat(drift is null ? [] : [drift.Overall.Start]));
        var to = options.To ?? Latest(windows.Select(w => w.End).Concat(drift is null ? [] : [drift.Overall.End]));
        return new MonitoringReport(
            model,
            generatedAt,
            from,
            to,
            MetricOf(performance, options.Metric),
            performance,
            drift,
            DriftThresholds.From(options.Drift),
            Compare(performance, options),
            distributions?.ToList() ?? [],
            alerts?.ToList() ?? []);
    }

    /// <summary>Reads a report written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The report.</returns>
    /// <exception cref="JsonException">The text is not a report.</exception>
    public static MonitoringReport FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return JsonSerializer.Deserialize(json, ReportJson.Options.GetTypeInfo(typeof(MonitoringReport))) as MonitoringReport
            ?? throw new JsonException("The JSON is null, not a monitoring report.");
    }

    /// <summary>The report as JSON: camelCase names, enums as camelCase strings, times in ISO 8601, NaN and infinities as the strings "NaN", "Infinity", "-Infinity" (see docs/monitoring-reports.md).</summary>
    /// <param name="indented">Whether to indent.</param>
    /// <returns>The JSON text.</returns>
    public string ToJson(bool indented = true)
        => JsonSerializer.Serialize(this, (indented ? ReportJson.Indented : ReportJson.Options).GetTypeInfo(typeof(MonitoringReport)));

    /// <summary>Writes the report as indented JSON (UTF-8) to a stream, which stays open.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when written.</returns>
    public Task WriteJsonAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return JsonSerializer.SerializeAsync(stream, this, ReportJson.Indented.GetTypeInfo(typeof(MonitoringReport)), cancellationToken);
    }

    /// <summary>The report as one self-contained HTML page: inline style and script, no network; tables readable without script; charts drawn in SVG by the inline script.</summary>
    /// <returns>The HTML text.</returns>
    public string ToHtml() => ReportHtml.Write(this);

    /// <summary>Writes the report as HTML (UTF-8) to a stream, which stays open.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when written.</returns>
    public async Task WriteHtmlAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var bytes = Encoding.UTF8.GetBytes(ToHtml());
        await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The metric names measured anywhere in the report, in first-seen order.</summary>
    internal IReadOnlyList<string> MetricNames()
        => Performance is null ? [] : [.. Performance.Totals.Concat(Performance.Windows).SelectMany(w => w.Metrics.Keys).Distinct(StringComparer.Ordinal)];

    private static string? MetricOf(PerformanceReport? performance, string? wanted)
    {
        if (performance is null)
        {
            return null;
        }

        var names = performance.Totals.Concat(performance.Windows).SelectMany(w => w.Metrics.Keys).Distinct(StringComparer.Ordinal).ToList();
        return wanted is not null && names.Contains(wanted, StringComparer.Ordinal) ? wanted
            : PreferredMetrics.FirstOrDefault(names.Contains) ?? names.FirstOrDefault() ?? wanted;
    }

    private static ChampionChallenger? Compare(PerformanceReport? performance, ReportOptions options)
    {
        if (performance is null)
        {
            return null;
        }

        var byTraffic = performance.Totals
            .Where(t => t.Arm != MonitoringLayout.ShadowArm) // copies of served requests: not traffic
            .GroupBy(t => t.Version)
            .OrderByDescending(g => g.Sum(t => t.Predictions))
            .ThenBy(g => g.Key)
            .Select(g => g.Key)
            .ToList();
        foreach (var asked in new[] { options.Champion, options.Challenger })
        {
            if (asked is { } v && !byTraffic.Contains(v))
            {
                throw new ArgumentException($"Version {v} of {performance.Model} has no live performance in the range; versions measured: {string.Join(", ", byTraffic)}.", nameof(options));
            }
        }

        var champion = options.Champion ?? byTraffic.Where(v => v != options.Challenger).Cast<int?>().FirstOrDefault();
        var challenger = options.Challenger ?? byTraffic.Where(v => v != champion).Cast<int?>().FirstOrDefault();
        return champion is { } a && challenger is { } b ? new ChampionChallenger(Side(performance, a), Side(performance, b)) : null;
    }

    private static VersionPerformance Side(PerformanceReport performance, int version)
        => new(version, [.. performance.Totals.Where(t => t.Version == version)], [.. performance.Windows.Where(w => w.Version == version)]);

    private static DateTimeOffset? Earliest(IEnumerable<DateTimeOffset> times) => times.Select(t => (DateTimeOffset?)t).Min();

    private static DateTimeOffset? Latest(IEnumerable<DateTimeOffset> times) => times.Select(t => (DateTimeOffset?)t).Max();
}
