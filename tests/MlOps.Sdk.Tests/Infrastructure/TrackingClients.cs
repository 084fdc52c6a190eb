using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Infrastructure;

/// <summary>Clients for tracking tests: fast heartbeats, a short crash grace period, quick flushes.</summary>
public static class TrackingClients
{
    public static MlOpsClient Create(ObjectStore store, Action<TrackingOptions>? configure = null)
        => Create(store, options => configure?.Invoke(options.Tracking));

    public static MlOpsClient Create(ObjectStore store, Action<MlOpsOptions> configure)
    {
        var options = new MlOpsOptions { Environment = "test" };
        options.ContentCache.Enabled = false;
        Fast(options.Tracking);
        configure(options);
        return new MlOpsClient(store, options);
    }

    /// <summary>Heartbeat every 200 ms, crashed after 2 s without one, flush every 100 ms.</summary>
    public static void Fast(TrackingOptions tracking)
    {
        tracking.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
        tracking.CrashGracePeriod = TimeSpan.FromSeconds(2);
        tracking.FlushInterval = TimeSpan.FromMilliseconds(100);
    }
}
