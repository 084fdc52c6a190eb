using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Monitoring;

/// <summary>Monitoring's log messages (event ids 3600-3699), source-generated.</summary>
internal static partial class MonitoringLog
{
    [LoggerMessage(EventId = 3600, Level = LogLevel.Debug, Message = "Monitoring: recorded {Count} feedback rows in {Files} files")]
    public static partial void FeedbackRecorded(this ILogger logger, int count, int files);

    [LoggerMessage(EventId = 3601, Level = LogLevel.Debug, Message = "Monitoring: wrote {Count} prediction rows in {Files} files")]
    public static partial void PredictionsWritten(this ILogger logger, int count, int files);

    [LoggerMessage(EventId = 3630, Level = LogLevel.Debug, Message = "Monitoring: making the report of {Model} from {From} to {To}")]
    public static partial void ReportStarted(this ILogger logger, string model, DateTimeOffset? from, DateTimeOffset? to);

    [LoggerMessage(EventId = 3631, Level = LogLevel.Information, Message = "Monitoring: report of {Model} made ({Windows} performance windows, {Features} features compared, {Distributions} distributions) in {ElapsedMs:F0} ms")]
    public static partial void ReportCreated(this ILogger logger, string model, int windows, int features, int distributions, double elapsedMs);

    [LoggerMessage(EventId = 3632, Level = LogLevel.Warning, Message = "Monitoring: the report of {Model} has no feature distributions: its reference {Reference} has no profile")]
    public static partial void ReportNoProfile(this ILogger logger, string model, string reference);

    [LoggerMessage(EventId = 3633, Level = LogLevel.Debug, Message = "Monitoring: the report of {Model} has no distribution for {Feature}: {Reason}")]
    public static partial void ReportDistributionSkipped(this ILogger logger, string model, string feature, string reason);
}
