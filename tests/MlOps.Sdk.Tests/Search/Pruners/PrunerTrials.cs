using MlOps.Sdk.Search;

namespace MlOps.Sdk.Tests.Search.Pruners;

/// <summary>Builds trials and pruning contexts by hand (the study machinery is not needed to judge a pruner).</summary>
internal static class PrunerTrials
{
    public const string StudyName = "study";

    private static readonly Dictionary<string, ParameterDistribution> NoDistributions = [];
    private static readonly Dictionary<string, double> NoParameters = [];

    /// <summary>Values by step, from step 0.</summary>
    public static Dictionary<long, double> Curve(params double[] values)
        => values.Select((v, i) => (Step: (long)i, Value: v)).ToDictionary(p => p.Step, p => p.Value);

    /// <summary>The same value at steps 0 to <paramref name="lastStep"/>.</summary>
    public static Dictionary<long, double> Flat(double value, long lastStep)
        => Enumerable.Range(0, (int)lastStep + 1).ToDictionary(s => (long)s, _ => value);

    public static TrialInfo Trial(int number, TrialState state, IReadOnlyDictionary<long, double> values, DateTimeOffset? endTime = null)
        => new(number, state, NoDistributions, NoParameters, state == TrialState.Complete && values.Count > 0 ? values[values.Keys.Max()] : null, values)
        {
            EndTime = endTime,
        };

    public static TrialInfo Complete(int number, IReadOnlyDictionary<long, double> values, DateTimeOffset? endTime = null)
        => Trial(number, TrialState.Complete, values, endTime);

    /// <summary>Complete trials numbered from 0, each reporting one of <paramref name="values"/> at every step 0 to <paramref name="lastStep"/>.</summary>
    public static List<TrialInfo> CompleteFlat(long lastStep, params double[] values)
        => [.. values.Select((v, i) => Complete(i, Flat(v, lastStep)))];

    public static PruningContext Context(int number, IReadOnlyDictionary<long, double> values, IReadOnlyList<TrialInfo> others, StudyDirection direction = StudyDirection.Minimize, string study = StudyName)
        => new(study, direction, number, values, others);
}
