using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Models;

/// <summary>The model registry's log messages (event ids 3100-3199), source-generated.</summary>
internal static partial class ModelLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Registered model version models:/{Name}/{Version} (sha256 {Sha256})")]
    public static partial void ModelRegistered(this ILogger logger, string name, int version, string sha256);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Moved alias {Name}@{Alias} from {From} to {To}: {Reason}")]
    public static partial void AliasMoved(this ILogger logger, string name, string alias, int? from, int? to, string? reason);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Promoted {Source} from {SourceStore} to models:/{Name}/{Version} in {TargetStore}: {Reason}")]
    public static partial void ModelPromoted(this ILogger logger, string source, Uri sourceStore, string name, int version, Uri targetStore, string reason);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Scored {Dataset} with {Model} into {Output} ({Rows} rows, new version: {Created}) in run {RunId}")]
    public static partial void DatasetScored(this ILogger logger, string dataset, string model, string output, long rows, bool created, string runId);
}
