namespace MlOps.Sdk.Search;

/// <summary>Placeholder until the random-forest evaluator lands.</summary>
internal static class ParameterImportances
{
    public static IReadOnlyList<KeyValuePair<string, double>> Evaluate(IReadOnlyList<TrialInfo> trials, StudyDirection direction, int seed = 0)
    {
        _ = trials;
        _ = direction;
        _ = seed;
        return [];
    }
}
