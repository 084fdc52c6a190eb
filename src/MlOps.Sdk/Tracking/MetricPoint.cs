namespace MlOps.Sdk.Tracking;

/// <summary>One recorded value of a metric.</summary>
/// <param name="Name">The metric's name.</param>
/// <param name="Value">The value; NaN and infinities are recorded as they are (see <see cref="Run.LogMetric"/>).</param>
/// <param name="Step">The step (epoch, iteration, boosting round) the value belongs to.</param>
/// <param name="Timestamp">When it was logged, to the millisecond.</param>
public readonly record struct MetricPoint(string Name, double Value, long Step, DateTimeOffset Timestamp);

/// <summary>What a run's record keeps of a metric without reading its history: the latest value, extremes and count.</summary>
public sealed class MetricSummary
{
    internal MetricSummary(MetricSummaryRecord record)
    {
        Last = record.Last;
        LastStep = record.LastStep;
        LastTimestamp = record.LastTimestamp;
        Min = record.Min;
        Max = record.Max;
        Count = record.Count;
    }

    /// <summary>Gets the latest value: the one with the highest step, and of those the latest timestamp.</summary>
    public double Last { get; }

    /// <summary>Gets the step of <see cref="Last"/>.</summary>
    public long LastStep { get; }

    /// <summary>Gets the timestamp of <see cref="Last"/>.</summary>
    public DateTimeOffset LastTimestamp { get; }

    /// <summary>Gets the smallest finite value, or <see langword="null"/> when none was finite.</summary>
    public double? Min { get; }

    /// <summary>Gets the largest finite value, or <see langword="null"/> when none was finite.</summary>
    public double? Max { get; }

    /// <summary>Gets how many values were logged.</summary>
    public long Count { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Last} (step {LastStep}, {Count} values)";
}
