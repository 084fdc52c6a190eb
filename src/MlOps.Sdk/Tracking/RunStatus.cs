namespace MlOps.Sdk.Tracking;

/// <summary>Where a run is in its life.</summary>
public enum RunStatus
{
    /// <summary>Started and not ended; its process sends heartbeats.</summary>
    Running = 0,

    /// <summary>Ended normally: <see cref="Run.CompleteAsync"/>, or disposed without an exception.</summary>
    Finished = 1,

    /// <summary>Ended by an exception, whose type, message and stack trace are recorded.</summary>
    Failed = 2,

    /// <summary>Ended by cancellation (<see cref="Run.KillAsync"/>, or an <see cref="OperationCanceledException"/>).</summary>
    Killed = 3,

    /// <summary>
    /// Its process stopped sending heartbeats without ending it (killed, out of memory, machine lost): derived when a
    /// Running run's last heartbeat is older than <see cref="TrackingOptions.CrashGracePeriod"/> by the store's clock.
    /// </summary>
    Crashed = 4,
}
