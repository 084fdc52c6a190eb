using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Data;

/// <summary>How datasets are registered and loaded: the hash cache, packing of small files, parallelism (the <c>MlOps:Datasets</c> section).</summary>
public sealed class DatasetOptions
{
    /// <summary>The default size under which a file travels in a pack with others: 1 MiB.</summary>
    public const int DefaultPackThresholdBytes = 1024 * 1024;

    /// <summary>
    /// Gets or sets a value indicating whether the hashes of local files are remembered by their size, modification and
    /// change times and inode, so registering unchanged data again does not read it.
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool HashCacheEnabled { get; set; } = true;

    /// <summary>Gets or sets the folder of the hash cache (one small file per registered folder or file), shared by the machine's processes.</summary>
    /// <value>Default <see langword="null"/>: <c>MlOps.Sdk/hash-cache</c> under the user's local application data folder.</value>
    public string? HashCachePath { get; set; }

    /// <summary>Gets or sets the folder where dataset versions are materialized for loading (verified once, reused while unchanged).</summary>
    /// <value>Default <see langword="null"/>: <c>MlOps.Sdk/datasets</c> under the user's local application data folder.</value>
    public string? MaterializePath { get; set; }

    /// <summary>
    /// Gets or sets the size under which a file of a folder dataset is stored in a pack (one object holding many small
    /// files) rather than as an object of its own: ten thousand small files become a few objects, not ten thousand.
    /// </summary>
    /// <value>Default 1 MiB; 0 stores every file as its own object.</value>
    [Range(0, 64 * 1024 * 1024)]
    public int PackThresholdBytes { get; set; } = DefaultPackThresholdBytes;

    /// <summary>Gets or sets the size a pack grows to before another is started; packs are written in parallel.</summary>
    /// <value>Default 64 MiB; between 1 MiB and 1 GiB.</value>
    [Range(1024 * 1024, 1024 * 1024 * 1024)]
    public int MaxPackBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Gets or sets how many files are hashed and stored at once.</summary>
    /// <value>Default <see langword="null"/>: twice the number of processors; between 1 and 256.</value>
    [Range(1, 256)]
    public int? MaxParallelism { get; set; }

    /// <summary>
    /// Gets or sets how long, by the store's clock, another process's registration of the same content may stay
    /// unfinished before it is taken for crashed and this one takes over.
    /// </summary>
    /// <value>Default 1 minute; between 1 second and 1 day.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RegistrationTimeout { get; set; } = TimeSpan.FromMinutes(1);

    internal int Parallelism => MaxParallelism ?? Math.Max(2, Environment.ProcessorCount * 2);

    internal string ResolveHashCachePath() => Resolve(HashCachePath, "hash-cache");

    internal string ResolveMaterializePath() => Resolve(MaterializePath, "datasets");

    private static string Resolve(string? path, string folder)
        => path is { Length: > 0 }
            ? Path.GetFullPath(path)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "MlOps.Sdk", folder);
}
