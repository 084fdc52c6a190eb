using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Monitoring;

/// <summary>Monitoring's log messages (event ids 3600-3699), source-generated.</summary>
internal static partial class MonitoringLog
{
    [LoggerMessage(EventId = 3600, Level = LogLevel.Debug, Message = "Monitoring: recorded {Count} feedback rows in {Files} files")]
    public static partial void FeedbackRecorded(this ILogger logger, int count, int files);

    [LoggerMessage(EventId = 3601, Level = LogLevel.Debug, Message = "Monitoring: wrote {Count} prediction rows in {Files} files")]
    public static partial void PredictionsWritten(this ILogger logger, int count, int files);

    [LoggerMessage(EventId = 3650, Level = LogLevel.Warning, Message = "Monitoring {Model}: alert {Rule}: {Message}")]
    public static partial void Alert(this ILogger logger, string model, string rule, string message);

    [LoggerMessage(EventId = 3651, Level = LogLevel.Error, Message = "Monitoring {Model}: critical alert {Rule}: {Message}")]
    public static partial void CriticalAlert(this ILogger logger, string model, string rule, string message);

    [LoggerMessage(EventId = 3652, Level = LogLevel.Error, Message = "Monitoring {Model}: a handler of alert {Rule} failed")]
    public static partial void AlertHandlerFailed(this ILogger logger, Exception exception, string model, string rule);

    [LoggerMessage(EventId = 3653, Level = LogLevel.Information, Message = "Monitoring: {What} not measured: {Problem}")]
    public static partial void NotMeasured(this ILogger logger, string what, string problem);

    [LoggerMessage(EventId = 3654, Level = LogLevel.Debug, Message = "Monitoring {Model}: checked; {Raised} alerts raised, {Suppressed} suppressed, {Problems} not measured")]
    public static partial void Checked(this ILogger logger, string model, int raised, int suppressed, int problems);

    [LoggerMessage(EventId = 3655, Level = LogLevel.Error, Message = "Monitoring {Model}: a check of the hosted monitor failed; it checks again in {Interval}")]
    public static partial void CheckFailed(this ILogger logger, Exception exception, string model, TimeSpan interval);

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

    [LoggerMessage(EventId = 3610, Level = LogLevel.Debug, Message = "Monitoring: measured {Model} ({Task}) on {Predictions} predictions in {Windows} windows")]
    public static partial void PerformanceMeasured(this ILogger logger, string model, int predictions, int windows, MonitoringTask task);

    [LoggerMessage(EventId = 3611, Level = LogLevel.Debug, Message = "Monitoring: compared {Model} v{Champion} with v{Challenger} on {Predictions} predictions")]
    public static partial void PerformanceCompared(this ILogger logger, string model, int champion, int challenger, int predictions);

    [LoggerMessage(EventId = 3612, Level = LogLevel.Information, Message = "Monitoring: live check of {Model} v{Challenger}: healthy, {Reason}")]
    public static partial void LiveCheckHealthy(this ILogger logger, string model, int challenger, string reason);

    [LoggerMessage(EventId = 3613, Level = LogLevel.Warning, Message = "Monitoring: live check of {Model} v{Challenger}: unhealthy, {Reason}")]
    public static partial void LiveCheckUnhealthy(this ILogger logger, string model, int challenger, string reason);

    [LoggerMessage(EventId = 3630, Level = LogLevel.Debug, Message = "Monitoring: making the report of {Model} from {From} to {To}")]
    public static partial void ReportStarted(this ILogger logger, string model, DateTimeOffset? from, DateTimeOffset? to);

    [LoggerMessage(EventId = 3631, Level = LogLevel.Information, Message = "Monitoring: report of {Model} made ({Windows} performance windows, {Features} features compared, {Distributions} distributions) in {ElapsedMs:F0} ms")]
    public static partial void ReportCreated(this ILogger logger, string model, int windows, int features, int distributions, double elapsedMs);

    [LoggerMessage(EventId = 3632, Level = LogLevel.Warning, Message = "Monitoring: the report of {Model} has no feature distributions: its reference {Reference} has no profile")]
    public static partial void ReportNoProfile(this ILogger logger, string model, string reference);

    [LoggerMessage(EventId = 3633, Level = LogLevel.Debug, Message = "Monitoring: the report of {Model} has no distribution for {Feature}: {Reason}")]
    public static partial void ReportDistributionSkipped(this ILogger logger, string model, string feature, string reason);

    [LoggerMessage(EventId = 3620, Level = LogLevel.Debug, Message = "Monitoring: drift of {Model} against {Reference}: {Predictions} predictions, {Windows} windows; overall {Drifted} of {Features} input features drifted, {OutputsDrifted} outputs")]
    public static partial void DriftComputed(this ILogger logger, string model, string reference, int predictions, int windows, int drifted, int features, int outputsDrifted);

    [LoggerMessage(EventId = 3621, Level = LogLevel.Debug, Message = "Monitoring: drift of {Model}: {Feature} not compared: {Reason}")]
    public static partial void DriftNotCompared(this ILogger logger, string model, string feature, string reason);

    [LoggerMessage(EventId = 3622, Level = LogLevel.Debug, Message = "Monitoring: scored {Rows} rows of {Reference} with {ModelVersion} for prediction drift in {Milliseconds} ms")]
    public static partial void ReferenceScored(this ILogger logger, int rows, string reference, string modelVersion, long milliseconds);

    [LoggerMessage(EventId = 3623, Level = LogLevel.Information, Message = "Monitoring: {Model} drifted from {Reference} over the range read: {Features}")]
    public static partial void DriftDetected(this ILogger logger, string model, string reference, string features);
}
