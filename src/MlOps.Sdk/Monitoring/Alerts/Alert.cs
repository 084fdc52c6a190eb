namespace MlOps.Sdk.Monitoring;

/// <summary>What a check measured over its lookback: the input of the alert rules.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Since">The lookback's start (inclusive).</param>
/// <param name="Until">The lookback's end (exclusive): the time of the check.</param>
/// <param name="Performance">The live performance over the lookback, per version and arm; <see langword="null"/> when no rule needs it.</param>
/// <param name="Drift">The drift over the lookback; <see langword="null"/> when no rule needs it, or when it could not be computed (see <paramref name="Problems"/>).</param>
/// <param name="Problems">What could not be measured, and why (no reference dataset, no predictions): reported, not thrown.</param>
public sealed record MonitoringSnapshot(string Model, DateTimeOffset Since, DateTimeOffset Until, PerformanceReport? Performance, LiveDriftReport? Drift, IReadOnlyList<string> Problems);

/// <summary>An alert: a rule that did not hold.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Rule">The rule's name.</param>
/// <param name="Severity">How serious.</param>
/// <param name="Message">What, in words, with the values.</param>
/// <param name="Value">The value compared with the threshold, if one.</param>
/// <param name="Threshold">The threshold, if one.</param>
/// <param name="RaisedAt">When.</param>
/// <param name="Suppressed">Whether it was suppressed because the same rule raised an alert within the cooldown (then it is only reported: no callback, event, log or retraining request).</param>
/// <param name="RetrainingRequestId">The retraining request it made, if the rule asks for one.</param>
public sealed record Alert(string Model, string Rule, AlertSeverity Severity, string Message, double? Value, double? Threshold, DateTimeOffset RaisedAt, bool Suppressed, string? RetrainingRequestId);

/// <summary>What a monitoring check found.</summary>
/// <param name="Snapshot">What it measured.</param>
/// <param name="Alerts">The rules that did not hold (suppressed ones included, marked).</param>
public sealed record MonitoringCheckResult(MonitoringSnapshot Snapshot, IReadOnlyList<Alert> Alerts)
{
    /// <summary>Gets the alerts raised (not suppressed).</summary>
    public IEnumerable<Alert> Raised => Alerts.Where(a => !a.Suppressed);
}

/// <summary>The data of <see cref="MonitoringCatalog.AlertRaised"/>.</summary>
/// <param name="alert">The alert.</param>
public sealed class AlertRaisedEventArgs(Alert alert) : EventArgs
{
    /// <summary>Gets the alert.</summary>
    public Alert Alert { get; } = alert;
}
