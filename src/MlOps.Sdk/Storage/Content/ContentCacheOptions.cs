using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Storage;

/// <summary>The local read-through cache that keeps content read from a remote store on this machine's disk.</summary>
public sealed class ContentCacheOptions
{
    /// <summary>The default size limit: 10 GiB.</summary>
    public const long DefaultMaxSizeBytes = 10L * 1024 * 1024 * 1024;

    /// <summary>Gets or sets a value indicating whether content is cached locally.</summary>
    /// <value>
    /// Default <see langword="null"/>: cached when the store is remote (<see cref="ObjectStore.IsRemote"/>), not when
    /// it is on a local disk or in memory already.
    /// </value>
    public bool? Enabled { get; set; }

    /// <summary>Gets or sets the cache's folder, which any number of processes may share.</summary>
    /// <value>Default <see langword="null"/>: <c>MlOps.Sdk/content-cache</c> under the user's local application data folder.</value>
    public string? Path { get; set; }

    /// <summary>Gets or sets the size the cache is kept under; the least recently used content is evicted first.</summary>
    /// <value>Default 10 GiB; at least 1 MiB.</value>
    [Range(1024L * 1024, long.MaxValue, ErrorMessage = "The cache size limit must be at least 1 MiB (1048576 bytes).")]
    public long MaxSizeBytes { get; set; } = DefaultMaxSizeBytes;

    internal string ResolvePath()
        => Path is { Length: > 0 } path
            ? System.IO.Path.GetFullPath(path)
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "MlOps.Sdk", "content-cache");
}
