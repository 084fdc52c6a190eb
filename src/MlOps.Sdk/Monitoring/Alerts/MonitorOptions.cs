using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Monitoring;

/// <summary>What a monitoring check of one model looks at and which rules it applies.</summary>
public sealed class MonitorOptions
{
    /// <summary>Gets or sets the model's name.</summary>
    [Required]
    public string? Model { get; set; }

    /// <summary>Gets or sets how far back a check looks: predictions of [now − lookback, now).</summary>
    /// <value>Default 1 day; between 1 minute and 365 days.</value>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Lookback { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Gets the rules.</summary>
    public IList<AlertRule> Rules { get; } = [];

    /// <summary>Gets or sets how long after an alert the same rule of the same model stays quiet (reported as suppressed), so a lasting problem does not alert, or ask for a retraining, on every check.</summary>
    /// <value>Default 1 day; zero alerts on every check.</value>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Gets or sets what the model predicts, for its metrics.</summary>
    /// <value>Default <see cref="MonitoringTask.Auto"/>.</value>
    public MonitoringTask Task { get; set; } = MonitoringTask.Auto;

    /// <summary>Gets or sets the reference dataset for drift; the training dataset of the latest version served when <see langword="null"/>.</summary>
    public string? Reference { get; set; }

    /// <summary>Gets or sets the drift thresholds; the documented defaults when <see langword="null"/>.</summary>
    public DriftOptions? Drift { get; set; }

    /// <summary>
    /// Gets the input features drift is measured on; every input field the reference's profile has when empty. Leave
    /// out fields that differ in every window by nature (a date, an id).
    /// </summary>
    public IList<string> Features { get; } = [];

    /// <summary>Gets or sets a callback for every alert raised (not for suppressed ones), after it is logged; its failure is logged, not thrown.</summary>
    public Func<Alert, CancellationToken, Task>? OnAlert { get; set; }
}

/// <summary>How a hosted monitor (<c>AddMonitoring</c>) runs.</summary>
public sealed class MonitoringHostOptions
{
    /// <summary>Gets or sets the time between checks.</summary>
    /// <value>Default 15 minutes; between 100 milliseconds and 1 day.</value>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(15);
}
