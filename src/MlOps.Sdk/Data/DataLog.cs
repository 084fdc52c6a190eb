using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Data;

/// <summary>The dataset feature's log messages (event ids 3000-3099), source-generated.</summary>
internal static partial class DataLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Registered dataset version datasets:/{Name}/{Version} ({Files} files, {Bytes} bytes, identity {Identity})")]
    public static partial void VersionRegistered(this ILogger logger, string name, int version, int files, long bytes, string identity);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Took over the unfinished registration of dataset {Name} content {Identity}, claimed by {ClaimedBy} at {ClaimedAt}")]
    public static partial void RegistrationTakenOver(this ILogger logger, string name, string identity, string claimedBy, DateTimeOffset claimedAt);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "The claim {Key} was taken over while version {Version} was being registered; the same content may now have two versions")]
    public static partial void ClaimLost(this ILogger logger, string key, int version);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "Hashed {Files} files of {Root}: {Read} read, {Cached} answered by the hash cache")]
    public static partial void FilesHashed(this ILogger logger, string root, int files, int read, int cached);
}
