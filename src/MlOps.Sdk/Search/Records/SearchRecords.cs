using System.Text.Json.Serialization;
using MlOps.Sdk.Records;

namespace MlOps.Sdk.Search;

/// <summary><c>studies/{study}/study.json</c>: created if absent; what every worker of the study agrees on.</summary>
internal sealed class StudyRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public required string Name { get; set; }

    public StudyDirection Direction { get; set; }

    public required string Experiment { get; set; }

    /// <summary>The study's run: the parent of every trial's run.</summary>
    public required string RunId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string? CreatedBy { get; set; }

    /// <summary>Set by the worker that started the study's run after its creator died before starting it.</summary>
    public string? RecoveredBy { get; set; }
}

/// <summary><c>studies/{study}/trials/{number}.json</c>: one trial.</summary>
internal sealed class TrialRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public int Number { get; set; }

    /// <summary>Bumped by every compare-and-swap: a reader keeps the highest it saw.</summary>
    public long Revision { get; set; }

    public TrialState State { get; set; }

    /// <summary>Parameters chosen so far, in the order they were suggested.</summary>
    public List<TrialParameterRecord> Parameters { get; set; } = [];

    /// <summary>Fixed parameters of an enqueued trial, as text, which its suggestions must take.</summary>
    public Dictionary<string, string>? Enqueued { get; set; }

    public double? Value { get; set; }

    /// <summary>Reported values by step (as text keys, JSON's rule).</summary>
    public SortedDictionary<long, double> Intermediate { get; set; } = [];

    public string? RunId { get; set; }

    public List<string> StaleRunIds { get; set; } = [];

    public string? Worker { get; set; }

    public DateTimeOffset? StartTime { get; set; }

    public DateTimeOffset? EndTime { get; set; }

    public string? FailureReason { get; set; }

    public TrialRecord Clone() => new()
    {
        SchemaVersion = SchemaVersion,
        Number = Number,
        Revision = Revision,
        State = State,
        Parameters = [.. Parameters],
        Enqueued = Enqueued is null ? null : new(Enqueued, StringComparer.Ordinal),
        Value = Value,
        Intermediate = new(Intermediate),
        RunId = RunId,
        StaleRunIds = [.. StaleRunIds],
        Worker = Worker,
        StartTime = StartTime,
        EndTime = EndTime,
        FailureReason = FailureReason,
    };
}

/// <summary>A parameter of a trial: its distribution and internal value.</summary>
internal sealed record TrialParameterRecord
{
    public required string Name { get; init; }

    public required DistributionRecord Distribution { get; init; }

    public double Value { get; init; }
}

/// <summary>A distribution as stored: <c>float</c>, <c>int</c> or <c>categorical</c>.</summary>
internal sealed record DistributionRecord
{
    public required string Kind { get; init; }

    public double Low { get; init; }

    public double High { get; init; }

    public bool Log { get; init; }

    public double? Step { get; init; }

    public List<string>? Choices { get; init; }

    public static DistributionRecord From(ParameterDistribution distribution) => distribution switch
    {
        FloatDistribution f => new DistributionRecord { Kind = "float", Low = f.Low, High = f.High, Log = f.Log, Step = f.Step },
        IntDistribution i => new DistributionRecord { Kind = "int", Low = i.Low, High = i.High, Log = i.Log, Step = i.Step },
        CategoricalDistribution c => new DistributionRecord { Kind = "categorical", Choices = [.. c.Choices] },
        _ => throw new NotSupportedException($"The distribution {distribution.GetType().Name} cannot be stored."),
    };

    public ParameterDistribution ToDistribution(string key) => Kind switch
    {
        "float" => new FloatDistribution(Low, High, Log, Step),
        "int" => new IntDistribution(checked((int)Low), checked((int)High), Log, checked((int)(Step ?? 1))),
        "categorical" => new CategoricalDistribution(Choices ?? throw new RecordFormatException(key, "has a categorical distribution without choices")),
        _ => throw new RecordFormatException(key, $"has a distribution of unknown kind '{Kind}'"),
    };
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    PreferredObjectCreationHandling = JsonObjectCreationHandling.Populate,
    UseStringEnumConverter = true,
    WriteIndented = false)]
[JsonSerializable(typeof(StudyRecord))]
[JsonSerializable(typeof(TrialRecord))]
internal sealed partial class SearchJsonContext : JsonSerializerContext
{
}
