namespace MlOps.Sdk.Search;

/// <summary>Where a trial of a study stands.</summary>
public enum TrialState
{
    /// <summary>Enqueued with fixed parameters; the next worker to ask takes it.</summary>
    Waiting,

    /// <summary>A worker is evaluating it, and its run sends heartbeats.</summary>
    Running,

    /// <summary>Evaluated: it has a value.</summary>
    Complete,

    /// <summary>Stopped early by a pruner (or by the objective throwing <see cref="TrialPrunedException"/>).</summary>
    Pruned,

    /// <summary>The objective threw, or returned a value that is not a number.</summary>
    Failed,

    /// <summary>
    /// Its worker stopped sending heartbeats (killed, crashed, cut off) while it ran, judged by the store's clock. A stale
    /// trial is taken up again, under the same number, by the next worker that asks while
    /// <see cref="StudyOptions.StaleTrialRetries"/> allows.
    /// </summary>
    Stale,
}

/// <summary>Whether a study looks for the smallest or the largest value.</summary>
public enum StudyDirection
{
    /// <summary>Smaller is better (a loss, an error).</summary>
    Minimize,

    /// <summary>Larger is better (an accuracy, an AUC).</summary>
    Maximize,
}
