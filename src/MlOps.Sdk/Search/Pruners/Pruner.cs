namespace MlOps.Sdk.Search;

/// <summary>
/// Decides whether a running trial should stop early, from what it reported with <see cref="Trial.Report"/> and what the
/// study's other trials reported. The built-in ones are <c>MedianPruner</c>, <c>SuccessiveHalvingPruner</c>
/// and <c>HyperbandPruner</c>. Members must be thread-safe: one pruner serves every trial of a study.
/// </summary>
public abstract class Pruner
{
    /// <summary>Decides whether the trial should stop now.</summary>
    /// <param name="context">The trial's reports and the study's other trials.</param>
    /// <returns><see langword="true"/> to prune it.</returns>
    public abstract bool ShouldPrune(PruningContext context);
}

/// <summary>What a pruner sees: the trial's reported values and the study's other trials.</summary>
public sealed class PruningContext
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="studyName">The study's name.</param>
    /// <param name="direction">Whether smaller or larger values are better.</param>
    /// <param name="trialNumber">The trial's number.</param>
    /// <param name="intermediateValues">The values the trial reported, by step.</param>
    /// <param name="trials">The study's other trials as known now, in number order (any state).</param>
    /// <exception cref="ArgumentException"><paramref name="intermediateValues"/> is empty.</exception>
    public PruningContext(string studyName, StudyDirection direction, int trialNumber, IReadOnlyDictionary<long, double> intermediateValues, IReadOnlyList<TrialInfo> trials)
    {
        ArgumentNullException.ThrowIfNull(studyName);
        ArgumentNullException.ThrowIfNull(intermediateValues);
        ArgumentNullException.ThrowIfNull(trials);
        if (intermediateValues.Count == 0)
        {
            throw new ArgumentException("A trial is judged on what it reported; it reported nothing yet.", nameof(intermediateValues));
        }

        StudyName = studyName;
        Direction = direction;
        TrialNumber = trialNumber;
        IntermediateValues = intermediateValues;
        Trials = trials;
        Step = intermediateValues.Keys.Max();
    }

    /// <summary>Gets the study's name.</summary>
    public string StudyName { get; }

    /// <summary>Gets whether smaller or larger values are better.</summary>
    public StudyDirection Direction { get; }

    /// <summary>Gets the trial's number.</summary>
    public int TrialNumber { get; }

    /// <summary>Gets the latest step the trial reported.</summary>
    public long Step { get; }

    /// <summary>Gets the values the trial reported, by step.</summary>
    public IReadOnlyDictionary<long, double> IntermediateValues { get; }

    /// <summary>Gets the study's other trials as known now, in number order.</summary>
    public IReadOnlyList<TrialInfo> Trials { get; }
}
