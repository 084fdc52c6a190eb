using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Monitoring;

/// <summary>How <see cref="MonitoringCatalog.CompactAsync"/> merges the small files of closed day partitions.</summary>
public sealed class CompactionOptions
{
    /// <summary>Gets or sets how many rows one compacted file holds at most.</summary>
    /// <value>Default 1,000,000; between 1 and 10,000,000.</value>
    [Range(1, 10_000_000)]
    public int MaxRowsPerFile { get; set; } = 1_000_000;

    /// <summary>
    /// Gets or sets how long after its day ends (UTC, by the store's clock) a partition counts as closed and is compacted,
    /// so that files a live writer is still adding are left alone. Files written after compaction lists a partition are
    /// never touched, so this only keeps compaction from re-running on partitions that are still growing.
    /// </summary>
    /// <value>Default 1 hour; between 0 and 30 days.</value>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>How <see cref="MonitoringCatalog.ApplyRetentionAsync"/> deletes old partitions.</summary>
public sealed class RetentionOptions
{
    /// <summary>
    /// Gets or sets how long logs are kept: a day partition (predictions of every model, and feedback) is deleted when its
    /// whole day is older than the store's clock minus this age.
    /// </summary>
    /// <value>Default 90 days; between 1 day and 100 years.</value>
    [Range(typeof(TimeSpan), "1.00:00:00", "36500.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(90);
}

/// <summary>What a compaction did.</summary>
/// <param name="Partitions">Closed partitions that were rewritten (those already compact are not counted).</param>
/// <param name="FilesRead">Files read from them.</param>
/// <param name="FilesWritten">Compacted files written.</param>
/// <param name="FilesDeleted">Files deleted after their rows were written again.</param>
/// <param name="RowsRead">Rows read.</param>
/// <param name="RowsWritten">Rows written: those read less the duplicates (a prediction id seen twice, feedback replaced by later feedback).</param>
public sealed record CompactionResult(int Partitions, int FilesRead, int FilesWritten, int FilesDeleted, long RowsRead, long RowsWritten);

/// <summary>What a retention pass deleted.</summary>
/// <param name="Cutoff">The first date kept: partitions of earlier dates were deleted.</param>
/// <param name="Partitions">Day partitions deleted (one model's predictions of a day, or the feedback of a day).</param>
/// <param name="Files">Files deleted.</param>
/// <param name="Bytes">Bytes those files held.</param>
public sealed record RetentionResult(DateOnly Cutoff, int Partitions, int Files, long Bytes);
