namespace MlOps.Sdk.Search;

/// <summary>
/// Chooses a trial's parameters from the study's trials so far. Derive from it to add a search algorithm (CMA-ES, a
/// Gaussian process, ...); the built-in ones are <c>RandomSampler</c>, <c>GridSampler</c> and
/// <c>TpeSampler</c>.
/// </summary>
/// <remarks>
/// <para>
/// A trial is sampled in two parts. When it starts, <see cref="InferRelativeSearchSpace"/> names the parameters the
/// sampler wants to choose together (for example those every complete trial has), and <see cref="SampleRelative"/>
/// chooses them at once; the objective's <c>Suggest</c> calls then get those values. A parameter outside that space (a
/// new one, or one in a branch) is chosen on its own by <see cref="SampleIndependent"/> when it is suggested.
/// </para>
/// <para>
/// Values are internal values (see <see cref="ParameterDistribution"/>). A sampler is shared by every trial a study
/// runs in parallel, so its members must be thread-safe; deriving randomness from the seed and the trial's number (not
/// from one shared generator) also makes results independent of which thread or worker got which trial.
/// </para>
/// </remarks>
public abstract class Sampler
{
    /// <summary>An empty search space, or an empty set of values.</summary>
    protected static readonly IReadOnlyDictionary<string, ParameterDistribution> EmptySpace = new Dictionary<string, ParameterDistribution>().AsReadOnly();

    /// <summary>An empty set of values.</summary>
    protected static readonly IReadOnlyDictionary<string, double> NoValues = new Dictionary<string, double>().AsReadOnly();

    /// <summary>Names the parameters to choose together when a trial starts. The default chooses none together.</summary>
    /// <param name="context">The study so far and the trial being started.</param>
    /// <returns>The parameters and their distributions.</returns>
    public virtual IReadOnlyDictionary<string, ParameterDistribution> InferRelativeSearchSpace(SamplingContext context) => EmptySpace;

    /// <summary>Chooses the parameters of <paramref name="searchSpace"/> together. The default chooses none.</summary>
    /// <param name="context">The study so far and the trial being started.</param>
    /// <param name="searchSpace">What <see cref="InferRelativeSearchSpace"/> returned.</param>
    /// <returns>Internal values for some or all of the space's parameters; the rest are chosen independently.</returns>
    public virtual IReadOnlyDictionary<string, double> SampleRelative(SamplingContext context, IReadOnlyDictionary<string, ParameterDistribution> searchSpace) => NoValues;

    /// <summary>Chooses one parameter on its own, when the objective suggests it.</summary>
    /// <param name="context">The study so far and the trial, with the parameters it has already.</param>
    /// <param name="name">The parameter.</param>
    /// <param name="distribution">Its distribution.</param>
    /// <returns>An internal value inside <paramref name="distribution"/>.</returns>
    public abstract double SampleIndependent(SamplingContext context, string name, ParameterDistribution distribution);

    /// <summary>Gets a value indicating whether the sampler has nothing new to offer (a grid fully visited): the search stops.</summary>
    /// <param name="context">The study so far.</param>
    /// <returns><see langword="true"/> to stop starting trials. The default is <see langword="false"/>.</returns>
    public virtual bool IsExhausted(SamplingContext context) => false;
}

/// <summary>What a sampler sees: the study's trials so far and the trial being sampled.</summary>
public sealed class SamplingContext
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="studyName">The study's name.</param>
    /// <param name="direction">Whether smaller or larger values are better.</param>
    /// <param name="trialNumber">The number of the trial being sampled.</param>
    /// <param name="trials">The study's other trials as known now, in number order (any state: running ones too, for a constant liar).</param>
    /// <param name="parameters">The internal values the trial has already, by name.</param>
    /// <param name="distributions">Their distributions.</param>
    public SamplingContext(
        string studyName,
        StudyDirection direction,
        int trialNumber,
        IReadOnlyList<TrialInfo> trials,
        IReadOnlyDictionary<string, double>? parameters = null,
        IReadOnlyDictionary<string, ParameterDistribution>? distributions = null)
    {
        ArgumentNullException.ThrowIfNull(studyName);
        ArgumentNullException.ThrowIfNull(trials);
        StudyName = studyName;
        Direction = direction;
        TrialNumber = trialNumber;
        Trials = trials;
        Parameters = parameters ?? new Dictionary<string, double>();
        Distributions = distributions ?? new Dictionary<string, ParameterDistribution>();
    }

    /// <summary>Gets the study's name.</summary>
    public string StudyName { get; }

    /// <summary>Gets whether smaller or larger values are better.</summary>
    public StudyDirection Direction { get; }

    /// <summary>Gets the number of the trial being sampled.</summary>
    public int TrialNumber { get; }

    /// <summary>Gets the study's other trials as known now, in number order.</summary>
    public IReadOnlyList<TrialInfo> Trials { get; }

    /// <summary>Gets the internal values the trial has already, by name.</summary>
    public IReadOnlyDictionary<string, double> Parameters { get; }

    /// <summary>Gets the distributions of <see cref="Parameters"/>.</summary>
    public IReadOnlyDictionary<string, ParameterDistribution> Distributions { get; }
}
