using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Tracking;

/// <summary>How runs are recorded: heartbeats, crash detection, metric buffering, redaction (the <c>MlOps:Tracking</c> section).</summary>
public sealed class TrackingOptions : IValidatableObject
{
    /// <summary>Gets or sets how often a running run proves it is alive.</summary>
    /// <value>Default 10 seconds; between 100 milliseconds and 10 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how old, by the store's clock, a Running run's last heartbeat may be before the run is reported
    /// <see cref="RunStatus.Crashed"/>.
    /// </summary>
    /// <value>Default 1 minute; between 1 second and 1 day, and more than twice <see cref="HeartbeatInterval"/>.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CrashGracePeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets how often buffered metrics, parameters and tags are written to the store: what a crash can lose at most.</summary>
    /// <value>Default 1 second; between 10 milliseconds and 1 minute.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets how many metric points a run buffers before <see cref="Run.LogMetric"/> waits for the writer
    /// (back-pressure instead of unbounded memory).
    /// </summary>
    /// <value>Default 1,000,000 (about 40 MB); between 1,000 and 100,000,000.</value>
    [Range(1_000, 100_000_000)]
    public int MetricBufferCapacity { get; set; } = 1_000_000;

    /// <summary>
    /// Gets or sets a value indicating whether every logged metric is also written to standard output as
    /// <c>name=value</c>, the format Kubeflow Katib's default metrics collector reads, so a training program runs unchanged
    /// as a Katib trial.
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool WriteMetricsToStandardOutput { get; set; }

    /// <summary>
    /// Gets the parameter and tag names, beyond the built-in ones, whose values are secrets and are stored as
    /// <c>***</c>: case-insensitive substrings, or globs with <c>*</c>.
    /// </summary>
    public IList<string> SecretNames { get; } = [];

    /// <summary>Gets or sets a value indicating whether the git commit, branch, remote and dirty flag are recorded.</summary>
    /// <value>Default <see langword="true"/>; no repository or no git executable simply records none.</value>
    public bool CaptureGit { get; set; } = true;

    /// <summary>Gets or sets how many summaries may wait in an experiment's index before a search compacts them.</summary>
    /// <value>Default 200; between 1 and 100,000.</value>
    [Range(1, 100_000)]
    public int IndexCompactionThreshold { get; set; } = 200;

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (SecretNames.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("SecretNames must not hold blank entries.", [nameof(SecretNames)]);
        }

        if (CrashGracePeriod <= HeartbeatInterval * 2)
        {
            yield return new ValidationResult(
                $"CrashGracePeriod ({CrashGracePeriod}) must be more than twice HeartbeatInterval ({HeartbeatInterval}), or a live run could be reported Crashed.",
                [nameof(CrashGracePeriod), nameof(HeartbeatInterval)]);
        }
    }
}
