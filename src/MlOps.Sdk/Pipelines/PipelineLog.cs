using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Pipelines;

/// <summary>The pipelines' log messages (event ids 3400-3499), source-generated.</summary>
internal static partial class PipelineLog
{
    [LoggerMessage(EventId = 3400, Level = LogLevel.Information, Message = "Pipeline {Pipeline}: step {Step} {Status} ({Detail})")]
    public static partial void StepDone(this ILogger logger, string pipeline, string step, StepStatus status, string? detail);

    [LoggerMessage(EventId = 3401, Level = LogLevel.Debug, Message = "Pipeline {Pipeline}: step {Step}'s output was cached by another run at the same time (key {Key}); theirs is kept")]
    public static partial void CacheRace(this ILogger logger, string pipeline, string step, string key);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Warning, Message = "Pipeline {Pipeline}: step {Step} reuses the output of run {RunId}, but what that run logged could not be copied (the output is reused all the same)")]
    public static partial void CopyFailed(this ILogger logger, Exception exception, string pipeline, string step, string runId);
}
