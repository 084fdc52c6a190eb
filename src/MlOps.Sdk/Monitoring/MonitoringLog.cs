using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Monitoring;

/// <summary>Monitoring's log messages (event ids 3600-3699), source-generated.</summary>
internal static partial class MonitoringLog
{
    [LoggerMessage(EventId = 3600, Level = LogLevel.Debug, Message = "Monitoring: recorded {Count} feedback rows in {Files} files")]
    public static partial void FeedbackRecorded(this ILogger logger, int count, int files);

    [LoggerMessage(EventId = 3601, Level = LogLevel.Debug, Message = "Monitoring: wrote {Count} prediction rows in {Files} files")]
    public static partial void PredictionsWritten(this ILogger logger, int count, int files);
}
