using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Storage;

/// <summary>Log messages of the storage layer (event ids 1000-1199), generated at compile time.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug, Message = "Opened the file-system store at {RootPath} (timestamp granularity {GranularityTicks} ticks)")]
    public static partial void FileSystemStoreOpened(this ILogger logger, string rootPath, long granularityTicks);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Deleted {Count} temporary files abandoned by crashed writers in {RootPath}")]
    public static partial void AbandonedTemporaryFilesDeleted(this ILogger logger, int count, string rootPath);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Could not sweep the abandoned temporary files of {RootPath}")]
    public static partial void TemporaryFileSweepFailed(this ILogger logger, string rootPath, Exception exception);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Created the blob container {Container}")]
    public static partial void ContainerCreated(this ILogger logger, Uri container);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Debug, Message = "Could not check or create the blob container {Container} (status {Status}); assuming it exists, as a read-only credential cannot create it")]
    public static partial void ContainerCreationSkipped(this ILogger logger, Uri container, int status);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Debug, Message = "Write to {Key} lost a compare-and-swap race; retry {Attempt} after {Delay}")]
    public static partial void ConflictRetry(this ILogger logger, string key, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Debug, Message = "Stored content {Hash} ({Length} bytes)")]
    public static partial void ContentUploaded(this ILogger logger, ContentHash hash, long length);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Content {Hash} ({Length} bytes) is already stored; nothing uploaded")]
    public static partial void ContentAlreadyStored(this ILogger logger, ContentHash hash, long length);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Content {Hash} read from {Location} is corrupt (its bytes hash to {Actual}); it was not used")]
    public static partial void ContentCorrupt(this ILogger logger, ContentHash hash, ContentHash actual, string location);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "The stored copy of content {Hash} is {StoredLength} bytes instead of {Length}; replacing it")]
    public static partial void ContentSizeMismatchRepaired(this ILogger logger, ContentHash hash, long storedLength, long length);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "Evicted {Count} files ({Bytes} bytes) from the content cache at {Root}")]
    public static partial void CacheEvicted(this ILogger logger, int count, long bytes, string root);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Warning, Message = "The content cache at {Root} cannot be used; reading from the store directly")]
    public static partial void CacheUnavailable(this ILogger logger, string root, Exception exception);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Warning, Message = "Could not update the size ledger of the content cache at {Root}; the next addition re-measures it")]
    public static partial void CacheLedgerFailed(this ILogger logger, string root, Exception exception);
}
