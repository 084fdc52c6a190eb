using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Tracking;

/// <summary>Log messages of tracking (event ids 2000-2099), generated at compile time.</summary>
internal static partial class TrackingLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Created experiment {Experiment}")]
    public static partial void ExperimentCreated(ILogger logger, string experiment);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Started run {RunId} in experiment {Experiment}")]
    public static partial void RunStarted(ILogger logger, string runId, string experiment);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Run {RunId} ended {Status} after {Duration}")]
    public static partial void RunEnded(ILogger logger, string runId, RunStatus status, TimeSpan duration);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Writing run {RunId} to the store failed; retrying at the next flush")]
    public static partial void RunFlushFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Run {RunId} had no heartbeat since {LastHeartbeat} (store time {Now}); recorded as Crashed")]
    public static partial void RunCrashed(ILogger logger, string runId, DateTimeOffset? lastHeartbeat, DateTimeOffset now);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Run {RunId} had been reported Crashed but is alive; marked Running again")]
    public static partial void RunRevived(ILogger logger, string runId);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Resumed run {RunId}")]
    public static partial void RunResumed(ILogger logger, string runId);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Debug, Message = "Compacted the run index of {Experiment}: {Folded} summaries folded into a snapshot of {Runs} runs")]
    public static partial void IndexCompacted(ILogger logger, string experiment, int folded, int runs);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Debug, Message = "Metric buffer of run {RunId} is full ({Capacity} points); waiting for the writer")]
    public static partial void MetricBackPressure(ILogger logger, string runId, int capacity);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "Could not record the end of run {RunId} while an exception left its block; the exception is passed on")]
    public static partial void RunEndFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "Run {RunId} ended, but its final index summary or heartbeat removal failed; searches read its record instead")]
    public static partial void RunTidyUpFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "Could not record run {RunId} as crashed (a read-only store?); reporting it crashed anyway")]
    public static partial void CrashNotRecorded(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "Could not compact the run index of {Experiment} (a read-only store?); searching without compacting")]
    public static partial void CompactionFailed(ILogger logger, string experiment, Exception exception);
}
