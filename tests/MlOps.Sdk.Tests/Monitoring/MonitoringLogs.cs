using System.Text.Json;
using MlOps.Sdk.Serving;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>Synthetic prediction log rows for monitoring tests: ids are version-7 GUIDs carrying the row's time, as served predictors make them.</summary>
public static class MonitoringLogs
{
    public static PredictionLogRow Row(DateTimeOffset at, string model, int version, object input, object output, string arm = "main", string? routingKey = null, double latencyMs = 1.5)
        => new()
        {
            Id = Guid.CreateVersion7(at).ToString("N"),
            Timestamp = at.UtcDateTime,
            Model = model,
            Version = version,
            Arm = arm,
            RoutingKey = routingKey,
            Input = JsonSerializer.Serialize(input),
            Output = JsonSerializer.Serialize(output),
            LatencyMs = latencyMs,
        };

    public static Guid IdOf(PredictionLogRow row) => Guid.ParseExact(row.Id, "N");
}
