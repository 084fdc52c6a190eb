using System.Text.Json.Serialization;
using MlOps.Sdk.Records;

namespace MlOps.Sdk.Models;

/// <summary><c>models/{name}/versions/{n}.json</c>: one registered version, created if absent (the commit point).</summary>
internal sealed class ModelVersionRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public required string Name { get; set; }

    public int Version { get; set; }

    /// <summary>Unique per registration: a retried create that finds this record knows it is its own.</summary>
    public string? RegistrationId { get; set; }

    /// <summary>Set when the version was deleted: the record stays, so its number is never used again.</summary>
    public DateTimeOffset? DeletedAt { get; set; }

    public string? DeletedBy { get; set; }

    /// <summary>The SHA-256 of the saved model (ML.NET's zip), in the content store.</summary>
    public required string Sha256 { get; set; }

    public long Size { get; set; }

    public string Flavor { get; set; } = ModelFlavors.MlNet;

    public List<ModelColumnRecord> InputSchema { get; set; } = [];

    public List<ModelColumnRecord> OutputSchema { get; set; } = [];

    /// <summary>An example input, as JSON.</summary>
    public string? InputExample { get; set; }

    public string? SourceRunId { get; set; }

    public string? SourceExperiment { get; set; }

    public string? GitCommit { get; set; }

    public List<ModelDatasetRecord> Datasets { get; set; } = [];

    public Dictionary<string, double> Metrics { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Parameters { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);

    public string? Description { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string? Environment { get; set; }

    public DateTimeOffset? ArchivedAt { get; set; }

    public ModelOriginRecord? Origin { get; set; }

    /// <summary>The version this one continued training from (<c>models:/name/3</c>), if any; absent in older records.</summary>
    public string? Parent { get; set; }
}

internal sealed class ModelColumnRecord
{
    public required string Name { get; set; }

    public required string Type { get; set; }
}

internal sealed class ModelDatasetRecord
{
    public required string Uri { get; set; }

    public string? Context { get; set; }

    public string? Identity { get; set; }
}

/// <summary>Where a promoted version came from.</summary>
internal sealed class ModelOriginRecord
{
    public required string Store { get; set; }

    public string? Environment { get; set; }

    public required string Name { get; set; }

    public int Version { get; set; }

    public string? PromotedBy { get; set; }

    public DateTimeOffset PromotedAt { get; set; }

    public string? Reason { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    PreferredObjectCreationHandling = JsonObjectCreationHandling.Populate,
    WriteIndented = false)]
[JsonSerializable(typeof(ModelVersionRecord))]
internal sealed partial class ModelJsonContext : JsonSerializerContext;
