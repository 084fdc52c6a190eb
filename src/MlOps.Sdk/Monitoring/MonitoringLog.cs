using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Monitoring;

/// <summary>Monitoring's log messages (event ids 3600-3699), source-generated.</summary>
internal static partial class MonitoringLog
{
    [LoggerMessage(EventId = 3600, Level = LogLevel.Debug, Message = "Monitoring: recorded {Count} feedback rows in {Files} files")]
    public static partial void FeedbackRecorded(this ILogger logger, int count, int files);

    [LoggerMessage(EventId = 3601, Level = LogLevel.Debug, Message = "Monitoring: wrote {Count} prediction rows in {Files} files")]
    public static partial void PredictionsWritten(this ILogger logger, int count, int files);

    [LoggerMessage(EventId = 3610, Level = LogLevel.Debug, Message = "Monitoring: measured {Model} ({Task}) on {Predictions} predictions in {Windows} windows")]
    public static partial void PerformanceMeasured(this ILogger logger, string model, int predictions, int windows, MonitoringTask task);

    [LoggerMessage(EventId = 3611, Level = LogLevel.Debug, Message = "Monitoring: compared {Model} v{Champion} with v{Challenger} on {Predictions} predictions")]
    public static partial void PerformanceCompared(this ILogger logger, string model, int champion, int challenger, int predictions);

    [LoggerMessage(EventId = 3612, Level = LogLevel.Information, Message = "Monitoring: live check of {Model} v{Challenger}: healthy, {Reason}")]
    public static partial void LiveCheckHealthy(this ILogger logger, string model, int challenger, string reason);

    [LoggerMessage(EventId = 3613, Level = LogLevel.Warning, Message = "Monitoring: live check of {Model} v{Challenger}: unhealthy, {Reason}")]
    public static partial void LiveCheckUnhealthy(this ILogger logger, string model, int challenger, string reason);
}
