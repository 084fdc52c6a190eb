using System.Text.Json.Serialization;
using MlOps.Sdk.Records;

namespace MlOps.Sdk.Tracking;

/// <summary><c>experiments/{name}.json</c>.</summary>
internal sealed class ExperimentRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public required string Name { get; set; }

    public string? Description { get; set; }

    public Dictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? DeletedAt { get; set; }

    public string? DeletedBy { get; set; }
}

/// <summary><c>runs/{id}/run.json</c>: the authoritative state of a run, changed by compare-and-swap.</summary>
internal sealed class RunRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public required string Id { get; set; }

    public required string Experiment { get; set; }

    public string? Name { get; set; }

    public string? Description { get; set; }

    public string? ParentRunId { get; set; }

    public RunStatus Status { get; set; }

    public DateTimeOffset StartTime { get; set; }

    public DateTimeOffset? EndTime { get; set; }

    /// <summary>Increases with every change; the index keeps the highest it has seen of each run.</summary>
    public long Revision { get; set; }

    public RunSourceRecord? Source { get; set; }

    public Dictionary<string, string> Parameters { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, MetricSummaryRecord> Metrics { get; set; } = new(StringComparer.Ordinal);

    public RunFailureRecord? Failure { get; set; }

    public List<ArtifactRecord> Artifacts { get; set; } = [];

    public List<RunLinkRecord> Inputs { get; set; } = [];

    public List<RunLinkRecord> Outputs { get; set; } = [];

    /// <summary>For each writer (a run handle in some process), the number of its last change applied: a retried change is applied once.</summary>
    public Dictionary<string, long> Writers { get; set; } = new(StringComparer.Ordinal);

    public RunRecord Clone() => RecordCopy.Of(this, TrackingJsonContext.Default.RunRecord);
}

internal sealed class RunSourceRecord
{
    public string? User { get; set; }

    public string? Machine { get; set; }

    public string? EntryAssembly { get; set; }

    public string? EntryAssemblyVersion { get; set; }

    public string? CommandLine { get; set; }

    public string? DotNetVersion { get; set; }

    public string? MlNetVersion { get; set; }

    public string? OperatingSystem { get; set; }

    public int ProcessId { get; set; }

    public string? Environment { get; set; }

    public string? GitCommit { get; set; }

    public string? GitBranch { get; set; }

    public string? GitRemote { get; set; }

    public bool? GitDirty { get; set; }
}

internal sealed class MetricSummaryRecord
{
    public double Last { get; set; }

    public long LastStep { get; set; }

    public DateTimeOffset LastTimestamp { get; set; }

    public double? Min { get; set; }

    public double? Max { get; set; }

    public long Count { get; set; }
}

internal sealed class RunFailureRecord
{
    public required string Type { get; set; }

    public required string Message { get; set; }

    public string? StackTrace { get; set; }
}

internal sealed class ArtifactRecord
{
    public required string Path { get; set; }

    public required string Sha256 { get; set; }

    public long Size { get; set; }
}

/// <summary>An input or output of a run: a dataset or model version, by URI and content hash.</summary>
internal sealed class RunLinkRecord
{
    public required string Uri { get; set; }

    public string? Context { get; set; }

    public string? Sha256 { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    PreferredObjectCreationHandling = JsonObjectCreationHandling.Populate,
    WriteIndented = false)]
[JsonSerializable(typeof(ExperimentRecord))]
[JsonSerializable(typeof(RunRecord))]
internal sealed partial class TrackingJsonContext : JsonSerializerContext;
