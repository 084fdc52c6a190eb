namespace MlOps.Sdk.Search;

/// <summary>
/// How much each parameter explains the values of a study's Complete trials: the mean decrease in impurity of a seeded
/// random forest regression of the values on the parameters, as Optuna's <c>MeanDecreaseImpurityImportanceEvaluator</c>.
/// </summary>
/// <remarks>
/// <para>
/// The parameters are those every Complete trial with a finite value has, each with the same distribution in all of them
/// (the others are left out). They enter the forest in a transformed space: log10 of the value for a log-scale range, the
/// value itself otherwise, one 0/1 column per choice for a categorical one (the columns' importances are summed back to
/// the parameter). The forest has <see cref="TreeCount"/> trees, each grown on a bootstrap sample to depth at most
/// <see cref="MaxDepth"/>, splitting nodes of at least two distinct samples on the best of all columns (mean squared error).
/// </para>
/// <para>
/// The importances sum to 1 and are ordered from the largest (ties by name); when the values do not vary (nothing to
/// explain) every parameter gets an equal share. Whether the study minimizes or maximizes does not change them. The same
/// trials and seed give the same importances.
/// </para>
/// </remarks>
internal static class ParameterImportances
{
    /// <summary>The number of trees in the forest.</summary>
    public const int TreeCount = 64;

    /// <summary>The deepest a tree grows.</summary>
    public const int MaxDepth = 64;

    /// <summary>Evaluates the parameters' importances.</summary>
    /// <param name="trials">The study's trials, in any state; only Complete ones with a finite value are used.</param>
    /// <param name="direction">The study's direction (the importances do not depend on it).</param>
    /// <param name="seed">The seed of the forest's bootstrap samples and tie breaks.</param>
    /// <returns>
    /// Each parameter's share, largest first; empty when fewer than 2 Complete trials have a finite value, or when no
    /// parameter is common to all of them.
    /// </returns>
    public static IReadOnlyList<KeyValuePair<string, double>> Evaluate(IReadOnlyList<TrialInfo> trials, StudyDirection direction, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(trials);
        var complete = trials.Where(t => t.State == TrialState.Complete && t.Value is { } v && double.IsFinite(v)).ToList();
        if (complete.Count < 2)
        {
            return [];
        }

        var space = CommonSearchSpace(complete);
        if (space.Count == 0)
        {
            return [];
        }

        // The columns, and the parameter each belongs to.
        var columns = new List<double[]>();
        var owner = new List<int>();
        for (var p = 0; p < space.Count; p++)
        {
            var (name, distribution) = space[p];
            if (distribution is CategoricalDistribution categorical)
            {
                for (var choice = 0; choice < categorical.Choices.Count; choice++)
                {
                    columns.Add([.. complete.Select(t => t.InternalParameters[name] == choice ? 1.0 : 0.0)]);
                    owner.Add(p);
                }
            }
            else
            {
                var log = distribution is FloatDistribution { Log: true } or IntDistribution { Log: true };
                columns.Add([.. complete.Select(t => log ? Math.Log10(t.InternalParameters[name]) : t.InternalParameters[name])]);
                owner.Add(p);
            }
        }

        var sign = direction == StudyDirection.Maximize ? -1.0 : 1.0;
        var values = complete.Select(t => sign * t.Value!.Value).ToArray();
        var columnImportances = ImpurityForest.Importances(columns, values, TreeCount, MaxDepth, seed);

        var importances = new double[space.Count];
        for (var c = 0; c < columns.Count; c++)
        {
            importances[owner[c]] += columnImportances[c];
        }

        var total = importances.Sum();
        return [.. space
            .Select((p, i) => new KeyValuePair<string, double>(p.Key, total > 0 ? importances[i] / total : 1.0 / space.Count))
            .OrderByDescending(p => p.Value)
            .ThenBy(p => p.Key, StringComparer.Ordinal)];
    }

    /// <summary>The parameters every trial has, each with one distribution in all of them, by name.</summary>
    private static List<KeyValuePair<string, ParameterDistribution>> CommonSearchSpace(List<TrialInfo> trials)
    {
        var space = new SortedDictionary<string, ParameterDistribution>(StringComparer.Ordinal);
        foreach (var name in trials[0].InternalParameters.Keys)
        {
            space[name] = trials[0].Distributions[name];
        }

        foreach (var trial in trials.Skip(1))
        {
            foreach (var (name, distribution) in space.ToList())
            {
                if (!trial.InternalParameters.ContainsKey(name) || !trial.Distributions.TryGetValue(name, out var other) || !other.Equals(distribution))
                {
                    space.Remove(name);
                }
            }
        }

        return [.. space];
    }
}
