using System.Globalization;

namespace MlOps.Sdk.Monitoring;

/// <summary>How serious an alert is: a warning is logged as a warning, a critical alert as an error.</summary>
public enum AlertSeverity
{
    /// <summary>Worth a look.</summary>
    Warning,

    /// <summary>Worth acting on now.</summary>
    Critical,
}

/// <summary>
/// A threshold rule on what monitoring measured (a <see cref="MonitoringSnapshot"/>): drift, prediction drift, a live
/// metric, or a check of your own. Made with the static methods; <c>with</c> changes the name, severity or whether it
/// asks for a retraining.
/// </summary>
public abstract record AlertRule
{
    private protected AlertRule(string name)
    {
        Name = name;
    }

    /// <summary>Gets the rule's name: the alert's name, and the key of its cooldown.</summary>
    public string Name { get; init; }

    /// <summary>Gets how serious its alerts are.</summary>
    /// <value>Default <see cref="AlertSeverity.Warning"/>.</value>
    public AlertSeverity Severity { get; init; } = AlertSeverity.Warning;

    /// <summary>
    /// Gets a value indicating whether an alert of this rule asks for a retraining of the model
    /// (<c>client.Retraining.RequestAsync(model, reason, RetrainingTriggerKind.Alert)</c>), which the model's retrainers
    /// pick up on their next pass.
    /// </summary>
    public bool RequestRetraining { get; init; }

    /// <summary>Alerts when at least <paramref name="threshold"/> of the compared input features drifted (and one at least).</summary>
    /// <param name="threshold">The share, in (0, 1]; by default <see cref="DriftOptions.DriftedShareThreshold"/>'s default, 0.5.</param>
    /// <returns>The rule, named <c>drifted-share</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is not in (0, 1].</exception>
    public static AlertRule DriftedShare(double threshold = 0.5)
    {
        if (!(threshold is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "A share of drifted features is in (0, 1].");
        }

        return new DriftedShareRule("drifted-share", threshold);
    }

    /// <summary>Alerts when one input feature drifted.</summary>
    /// <param name="feature">The feature.</param>
    /// <returns>The rule, named <c>drift:{feature}</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="feature"/> is empty.</exception>
    public static AlertRule FeatureDrift(string feature)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(feature);
        return new FeatureDriftRule($"drift:{feature}", feature);
    }

    /// <summary>Alerts when the model's outputs drifted against its outputs on the reference data (prediction drift).</summary>
    /// <returns>The rule, named <c>prediction-drift</c>.</returns>
    public static AlertRule PredictionDrift() => new PredictionDriftRule("prediction-drift");

    /// <summary>
    /// Alerts when a live metric of a version (on any arm, over the check's lookback) is below a threshold, once it has
    /// at least <paramref name="minFeedback"/> predictions with ground truth (fewer is not evidence).
    /// </summary>
    /// <param name="metric">The metric, as <see cref="PerformanceWindow.Metrics"/> names it (<c>accuracy</c>, <c>auc</c>, <c>r2</c>, ...).</param>
    /// <param name="threshold">The lowest acceptable value.</param>
    /// <param name="minFeedback">The fewest predictions with ground truth to judge on; default 100.</param>
    /// <returns>The rule, named <c>{metric}-below</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="metric"/> is not a metric live performance measures (the message lists them).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minFeedback"/> is below 1 or <paramref name="threshold"/> is not finite.</exception>
    public static AlertRule MetricBelow(string metric, double threshold, long minFeedback = 100) => Metric(metric, threshold, minFeedback, below: true);

    /// <summary>Alerts when a live metric (an error: <c>rmse</c>, <c>mae</c>, <c>log-loss</c>) is above a threshold, once it has at least <paramref name="minFeedback"/> predictions with ground truth.</summary>
    /// <param name="metric">The metric.</param>
    /// <param name="threshold">The highest acceptable value.</param>
    /// <param name="minFeedback">The fewest predictions with ground truth to judge on; default 100.</param>
    /// <returns>The rule, named <c>{metric}-above</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="metric"/> is not a metric live performance measures (the message lists them).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minFeedback"/> is below 1 or <paramref name="threshold"/> is not finite.</exception>
    public static AlertRule MetricAbove(string metric, double threshold, long minFeedback = 100) => Metric(metric, threshold, minFeedback, below: false);

    /// <summary>A check of your own: it returns the alert's message, or <see langword="null"/> when all is well.</summary>
    /// <param name="name">The rule's name.</param>
    /// <param name="check">The check.</param>
    /// <param name="needsPerformance">Whether the check reads <see cref="MonitoringSnapshot.Performance"/> (measured only when a rule needs it).</param>
    /// <param name="needsDrift">Whether the check reads <see cref="MonitoringSnapshot.Drift"/> (measured only when a rule needs it).</param>
    /// <returns>The rule.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="check"/> is <see langword="null"/>.</exception>
    public static AlertRule Custom(string name, Func<MonitoringSnapshot, string?> check, bool needsPerformance = true, bool needsDrift = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(check);
        return new CustomRule(name, check, needsPerformance, needsDrift);
    }

    /// <summary>Evaluates the rule on a snapshot.</summary>
    /// <param name="snapshot">What monitoring measured.</param>
    /// <returns>The alert's message and the value against the threshold, or <see langword="null"/> when the rule holds.</returns>
    public abstract AlertFinding? Evaluate(MonitoringSnapshot snapshot);

    internal virtual bool NeedsDrift => false;

    internal virtual bool NeedsPerformance => false;

    /// <summary>The metrics live performance measures (<see cref="PerformanceWindow.Metrics"/>).</summary>
    internal static readonly string[] KnownMetrics = [.. Enum.GetValues<MonitoringTask>().SelectMany(PerformanceMeter.MetricsOf).Distinct(StringComparer.Ordinal)];

    private static MetricRule Metric(string metric, double threshold, long minFeedback, bool below)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(metric);
        if (!KnownMetrics.Contains(metric, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Live performance does not measure '{metric}'; it measures {string.Join(", ", KnownMetrics)}.", nameof(metric));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(minFeedback, 1);
        if (!double.IsFinite(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "A metric's threshold is a finite number.");
        }

        return new MetricRule($"{metric}-{(below ? "below" : "above")}", metric, threshold, minFeedback, below);
    }

    private static string F(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private sealed record DriftedShareRule(string RuleName, double Threshold) : AlertRule(RuleName)
    {
        internal override bool NeedsDrift => true;

        public override AlertFinding? Evaluate(MonitoringSnapshot snapshot)
        {
            var features = snapshot.Drift?.Overall.Features;
            if (features is null)
            {
                return null;
            }

            var evaluated = features.Features.Count(f => f.Status != DriftStatus.NotEvaluated);
            var drifted = features.Drifted.ToList();
            return drifted.Count > 0 && features.DriftedShare >= Threshold
                ? new AlertFinding($"{drifted.Count} of {evaluated} features drifted ({F(features.DriftedShare * 100)} % ≥ {F(Threshold * 100)} %): {string.Join("; ", drifted.Select(f => $"{f.Feature}: {f.Reason}"))}", features.DriftedShare, Threshold)
                : null;
        }
    }

    private sealed record FeatureDriftRule(string RuleName, string Feature) : AlertRule(RuleName)
    {
        internal override bool NeedsDrift => true;

        public override AlertFinding? Evaluate(MonitoringSnapshot snapshot)
            => snapshot.Drift?.Overall.Features.Features.FirstOrDefault(f => f.Feature == Feature) is { IsDrifted: true } drift
                ? new AlertFinding($"{Feature} drifted: {drift.Reason}", drift.PopulationStabilityIndex, null)
                : null;
    }

    private sealed record PredictionDriftRule(string RuleName) : AlertRule(RuleName)
    {
        internal override bool NeedsDrift => true;

        public override AlertFinding? Evaluate(MonitoringSnapshot snapshot)
        {
            var drifted = snapshot.Drift?.Overall.Outputs?.Drifted.ToList();
            return drifted is { Count: > 0 }
                ? new AlertFinding($"the model's outputs drifted: {string.Join("; ", drifted.Select(f => $"{f.Feature}: {f.Reason}"))}", snapshot.Drift!.Overall.Outputs!.DriftedShare, null)
                : null;
        }
    }

    private sealed record MetricRule(string RuleName, string MetricName, double Threshold, long MinFeedback, bool Below) : AlertRule(RuleName)
    {
        internal override bool NeedsPerformance => true;

        public override AlertFinding? Evaluate(MonitoringSnapshot snapshot)
        {
            // A shadow answers no caller: its metrics are the canary's live check's to judge, not an alert's.
            var failing = (snapshot.Performance?.Totals ?? [])
                .Where(t => t.Arm != MonitoringLayout.ShadowArm && t.WithFeedback >= MinFeedback && t.Metrics.TryGetValue(MetricName, out var v) && double.IsFinite(v) && (Below ? v < Threshold : v > Threshold))
                .ToList();
            if (failing.Count == 0)
            {
                return null;
            }

            var worst = Below ? failing.MinBy(t => t.Metrics[MetricName])! : failing.MaxBy(t => t.Metrics[MetricName])!;
            return new AlertFinding(
                string.Join("; ", failing.Select(t => $"{MetricName} {F(t.Metrics[MetricName])} {(Below ? "<" : ">")} {F(Threshold)} for version {t.Version} ({t.Arm}) on {t.WithFeedback} predictions with ground truth")),
                worst.Metrics[MetricName],
                Threshold);
        }
    }

    private sealed record CustomRule(string RuleName, Func<MonitoringSnapshot, string?> Check, bool Performance, bool Drift) : AlertRule(RuleName)
    {
        internal override bool NeedsDrift => Drift;

        internal override bool NeedsPerformance => Performance;

        public override AlertFinding? Evaluate(MonitoringSnapshot snapshot) => Check(snapshot) is { } message ? new AlertFinding(message, null, null) : null;
    }
}

/// <summary>What a rule found wrong.</summary>
/// <param name="Message">What, in words, with the values.</param>
/// <param name="Value">The value compared with the threshold, if one.</param>
/// <param name="Threshold">The threshold, if one.</param>
public sealed record AlertFinding(string Message, double? Value, double? Threshold);
