using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Monitoring;

/// <summary>Monitoring's log messages (event ids 3600-3699), source-generated.</summary>
internal static partial class MonitoringLog
{
    [LoggerMessage(EventId = 3600, Level = LogLevel.Debug, Message = "Monitoring: recorded {Count} feedback rows in {Files} files")]
    public static partial void FeedbackRecorded(this ILogger logger, int count, int files);

    [LoggerMessage(EventId = 3601, Level = LogLevel.Debug, Message = "Monitoring: wrote {Count} prediction rows in {Files} files")]
    public static partial void PredictionsWritten(this ILogger logger, int count, int files);

    [LoggerMessage(EventId = 3620, Level = LogLevel.Debug, Message = "Monitoring: drift of {Model} against {Reference}: {Predictions} predictions, {Windows} windows; overall {Drifted} of {Features} input features drifted, {OutputsDrifted} outputs")]
    public static partial void DriftComputed(this ILogger logger, string model, string reference, int predictions, int windows, int drifted, int features, int outputsDrifted);

    [LoggerMessage(EventId = 3621, Level = LogLevel.Debug, Message = "Monitoring: drift of {Model}: {Feature} not compared: {Reason}")]
    public static partial void DriftNotCompared(this ILogger logger, string model, string feature, string reason);

    [LoggerMessage(EventId = 3622, Level = LogLevel.Debug, Message = "Monitoring: scored {Rows} rows of {Reference} with {ModelVersion} for prediction drift in {Milliseconds} ms")]
    public static partial void ReferenceScored(this ILogger logger, int rows, string reference, string modelVersion, long milliseconds);

    [LoggerMessage(EventId = 3623, Level = LogLevel.Information, Message = "Monitoring: {Model} drifted from {Reference} over the range read: {Features}")]
    public static partial void DriftDetected(this ILogger logger, string model, string reference, string features);
}
