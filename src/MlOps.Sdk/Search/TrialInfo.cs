namespace MlOps.Sdk.Search;

/// <summary>
/// A trial as recorded in its study: number, state, parameters (with their distributions), intermediate and final
/// values, its run. A snapshot; samplers and pruners read the study through these.
/// </summary>
public sealed class TrialInfo
{
    private static readonly IReadOnlyDictionary<long, double> NoIntermediateValues = new SortedList<long, double>().AsReadOnly();

    /// <summary>Initializes a new instance (for samplers' and pruners' tests, and for adding known results to a study).</summary>
    /// <param name="number">The trial's number in its study, from 0.</param>
    /// <param name="state">Its state.</param>
    /// <param name="distributions">Each parameter's distribution.</param>
    /// <param name="internalParameters">Each parameter's internal value (see <see cref="ParameterDistribution"/>); the same names as <paramref name="distributions"/>.</param>
    /// <param name="value">The final value of a complete trial.</param>
    /// <param name="intermediateValues">The values reported by step.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="number"/> is negative.</exception>
    /// <exception cref="ArgumentException">A parameter has no distribution, or a value outside it.</exception>
    public TrialInfo(
        int number,
        TrialState state,
        IReadOnlyDictionary<string, ParameterDistribution> distributions,
        IReadOnlyDictionary<string, double> internalParameters,
        double? value = null,
        IReadOnlyDictionary<long, double>? intermediateValues = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(number);
        ArgumentNullException.ThrowIfNull(distributions);
        ArgumentNullException.ThrowIfNull(internalParameters);
        var parameters = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, internalValue) in internalParameters)
        {
            if (!distributions.TryGetValue(name, out var distribution))
            {
                throw new ArgumentException($"The parameter '{name}' of trial {number} has no distribution.", nameof(distributions));
            }

            if (!distribution.Contains(internalValue))
            {
                throw new ArgumentException($"The parameter '{name}' of trial {number} has the internal value {internalValue}, outside its distribution {distribution}.", nameof(internalParameters));
            }

            parameters[name] = distribution.ToExternal(internalValue);
        }

        Number = number;
        State = state;
        Distributions = distributions;
        InternalParameters = internalParameters;
        Parameters = parameters.AsReadOnly();
        Value = value;
        if (intermediateValues is null || intermediateValues.Count == 0)
        {
            IntermediateValues = NoIntermediateValues;
        }
        else
        {
            var sorted = new SortedList<long, double>(intermediateValues.ToDictionary());
            IntermediateValues = sorted.AsReadOnly();
            LastReport = (sorted.Keys[^1], sorted.Values[^1]);
        }
    }

    /// <summary>Gets the trial's number in its study, from 0, unique in the study.</summary>
    public int Number { get; }

    /// <summary>Gets the trial's state.</summary>
    public TrialState State { get; }

    /// <summary>Gets the parameters as the objective saw them: <see cref="double"/>, <see cref="int"/>, or a categorical choice's text.</summary>
    public IReadOnlyDictionary<string, object> Parameters { get; }

    /// <summary>Gets each parameter's internal value: the value itself, or a categorical choice's index.</summary>
    public IReadOnlyDictionary<string, double> InternalParameters { get; }

    /// <summary>Gets each parameter's distribution.</summary>
    public IReadOnlyDictionary<string, ParameterDistribution> Distributions { get; }

    /// <summary>Gets the final value of a complete trial; <see langword="null"/> otherwise.</summary>
    public double? Value { get; }

    /// <summary>Gets the values reported with <see cref="Trial.Report"/>, by step, in step order.</summary>
    public IReadOnlyDictionary<long, double> IntermediateValues { get; }

    /// <summary>Gets the last report (the highest step and its value), without walking them all; samplers rank pruned trials by it.</summary>
    internal (long Step, double Value)? LastReport { get; }

    /// <summary>Gets the id of the run that records the trial's latest attempt, if it started.</summary>
    public string? RunId { get; init; }

    /// <summary>Gets the ids of the runs of earlier attempts that went stale, oldest first.</summary>
    public IReadOnlyList<string> StaleRunIds { get; init; } = [];

    /// <summary>Gets the fixed parameters an enqueued trial was given (as text), which its suggestions take; <see langword="null"/> for a sampled trial.</summary>
    public IReadOnlyDictionary<string, string>? EnqueuedParameters { get; init; }

    /// <summary>Gets which worker (process) ran the latest attempt.</summary>
    public string? Worker { get; init; }

    /// <summary>Gets when the latest attempt started.</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>Gets when the trial ended.</summary>
    public DateTimeOffset? EndTime { get; init; }

    /// <summary>Gets how long the latest attempt took, once it ended.</summary>
    public TimeSpan? Duration => EndTime - StartTime;

    /// <summary>Gets why a failed trial failed (the exception's type and message), or why a stale one went stale.</summary>
    public string? FailureReason { get; init; }

    /// <summary>Gets a value indicating whether the trial is done: Complete, Pruned or Failed.</summary>
    public bool IsFinished => State is TrialState.Complete or TrialState.Pruned or TrialState.Failed;

    /// <summary>Gets the last reported value at or before a step.</summary>
    /// <param name="step">The step.</param>
    /// <param name="value">The value, when there is one.</param>
    /// <returns><see langword="true"/> when the trial reported a value at or before <paramref name="step"/>.</returns>
    public bool TryGetIntermediateValueAt(long step, out double value)
    {
        value = default;
        var found = false;
        foreach (var (reported, reportedValue) in IntermediateValues)
        {
            if (reported > step)
            {
                break;
            }

            value = reportedValue;
            found = true;
        }

        return found;
    }

    /// <inheritdoc />
    public override string ToString()
        => $"trial {Number} {State}{(Value is { } v ? $" value={v:R}" : string.Empty)} {{{string.Join(", ", Parameters.Select(p => $"{p.Key}={p.Value}"))}}}";
}
