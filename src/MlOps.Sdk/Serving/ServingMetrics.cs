using System.Diagnostics.Metrics;

namespace MlOps.Sdk.Serving;

/// <summary>
/// The serving meter, <c>MlOps.Sdk.Serving</c> (System.Diagnostics.Metrics: OpenTelemetry and dotnet-counters read it
/// with no dependency of ours): predictions, errors, latency, reloads, tagged by model, version and arm.
/// </summary>
public static class ServingMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "MlOps.Sdk.Serving";

    internal static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> Predictions = Meter.CreateCounter<long>("mlops.predictions", description: "Predictions made");

    internal static readonly Counter<long> Errors = Meter.CreateCounter<long>("mlops.prediction.errors", description: "Predictions that threw");

    internal static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("mlops.prediction.duration", unit: "ms", description: "Time to predict one item");

    internal static readonly Counter<long> Reloads = Meter.CreateCounter<long>("mlops.model.reloads", description: "Model versions swapped in");

    internal static readonly Counter<long> LogDropped = Meter.CreateCounter<long>("mlops.prediction_log.dropped", description: "Predictions not logged because the log queue was full");

    internal static readonly Counter<long> LogFailed = Meter.CreateCounter<long>("mlops.prediction_log.failed", description: "Logged predictions lost because they could not be written");

    internal static readonly Counter<long> RefreshFailures = Meter.CreateCounter<long>("mlops.model.refresh_failures", description: "Failed looks at the store for a new version");
}
