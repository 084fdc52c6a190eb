namespace MlOps.Sdk.Search;

/// <summary>
/// Thrown by an objective to stop its trial early (when <see cref="Trial.ShouldPrune"/> says so, or on its own
/// judgement): the trial is recorded Pruned, not Failed.
/// </summary>
public class TrialPrunedException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    public TrialPrunedException()
        : base("The trial was pruned: stopped early because it was not promising.")
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">Why the trial was stopped.</param>
    public TrialPrunedException(string message)
        : base(message)
    {
    }
}

/// <summary>A parameter was suggested again in the same trial with a different distribution.</summary>
public class ParameterDistributionConflictException : ArgumentException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="trialNumber">The trial.</param>
    /// <param name="name">The parameter.</param>
    /// <param name="recorded">The distribution it was suggested with first.</param>
    /// <param name="requested">The different distribution it is suggested with now.</param>
    public ParameterDistributionConflictException(int trialNumber, string name, ParameterDistribution recorded, ParameterDistribution requested)
        : base($"Trial {trialNumber} already suggested the parameter '{name}' from {recorded}; suggesting it again from {requested} is refused. Use one distribution per parameter name, or another name.", nameof(name))
    {
        Name = name;
        Recorded = recorded;
        Requested = requested;
    }

    /// <summary>Gets the parameter's name.</summary>
    public string Name { get; }

    /// <summary>Gets the distribution the parameter was suggested with first.</summary>
    public ParameterDistribution Recorded { get; }

    /// <summary>Gets the distribution it was suggested with again.</summary>
    public ParameterDistribution Requested { get; }
}

/// <summary>No study has the requested name.</summary>
public class StudyNotFoundException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="study">The name that names no study.</param>
    public StudyNotFoundException(string study)
        : base($"No study is named '{study}'.")
    {
        Study = study;
    }

    /// <summary>Gets the name.</summary>
    public string Study { get; }
}

/// <summary>A study exists with settings other than those asked for (another direction).</summary>
public class StudyConflictException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="study">The study.</param>
    /// <param name="message">What differs.</param>
    public StudyConflictException(string study, string message)
        : base(message)
    {
        Study = study;
    }

    /// <summary>Gets the study's name.</summary>
    public string Study { get; }
}

/// <summary>A trial was told a result it cannot take: it already ended, or another worker took it over.</summary>
public class TrialNotActiveException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="study">The study.</param>
    /// <param name="trialNumber">The trial.</param>
    /// <param name="state">Its state in the store.</param>
    /// <param name="action">What was attempted.</param>
    public TrialNotActiveException(string study, int trialNumber, TrialState state, string action)
        : base($"Trial {trialNumber} of study '{study}' is {state}; {action} is refused.")
    {
        Study = study;
        TrialNumber = trialNumber;
        State = state;
    }

    /// <summary>Gets the study's name.</summary>
    public string Study { get; }

    /// <summary>Gets the trial's number.</summary>
    public int TrialNumber { get; }

    /// <summary>Gets the trial's state in the store.</summary>
    public TrialState State { get; }
}
