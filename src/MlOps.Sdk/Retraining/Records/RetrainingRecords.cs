using System.Text.Json.Serialization;
using MlOps.Sdk.Records;

namespace MlOps.Sdk.Retraining;

/// <summary>
/// <c>retraining/{model}/claims/{trigger}.json</c>: who handles one occurrence of a trigger (a dataset version, a schedule
/// slot, a request), created if absent so that of several retrainers exactly one does; taken over by compare-and-swap
/// when the attempt's run crashed.
/// </summary>
internal sealed class RetrainingClaimRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public required string Trigger { get; set; }

    public required string Kind { get; set; }

    public string? RunId { get; set; }

    public required string ClaimedBy { get; set; }

    /// <summary>A random token of the claiming attempt: later updates are made only by the attempt that holds it.</summary>
    public string? Token { get; set; }

    public DateTimeOffset ClaimedAt { get; set; }

    /// <summary>The attempt's outcome once it is known; <see langword="null"/> while it runs.</summary>
    public string? Outcome { get; set; }
}

/// <summary><c>retraining/{model}/requests/{id}.json</c>: a request to retrain (a manual call, a monitoring alert), handled once.</summary>
internal sealed class RetrainingRequestRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public required string Id { get; set; }

    public required string Kind { get; set; }

    public required string Reason { get; set; }

    public required string RequestedBy { get; set; }

    public DateTimeOffset RequestedAt { get; set; }
}

/// <summary><c>retraining/{model}/approvals/{version}.json</c>: a challenger that waits for a person; its state changes by compare-and-swap.</summary>
internal sealed class ApprovalRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public required string Model { get; set; }

    public int Version { get; set; }

    /// <summary>The production version it was compared with; <see langword="null"/> when there was none.</summary>
    public int? Champion { get; set; }

    public required string Alias { get; set; }

    /// <summary>The attempt's run.</summary>
    public required string RunId { get; set; }

    public required string State { get; set; }

    public required string Summary { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public string? DecidedBy { get; set; }

    public DateTimeOffset? DecidedAt { get; set; }

    public string? Reason { get; set; }
}

/// <summary><c>retraining/{model}/rollout.json</c>: the rollout in progress (one per model) or the last one; changed by compare-and-swap.</summary>
internal sealed class RolloutRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public required string Model { get; set; }

    public int Challenger { get; set; }

    public int? Champion { get; set; }

    public required string Alias { get; set; }

    public required string ShadowAlias { get; set; }

    public required string ProductionAlias { get; set; }

    /// <summary><c>shadow</c> or <c>canary</c>.</summary>
    public required string Stage { get; set; }

    /// <summary>The canary step (-1 in the shadow stage).</summary>
    public int Step { get; set; }

    public double Weight { get; set; }

    /// <summary>The rollout's plan, fixed when it starts: every retrainer that advances it follows this, not its own policy.</summary>
    public List<double> Steps { get; set; } = [];

    public TimeSpan StepDuration { get; set; }

    public TimeSpan ShadowDuration { get; set; }

    /// <summary><c>active</c>, <c>promoting</c> (the last step held; production moves next), <c>promoted</c>, <c>rolled-back</c> or <c>superseded</c>.</summary>
    public required string State { get; set; }

    /// <summary>Whether an ended rollout was brought to rest (aliases cleared, the attempt's outcome recorded).</summary>
    public bool? Settled { get; set; }

    public DateTimeOffset StageStartedAt { get; set; }

    public required string RunId { get; set; }

    public string? Reason { get; set; }

    public DateTimeOffset? EndedAt { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(RetrainingClaimRecord))]
[JsonSerializable(typeof(RetrainingRequestRecord))]
[JsonSerializable(typeof(ApprovalRecord))]
[JsonSerializable(typeof(RolloutRecord))]
internal sealed partial class RetrainingJsonContext : JsonSerializerContext
{
}

/// <summary>Where retraining keeps its records.</summary>
internal static class RetrainingKeys
{
    public static string Claim(string model, string trigger) => $"retraining/{model}/claims/{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(trigger)))[..32]}.json";

    public static string Requests(string model) => $"retraining/{model}/requests/";

    public static string Request(string model, string id) => $"retraining/{model}/requests/{id}.json";

    public static string Approvals(string model) => $"retraining/{model}/approvals/";

    public static string Approval(string model, int version) => $"retraining/{model}/approvals/{version}.json";

    public static string Rollout(string model) => $"retraining/{model}/rollout.json";
}
