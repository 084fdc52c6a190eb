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
}
