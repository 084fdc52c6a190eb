using System.Text.Json.Serialization;
using MlOps.Sdk.Records;

namespace MlOps.Sdk.Monitoring;

/// <summary><c>monitoring/alerts/{model}/{rule}.json</c>: the last alert of one rule of one model, for its cooldown.</summary>
internal sealed class AlertStateRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public required string Model { get; set; }

    public required string Rule { get; set; }

    public DateTimeOffset LastRaisedAt { get; set; }

    public required string LastMessage { get; set; }

    public long Raised { get; set; }

    public long Suppressed { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = false)]
[JsonSerializable(typeof(AlertStateRecord))]
internal sealed partial class MonitoringJsonContext : JsonSerializerContext
{
}

/// <summary>The last alert of one rule of one model.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Rule">The rule's name.</param>
/// <param name="LastRaisedAt">When it last raised an alert (not suppressed).</param>
/// <param name="LastMessage">That alert's message.</param>
/// <param name="Raised">How many alerts it raised.</param>
/// <param name="Suppressed">How many it suppressed within a cooldown.</param>
public sealed record AlertState(string Model, string Rule, DateTimeOffset LastRaisedAt, string LastMessage, long Raised, long Suppressed);
