using System.Diagnostics;
using MlOps.Sdk.Data;
using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Monitoring;

public partial class MonitoringCatalog
{
    /// <summary>
    /// Makes a model's monitoring report: its live performance (<see cref="GetPerformanceAsync"/>), its drift against the
    /// training data (<see cref="GetDriftAsync"/>), the champion and challenger side by side, each compared feature's
    /// reference (profile) and live distributions over the bins the drift statistics use, and the alerts: the last alert
    /// of each rule that <see cref="CheckAsync"/> raised within the range (<see cref="GetAlertStatesAsync"/>; From and To
    /// both inclusive, as a check raises its alerts at the end of the range it measured), or, for a rule among
    /// <see cref="ReportOptions.Alerts"/>, the alert given there. Write it with
    /// <see cref="MonitoringReport.WriteHtmlAsync"/> or <see cref="MonitoringReport.WriteJsonAsync"/>.
    /// </summary>
    /// <remarks>
    /// A feature whose profile column is missing or empty, or whose reference has no profile, gets no distribution (logged,
    /// not thrown); it still has its drift scores when <see cref="GetDriftAsync"/> compared it.
    /// </remarks>
    /// <param name="model">The model's name.</param>
    /// <param name="options">The range, windows, versions compared, reference and thresholds; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException"><paramref name="model"/> is empty or not a valid model name; an alert in <see cref="ReportOptions.Alerts"/> is null or another model's; a champion or challenger asked for has no live performance in the range.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> holds a value out of range.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<MonitoringReport> CreateReportAsync(string model, ReportOptions? options = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        options ??= new ReportOptions();
        OptionsValidation.ThrowIfInvalid(options);
        foreach (var alert in options.Alerts)
        {
            if (alert is null || !string.Equals(alert.Model, model, StringComparison.Ordinal))
            {
                throw new ArgumentException(alert is null ? "ReportOptions.Alerts holds a null alert." : $"ReportOptions.Alerts holds an alert of model '{alert.Model}' (rule '{alert.Rule}'); the report is of '{model}'.", nameof(options));
            }
        }

        var started = Stopwatch.GetTimestamp();
        _logger.ReportStarted(model, options.From, options.To);

        using var shared = MonitoringLogReader.Share();   // performance, drift and the distributions read the range's logs once
        PerformanceReport? performance = null;
        if (options.IncludePerformance)
        {
            var query = new PerformanceQuery { From = options.From, To = options.To, Window = options.Window, Task = options.Task };
            performance = await GetPerformanceAsync(model, query, cancellationToken).ConfigureAwait(false);
        }

        LiveDriftReport? drift = null;
        IReadOnlyList<FeatureDistribution> distributions = [];
        if (options.IncludeDrift)
        {
            var query = new DriftQuery { From = options.From, To = options.To, Window = options.Window, Reference = options.Reference, Options = options.Drift };
            foreach (var feature in options.Features)
            {
                query.Features.Add(feature);
            }

            drift = await GetDriftAsync(model, query, cancellationToken).ConfigureAwait(false);
            distributions = await DistributionsAsync(model, drift, options, cancellationToken).ConfigureAwait(false);
        }

        var alerts = await ReportAlertsAsync(model, options, cancellationToken).ConfigureAwait(false);
        var report = MonitoringReport.Create(model, _client.TimeProvider.GetUtcNow(), performance, drift, distributions, alerts, options);
        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        _logger.ReportCreated(model, performance?.Windows.Count ?? 0, drift?.Overall.Features.Features.Count ?? 0, distributions.Count, elapsedMs);
        return report;
    }

    /// <summary>The given alerts, then the stored last alert of every other rule raised within the range (both ends inclusive); the latest first.</summary>
    private async Task<List<ReportAlert>> ReportAlertsAsync(string model, ReportOptions options, CancellationToken cancellationToken)
    {
        var given = options.Alerts
            .Select(a => new ReportAlert(a.Rule, a.Suppressed ? $"{a.Message} (suppressed: the rule alerted within its cooldown)" : a.Message, a.RaisedAt))
            .ToList();
        var stored = (await GetAlertStatesAsync(model, cancellationToken).ConfigureAwait(false))
            .Where(s => (options.From is not { } from || s.LastRaisedAt >= from) && (options.To is not { } to || s.LastRaisedAt <= to))
            .Where(s => !given.Exists(a => string.Equals(a.Rule, s.Rule, StringComparison.Ordinal)))
            .Select(s => new ReportAlert(s.Rule, s.LastMessage, s.LastRaisedAt));
        return [.. given.Concat(stored).OrderByDescending(a => a.At)];
    }

    /// <summary>The compared features' reference (from the reference dataset's profile) and live distributions, read through the one log reader.</summary>
    private async Task<IReadOnlyList<FeatureDistribution>> DistributionsAsync(string model, LiveDriftReport drift, ReportOptions options, CancellationToken cancellationToken)
    {
        var features = drift.Overall.Features.Features;
        if (features.Count == 0)
        {
            return [];
        }

        var reference = await _client.Datasets.GetAsync(drift.Reference, cancellationToken).ConfigureAwait(false);
        if (reference.Profile is not { } profile)
        {
            _logger.ReportNoProfile(model, drift.Reference);
            return [];
        }

        // The same predictions GetDriftAsync compared: the report's range, every version and served arm.
        var live = (await _reader.ReadPredictionsAsync(model, options.From, options.To, joinFeedback: false, cancellationToken).ConfigureAwait(false)).Where(p => !IsShadow(p)).ToList();
        var distributions = new List<FeatureDistribution>(features.Count);
        foreach (var feature in features)
        {
            var column = profile.Columns.FirstOrDefault(c => string.Equals(c.Name, feature.Feature, StringComparison.Ordinal));
            var distribution = column switch
            {
                null => null,
                { Numeric: { BinCounts.Count: > 0 } numeric } when numeric.BinCounts.Sum() > 0 && feature.Kind == FeatureKind.Numeric
                    => FeatureDistribution.Numeric(column, [.. live.Select(p => p.InputNumber(feature.Feature) ?? double.NaN)]),
                { Categorical: not null } when feature.Kind == FeatureKind.Categorical
                    => FeatureDistribution.Categorical(column, live.Select(p => p.InputText(feature.Feature)).OfType<string>().CountBy(v => v, StringComparer.Ordinal).ToDictionary(p => p.Key, p => (long)p.Value, StringComparer.Ordinal)),
                _ => null,
            };
            if (distribution is null)
            {
                _logger.ReportDistributionSkipped(model, feature.Feature, column is null ? "not in the reference's profile" : "the profile has no values of that kind");
                continue;
            }

            distributions.Add(distribution);
        }

        return distributions;
    }
}
