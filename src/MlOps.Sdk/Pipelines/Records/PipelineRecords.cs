using System.Text.Json.Serialization;
using MlOps.Sdk.Records;

namespace MlOps.Sdk.Pipelines;

/// <summary><c>pipelines/cache/{key}.json</c>: a step's output for one cache key, created if absent (the commit point, after the content).</summary>
internal sealed class StepCacheRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public required string Key { get; set; }

    public required string Step { get; set; }

    public required string Pipeline { get; set; }

    /// <summary><c>dataview</c>, <c>model</c> or <c>json</c>.</summary>
    public required string Format { get; set; }

    public required string OutputType { get; set; }

    public required string Sha256 { get; set; }

    public long Size { get; set; }

    /// <summary>The step's run that produced it.</summary>
    public required string RunId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string? CodeFingerprint { get; set; }

    public string? Parameters { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(StepCacheRecord))]
internal sealed partial class PipelineJsonContext : JsonSerializerContext
{
}
