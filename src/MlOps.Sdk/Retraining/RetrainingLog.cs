using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Retraining;

/// <summary>Retraining's log messages (event ids 3500-3599), source-generated.</summary>
internal static partial class RetrainingLog
{
    [LoggerMessage(EventId = 3500, Level = LogLevel.Information, Message = "Retraining {Model}: attempt started by {Trigger} ({Reason}), run {RunId}")]
    public static partial void AttemptStarted(this ILogger logger, string model, RetrainingTriggerKind trigger, string reason, string runId);

    [LoggerMessage(EventId = 3501, Level = LogLevel.Information, Message = "Retraining {Model}: run {RunId} {Outcome}: {Reason}")]
    public static partial void AttemptDone(this ILogger logger, string model, string runId, RetrainingOutcome outcome, string reason);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Error, Message = "Retraining {Model}: run {RunId} failed; production did not move")]
    public static partial void AttemptFailed(this ILogger logger, Exception exception, string model, string runId);

    [LoggerMessage(EventId = 3503, Level = LogLevel.Information, Message = "Retraining {Model}: the attempt of crashed run {RunId} is taken over ({Trigger})")]
    public static partial void ClaimTakenOver(this ILogger logger, string model, string? runId, string trigger);

    [LoggerMessage(EventId = 3504, Level = LogLevel.Information, Message = "Retraining {Model}: version {Version} {Decision} by {User}: {Reason}")]
    public static partial void Decided(this ILogger logger, string model, int version, string decision, string user, string reason);

    [LoggerMessage(EventId = 3505, Level = LogLevel.Error, Message = "Retraining {Model}: a pass of the hosted retrainer failed; it tries again in {Interval}")]
    public static partial void PassFailed(this ILogger logger, Exception exception, string model, TimeSpan interval);

    [LoggerMessage(EventId = 3506, Level = LogLevel.Warning, Message = "Retraining {Model}: the rollout of version {Version} was rolled back: {Reason}")]
    public static partial void RolledBack(this ILogger logger, string model, int version, string reason);
}
