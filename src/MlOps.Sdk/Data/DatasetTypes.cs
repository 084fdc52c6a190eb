using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Data;

/// <summary>What a dataset version was registered from.</summary>
public enum DatasetKind
{
    /// <summary>One local file.</summary>
    File,

    /// <summary>A folder: a manifest of relative path → content hash.</summary>
    Directory,

    /// <summary>An in-memory ML.NET <c>IDataView</c>, saved in ML.NET's binary format with its schema.</summary>
    DataView,

    /// <summary>A reference to data kept elsewhere (URI, ETag, size), not copied.</summary>
    External,
}

/// <summary>How the files of a version are read as a table.</summary>
public enum DatasetFormat
{
    /// <summary>Opaque files (images, archives, ...): versioned and materialized, not loaded as a table.</summary>
    Files,

    /// <summary>Delimited text (CSV, TSV) with a recorded schema; loaded through ML.NET's <c>TextLoader</c>.</summary>
    DelimitedText,

    /// <summary>ML.NET's binary <c>IDataView</c> format (<c>.idv</c>), which carries its own schema.</summary>
    BinaryDataView,
}

/// <summary>A file of a dataset version.</summary>
/// <param name="Path">Its path inside the dataset, '/'-separated.</param>
/// <param name="Sha256">The SHA-256 of its bytes.</param>
/// <param name="Size">Its size in bytes.</param>
public sealed record DatasetFile(string Path, ContentHash Sha256, long Size);

/// <summary>A column of a tabular dataset.</summary>
/// <param name="Name">The column's name.</param>
/// <param name="Type">The ML.NET type it loads as (<c>Single</c>, <c>Double</c>, <c>Int32</c>, <c>Int64</c>, <c>Boolean</c>, <c>String</c>, ...).</param>
public sealed record DatasetColumn(string Name, string Type);

/// <summary>The run that produced a dataset version: which code with which parameters made it.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Experiment">The run's experiment.</param>
/// <param name="GitCommit">The commit the run's code was at, when known.</param>
/// <param name="GitDirty">Whether the working tree had uncommitted changes, when known.</param>
/// <param name="Parameters">The run's parameters when the version was registered.</param>
public sealed record DatasetProducer(string RunId, string Experiment, string? GitCommit, bool? GitDirty, IReadOnlyDictionary<string, string> Parameters);

/// <summary>A run that used a dataset version, and as what (<c>training</c>, <c>validation</c>, ...).</summary>
/// <param name="RunId">The run.</param>
/// <param name="Experiment">The run's experiment.</param>
/// <param name="Contexts">What the version was to the run.</param>
/// <param name="At">When it was first recorded.</param>
public sealed record DatasetUsage(string RunId, string Experiment, IReadOnlyList<string> Contexts, DateTimeOffset At);

/// <summary>One change of an alias: from which version to which, by whom, when and why.</summary>
/// <param name="From">The version before, or <see langword="null"/> when the alias was created.</param>
/// <param name="To">The version after, or <see langword="null"/> when the alias was deleted.</param>
/// <param name="By">Who changed it.</param>
/// <param name="At">When, by the writer's clock.</param>
/// <param name="Reason">Why, when given.</param>
public sealed record DatasetAliasChange(int? From, int? To, string By, DateTimeOffset At, string? Reason);

/// <summary>An external reference's identity: where the data is, and the version tag and size that pin it.</summary>
/// <param name="Uri">Where the data is (any scheme: https, abfss, s3, ...).</param>
/// <param name="ETag">The version tag the source reports, if any; part of the identity.</param>
/// <param name="Size">The size in bytes, if known; part of the identity.</param>
public sealed record ExternalDatasetSource(Uri Uri, string? ETag = null, long? Size = null);

/// <summary>What to record with a new dataset version, and how to read it as a table.</summary>
public sealed class RegisterDatasetOptions
{
    /// <summary>Gets or sets a description of the version.</summary>
    public string? Description { get; set; }

    /// <summary>Gets the version's tags.</summary>
    public IDictionary<string, string> Tags { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets the run that produced the data: its id, code version and parameters are recorded with the version,
    /// and the version is logged as the run's output.
    /// </summary>
    public Tracking.Run? ProducedBy { get; set; }

    /// <summary>Gets or sets how the files are read as a table.</summary>
    /// <value>Default <see langword="null"/>: delimited text for <c>.csv</c>/<c>.tsv</c> files, binary for <c>.idv</c>, otherwise opaque files.</value>
    public DatasetFormat? Format { get; set; }

    /// <summary>Gets or sets the separator of delimited text.</summary>
    /// <value>Default <see langword="null"/>: tab for <c>.tsv</c>, otherwise comma.</value>
    public char? Separator { get; set; }

    /// <summary>Gets or sets a value indicating whether delimited text starts with a header of column names.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool HasHeader { get; set; } = true;

    /// <summary>
    /// Gets or sets the columns of delimited text, in file order. Default <see langword="null"/>: names from the
    /// header, types inferred from every value (Boolean, then Single, else String).
    /// </summary>
    public IList<DatasetColumn>? Columns { get; set; }

    /// <summary>Gets or sets a value indicating whether a statistics profile of every column is computed for tabular data.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool ComputeProfile { get; set; } = true;
}
