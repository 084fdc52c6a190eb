using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Storage;

/// <summary>How a <see cref="FileSystemObjectStore"/> behaves.</summary>
public sealed class FileSystemObjectStoreOptions
{
    /// <summary>Gets or sets a value indicating whether every write is flushed to the disk before it becomes visible.</summary>
    /// <value>
    /// Default <see langword="false"/>: a write survives the crash of any process (its bytes are in the operating system's
    /// cache before the rename that publishes it), but not necessarily a power loss or an operating-system crash. Set
    /// <see langword="true"/> to flush each file's content to the disk before the rename, so a published object never
    /// has lost content after a power loss; the rename itself is not flushed (the folder is not synced), so the newest
    /// writes may be missing afterwards, as if they had not happened. Costs a disk flush per write.
    /// </value>
    public bool FlushToDisk { get; set; }

    /// <summary>Gets or sets how long a writer waits for the per-key lock another writer holds before giving up.</summary>
    /// <value>Default 30 seconds; between 1 millisecond and 1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how old a temporary file left by a crashed writer must be before the store deletes it when opened.</summary>
    /// <value>Default 1 day; between 1 minute and 365 days.</value>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan AbandonedTemporaryFileAge { get; set; } = TimeSpan.FromDays(1);
}
