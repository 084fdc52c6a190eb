using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Monitoring;

/// <summary>What a <see cref="MonitoringReport"/> covers: the range, windows, the two versions compared, and the drift reference.</summary>
public sealed class ReportOptions : IValidatableObject
{
    /// <summary>Gets or sets the earliest prediction time (inclusive); no bound when <see langword="null"/>.</summary>
    public DateTimeOffset? From { get; set; }

    /// <summary>Gets or sets the latest prediction time (exclusive); no bound when <see langword="null"/>.</summary>
    public DateTimeOffset? To { get; set; }

    /// <summary>Gets or sets the width of a time window for performance and drift over time (windows start at midnight UTC); one window when <see langword="null"/>.</summary>
    /// <value>Default 1 day; between 1 minute and 366 days.</value>
    [Range(typeof(TimeSpan), "00:01:00", "366.00:00:00")]
    public TimeSpan? Window { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Gets or sets the champion's version; when <see langword="null"/>, the version with the most predictions in the range.</summary>
    [Range(1, int.MaxValue)]
    public int? Champion { get; set; }

    /// <summary>Gets or sets the challenger's version; when <see langword="null"/>, the version with the most predictions after the champion (no comparison when there is none).</summary>
    [Range(1, int.MaxValue)]
    public int? Challenger { get; set; }

    /// <summary>Gets or sets the metric charted first over time (the chart lets a reader pick another); when <see langword="null"/> or absent, the first of auc, accuracy, micro-accuracy, rmse, mae, r2 the report has.</summary>
    public string? Metric { get; set; }

    /// <summary>Gets or sets what the model predicts, for its performance.</summary>
    /// <value>Default <see cref="MonitoringTask.Auto"/>.</value>
    public MonitoringTask Task { get; set; } = MonitoringTask.Auto;

    /// <summary>Gets or sets the reference dataset's URI for drift; the training dataset of the latest version read when <see langword="null"/>.</summary>
    public string? Reference { get; set; }

    /// <summary>Gets the features compared; every input field the reference's profile has when empty.</summary>
    public IList<string> Features { get; } = [];

    /// <summary>
    /// Gets the alerts of a check just run (<see cref="MonitoringCheckResult.Alerts"/>) to list in the report, whatever
    /// their time; each replaces the stored last alert of its rule (see <see cref="MonitoringCatalog.CreateReportAsync"/>).
    /// A suppressed one is listed as such. Empty by default: the stored alerts only.
    /// </summary>
    public IList<Alert> Alerts { get; } = [];

    /// <summary>Gets or sets the drift thresholds (also drawn on the drift chart); the documented defaults when <see langword="null"/>.</summary>
    public DriftOptions? Drift { get; set; }

    /// <summary>Gets or sets a value indicating whether the report measures live performance (it needs ground truth; see <see cref="MonitoringCatalog.GetPerformanceAsync"/>).</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool IncludePerformance { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the report compares live data with the reference (drift scores and feature distributions).</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool IncludeDrift { get; set; } = true;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (From is { } from && To is { } to && from >= to)
        {
            yield return new ValidationResult($"From ({from:O}) must be before To ({to:O}).", [nameof(From), nameof(To)]);
        }

        if (Champion is { } champion && Challenger == champion)
        {
            yield return new ValidationResult($"Champion and Challenger are both version {champion}; compare two different versions.", [nameof(Champion), nameof(Challenger)]);
        }

        if (!IncludePerformance && !IncludeDrift)
        {
            yield return new ValidationResult("IncludePerformance and IncludeDrift are both false: the report would be empty.", [nameof(IncludePerformance), nameof(IncludeDrift)]);
        }
    }
}
