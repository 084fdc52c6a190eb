using System.Globalization;

namespace MlOps.Sdk.Tracking;

/// <summary>Where tracking keeps things in the store.</summary>
/// <remarks>
/// <code>
/// experiments/{experiment}.json                      the experiment
/// runs/{runId}/run.json                              the run: status, params, tags, metric summaries, artifacts, lineage
/// runs/{runId}/metrics/{writer}-{sequence}.csv       metric points, one segment per flush: name,step,timestamp_ms,value
/// heartbeats/{runId}                                 rewritten while the run runs; its last-modified time is the heartbeat
/// index/runs/{experiment}/snapshot.jsonl             summaries of the experiment's runs, compacted: a header line, then a run per line
/// index/runs/{experiment}/pending/{runId}-{rev}.json summaries written since the last compaction
/// </code>
/// </remarks>
internal static class TrackingKeys
{
    public const string ExperimentsPrefix = "experiments/";
    public const string HeartbeatsPrefix = "heartbeats/";

    public static string Experiment(string name) => $"experiments/{name}.json";

    public static string Run(string runId) => $"runs/{runId}/run.json";

    public static string MetricsPrefix(string runId) => $"runs/{runId}/metrics/";

    public static string MetricSegment(string runId, string writer, long sequence)
        => string.Create(CultureInfo.InvariantCulture, $"runs/{runId}/metrics/{writer}-{sequence:D8}.csv");

    public static string Heartbeat(string runId) => HeartbeatsPrefix + runId;

    public static string IndexSnapshot(string experiment) => $"index/runs/{experiment}/snapshot.jsonl";

    public static string IndexPendingPrefix(string experiment) => $"index/runs/{experiment}/pending/";

    public static string IndexPending(string experiment, string runId, long revision)
        => string.Create(CultureInfo.InvariantCulture, $"index/runs/{experiment}/pending/{runId}-{revision:D10}.json");
}
