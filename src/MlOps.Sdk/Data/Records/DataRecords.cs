using System.Text.Json.Serialization;
using MlOps.Sdk.Records;

namespace MlOps.Sdk.Data;

/// <summary><c>datasets/{name}/versions/{n}.json</c>: one immutable version, created if absent (the commit point).</summary>
internal sealed class DatasetVersionRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public required string Name { get; set; }

    public int Version { get; set; }

    /// <summary>The SHA-256 of the canonical manifest (or of the external reference): what makes two versions the same.</summary>
    public required string Identity { get; set; }

    /// <summary>Unique per registration: a retried create that finds this record knows it is its own.</summary>
    public string? RegistrationId { get; set; }

    public DatasetKind Kind { get; set; }

    public DatasetFormat Format { get; set; }

    public string? Source { get; set; }

    public string? Description { get; set; }

    public Dictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string? Environment { get; set; }

    public int FileCount { get; set; }

    public long Bytes { get; set; }

    public long? RowCount { get; set; }

    /// <summary>The files, when there are at most <see cref="DatasetCatalog.InlineManifestLimit"/>; otherwise in <see cref="Manifest"/>.</summary>
    public List<DatasetFileRecord>? Files { get; set; }

    /// <summary>The SHA-256 of a <see cref="DatasetManifestRecord"/> in the content store, for many files.</summary>
    public string? Manifest { get; set; }

    public DelimitedTextRecord? Text { get; set; }

    public List<DatasetColumnRecord>? Schema { get; set; }

    public DatasetProfileRecord? Profile { get; set; }

    public ExternalSourceRecord? External { get; set; }

    public DatasetProducerRecord? ProducedBy { get; set; }
}

/// <summary>A file of a version: where it is in the dataset, its hash and size, and where its bytes are stored.</summary>
internal sealed class DatasetFileRecord
{
    public required string Path { get; set; }

    public required string Sha256 { get; set; }

    public long Size { get; set; }

    /// <summary>The pack that holds the bytes (small files), or <see langword="null"/> for a content object of its own.</summary>
    public string? Pack { get; set; }

    public long Offset { get; set; }
}

/// <summary>The manifest of a version with many files, stored as content.</summary>
internal sealed class DatasetManifestRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public List<DatasetFileRecord> Files { get; set; } = [];
}

internal sealed class DelimitedTextRecord
{
    public string Separator { get; set; } = ",";

    public bool HasHeader { get; set; } = true;

    public bool AllowQuoting { get; set; } = true;
}

internal sealed class DatasetColumnRecord
{
    public required string Name { get; set; }

    public required string Type { get; set; }
}

internal sealed class DatasetProfileRecord
{
    public long RowCount { get; set; }

    public List<ColumnProfileRecord> Columns { get; set; } = [];
}

internal sealed class ColumnProfileRecord
{
    public required string Name { get; set; }

    public required string Type { get; set; }

    public long Count { get; set; }

    public long Missing { get; set; }

    public NumericProfileRecord? Numeric { get; set; }

    public CategoricalProfileRecord? Categorical { get; set; }
}

internal sealed class NumericProfileRecord
{
    public double Mean { get; set; }

    public double StandardDeviation { get; set; }

    public double Min { get; set; }

    public double Max { get; set; }

    /// <summary>Quantile → value, for the probabilities in <see cref="DatasetProfiler.Quantiles"/>.</summary>
    public Dictionary<string, double> Quantiles { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Equal-width bins from <see cref="Min"/> to <see cref="Max"/>: <c>BinEdges</c> has one more entry than <c>BinCounts</c>.</summary>
    public List<double> BinEdges { get; set; } = [];

    public List<long> BinCounts { get; set; } = [];

    /// <summary>The size of the uniform sample quantiles and the histogram come from, when the column had more values; else <see langword="null"/> (exact).</summary>
    public int? Sampled { get; set; }
}

internal sealed class CategoricalProfileRecord
{
    public long Cardinality { get; set; }

    /// <summary>Whether <see cref="Cardinality"/> stopped counting at the profiler's limit.</summary>
    public bool CardinalityCapped { get; set; }

    public List<ValueCountRecord> Top { get; set; } = [];
}

internal sealed class ValueCountRecord
{
    public required string Value { get; set; }

    public long Count { get; set; }
}

internal sealed class ExternalSourceRecord
{
    public required string Uri { get; set; }

    public string? ETag { get; set; }

    public long? Size { get; set; }
}

internal sealed class DatasetProducerRecord
{
    public required string RunId { get; set; }

    public required string Experiment { get; set; }

    public string? GitCommit { get; set; }

    public bool? GitDirty { get; set; }

    public Dictionary<string, string> Parameters { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// <c>datasets/{name}/identities/{identity}.json</c>: which version holds this content. Created if absent before a
/// version number is taken, so concurrent registrations of the same content agree on one version.
/// </summary>
internal sealed class DatasetClaimRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public required string Identity { get; set; }

    public int? Version { get; set; }

    public required string ClaimedBy { get; set; }

    public DateTimeOffset ClaimedAt { get; set; }
}

/// <summary><c>datasets/{name}/usage/{n}/{runId}.json</c>: a run that used version n, and as what.</summary>
internal sealed class DatasetUsageRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public required string RunId { get; set; }

    public required string Experiment { get; set; }

    public List<string> Contexts { get; set; } = [];

    public DateTimeOffset At { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    PreferredObjectCreationHandling = JsonObjectCreationHandling.Populate,
    WriteIndented = false)]
[JsonSerializable(typeof(DatasetVersionRecord))]
[JsonSerializable(typeof(DatasetManifestRecord))]
[JsonSerializable(typeof(DatasetClaimRecord))]
[JsonSerializable(typeof(DatasetUsageRecord))]
internal sealed partial class DataJsonContext : JsonSerializerContext;
