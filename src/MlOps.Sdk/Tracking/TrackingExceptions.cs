namespace MlOps.Sdk.Tracking;

/// <summary>No run has the requested id.</summary>
public class RunNotFoundException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="runId">The id that names no run.</param>
    public RunNotFoundException(string runId)
        : base($"No run has the id '{runId}'.")
    {
        RunId = runId;
    }

    /// <summary>Gets the id that names no run.</summary>
    public string RunId { get; }
}

/// <summary>No experiment has the requested name (or it is deleted, for an operation that needs a live one).</summary>
public class ExperimentNotFoundException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="experiment">The name that names no experiment.</param>
    /// <param name="deleted">Whether the experiment exists but is deleted.</param>
    public ExperimentNotFoundException(string experiment, bool deleted = false)
        : base(deleted
            ? $"The experiment '{experiment}' is deleted; restore it with client.Experiments.RestoreAsync(\"{experiment}\") to use it again."
            : $"No experiment is named '{experiment}'.")
    {
        Experiment = experiment;
        IsDeleted = deleted;
    }

    /// <summary>Gets the experiment's name.</summary>
    public string Experiment { get; }

    /// <summary>Gets a value indicating whether the experiment exists but is deleted.</summary>
    public bool IsDeleted { get; }
}

/// <summary>A parameter was logged again with a different value: parameters are set once per run.</summary>
/// <remarks>Logging the same value again is accepted. The value already recorded is kept.</remarks>
public class ParameterConflictException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="name">The parameter.</param>
    /// <param name="recorded">The value already recorded.</param>
    /// <param name="attempted">The different value that was refused.</param>
    public ParameterConflictException(string runId, string name, string recorded, string attempted)
        : base($"Parameter '{name}' of run '{runId}' is already '{recorded}'; it cannot change to '{attempted}'. Parameters are set once; use a tag or a metric for values that change.")
    {
        RunId = runId;
        Name = name;
        RecordedValue = recorded;
        AttemptedValue = attempted;
    }

    /// <summary>Gets the run.</summary>
    public string RunId { get; }

    /// <summary>Gets the parameter's name.</summary>
    public string Name { get; }

    /// <summary>Gets the value already recorded, which was kept.</summary>
    public string RecordedValue { get; }

    /// <summary>Gets the value that was refused.</summary>
    public string AttemptedValue { get; }
}

/// <summary>Something was logged to a run that has ended: a finished run's record is final.</summary>
public class RunNotActiveException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="status">Its status.</param>
    /// <param name="operation">What was attempted.</param>
    public RunNotActiveException(string runId, RunStatus status, string operation)
        : base($"Run '{runId}' is {status}; {operation} is refused because an ended run's record is final. Tags can still be changed with client.Runs.SetTagAsync.")
    {
        RunId = runId;
        Status = status;
    }

    /// <summary>Gets the run.</summary>
    public string RunId { get; }

    /// <summary>Gets its status.</summary>
    public RunStatus Status { get; }
}
