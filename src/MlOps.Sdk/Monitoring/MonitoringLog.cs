using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Monitoring;

/// <summary>Monitoring's log messages (event ids 3600-3699), source-generated.</summary>
internal static partial class MonitoringLog
{
    [LoggerMessage(EventId = 3600, Level = LogLevel.Debug, Message = "Monitoring: recorded {Count} feedback rows in {Files} files")]
    public static partial void FeedbackRecorded(this ILogger logger, int count, int files);

    [LoggerMessage(EventId = 3601, Level = LogLevel.Debug, Message = "Monitoring: wrote {Count} prediction rows in {Files} files")]
    public static partial void PredictionsWritten(this ILogger logger, int count, int files);

    [LoggerMessage(EventId = 3640, Level = LogLevel.Debug, Message = "Monitoring: compacted {Partition}: {FilesRead} files of {RowsRead} rows into {FilesWritten} files of {RowsWritten} rows")]
    public static partial void PartitionCompacted(this ILogger logger, string partition, int filesRead, long rowsRead, int filesWritten, long rowsWritten);

    [LoggerMessage(EventId = 3641, Level = LogLevel.Information, Message = "Monitoring: compacted {Partitions} partitions: {FilesRead} files into {FilesWritten}, {RowsRead} rows into {RowsWritten}")]
    public static partial void Compacted(this ILogger logger, int partitions, int filesRead, int filesWritten, long rowsRead, long rowsWritten);

    [LoggerMessage(EventId = 3642, Level = LogLevel.Warning, Message = "Monitoring: compaction left {Key} in place: it changed after it was read")]
    public static partial void CompactionLeftFile(this ILogger logger, string key);

    [LoggerMessage(EventId = 3643, Level = LogLevel.Debug, Message = "Monitoring: retention deleted {Partition} ({Files} files)")]
    public static partial void PartitionDeleted(this ILogger logger, string partition, int files);

    [LoggerMessage(EventId = 3644, Level = LogLevel.Information, Message = "Monitoring: retention deleted {Partitions} partitions ({Files} files) dated before {Cutoff}")]
    public static partial void RetentionApplied(this ILogger logger, int partitions, int files, DateOnly cutoff);
}
