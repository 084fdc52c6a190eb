using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Search;

/// <summary>The hyperparameter search's log messages (event ids 3300-3399), source-generated.</summary>
internal static partial class SearchLog
{
    [LoggerMessage(EventId = 3300, Level = LogLevel.Information, Message = "Study {Study} created ({Direction}, run {RunId})")]
    public static partial void StudyCreated(this ILogger logger, string study, StudyDirection direction, string runId);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Debug, Message = "Study {Study}: trial {Number} started (run {RunId})")]
    public static partial void TrialStarted(this ILogger logger, string study, int number, string runId);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "Study {Study}: trial {Number} {State} with value {Value}")]
    public static partial void TrialEnded(this ILogger logger, string study, int number, TrialState state, double? value);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Warning, Message = "Study {Study}: trial {Number} failed")]
    public static partial void TrialFailed(this ILogger logger, string study, int number, Exception exception);

    [LoggerMessage(EventId = 3304, Level = LogLevel.Warning, Message = "Study {Study}: trial {Number} is stale: its run {RunId} sent no heartbeat since {LastHeartbeat} (store time {Now})")]
    public static partial void TrialStale(this ILogger logger, string study, int number, string? runId, DateTimeOffset? lastHeartbeat, DateTimeOffset now);

    [LoggerMessage(EventId = 3305, Level = LogLevel.Information, Message = "Study {Study}: trial {Number} taken up again after going stale (attempt {Attempt})")]
    public static partial void TrialRetried(this ILogger logger, string study, int number, int attempt);

    [LoggerMessage(EventId = 3306, Level = LogLevel.Warning, Message = "Study {Study}: trial {Number} ended here, but another worker took it over meanwhile ({State}); this result is not recorded in the study")]
    public static partial void TrialTakenOver(this ILogger logger, string study, int number, TrialState state);

    [LoggerMessage(EventId = 3307, Level = LogLevel.Warning, Message = "Study {Study}: storing the reports of trial {Number} failed; they are stored when it ends")]
    public static partial void ReportNotStored(this ILogger logger, string study, int number, Exception exception);

    [LoggerMessage(EventId = 3308, Level = LogLevel.Information, Message = "Study {Study}: search stopped ({Reason}) after {Trials} trials here")]
    public static partial void SearchStopped(this ILogger logger, string study, SearchStopReason reason, int trials);

    [LoggerMessage(EventId = 3309, Level = LogLevel.Warning, Message = "Study {Study}: trial {Number}'s record cannot be read; it is left out of the study until it can")]
    public static partial void TrialUnreadable(this ILogger logger, string study, int number, Exception exception);

    [LoggerMessage(EventId = 3310, Level = LogLevel.Warning, Message = "Study {Study}: re-reading the trials in the background failed; pruning decisions use the trials as last read")]
    public static partial void RefreshFailed(this ILogger logger, string study, Exception exception);

    [LoggerMessage(EventId = 3311, Level = LogLevel.Warning, Message = "Study {Study}: the trial run {RunId} could not be ended; it is abandoned (its heartbeat stops) and shows Crashed after the grace period")]
    public static partial void RunNotEnded(this ILogger logger, string study, string runId, Exception exception);
}
