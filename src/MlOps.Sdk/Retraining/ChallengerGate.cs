using System.Globalization;
using Microsoft.ML;
using MlOps.Sdk.Models;

namespace MlOps.Sdk.Retraining;

/// <summary>
/// The comparison a challenger must pass: both models loaded as every predictor loads them (hash verified), the holdout
/// checked against each one's input schema, both measured by one evaluator, then the rule and the guards.
/// </summary>
internal sealed class ChallengerGate(MlOpsClient client, ModelEvaluator evaluator, PromotionRule rule, IReadOnlyList<GuardRule> guards, string alias)
{
    private readonly MlOpsClient _client = client;
    private readonly ModelEvaluator _evaluator = evaluator;
    private readonly PromotionRule _rule = rule;
    private readonly IReadOnlyList<GuardRule> _guards = guards;
    private readonly string _alias = alias;

    /// <summary>Whether the challenger passes the rule and every guard, and why in words.</summary>
    public (bool Passed, string Reason) Decide(Dictionary<string, double> challenger, Dictionary<string, double>? champion, int? championVersion)
    {
        var rule = _rule;
        if (champion is null)
        {
            return (true, string.Create(CultureInfo.InvariantCulture, $"no {_alias} model yet; {rule.Metric} {challenger[rule.Metric]:G4}"));
        }

        var gain = rule.Gain(challenger[rule.Metric], champion[rule.Metric]);
        var versus = $"{rule.Describe(challenger[rule.Metric], champion[rule.Metric])} against version {championVersion}";
        if (!(gain >= rule.MinimumMargin))
        {
            return (false, $"not better: {versus}");
        }

        foreach (var guard in _guards)
        {
            var regression = guard.Regression(challenger[guard.Metric], champion[guard.Metric]);
            if (!(regression <= guard.MaximumRegression))
            {
                return (false, string.Create(CultureInfo.InvariantCulture, $"guard {guard.Metric} regressed: {challenger[guard.Metric]:G4} vs {champion[guard.Metric]:G4} (allowed {guard.MaximumRegression:G3}); {versus}"));
            }
        }

        return (true, $"better: {versus}{(_guards.Count > 0 ? $"; guards held ({string.Join(", ", _guards.Select(g => g.Metric))})" : string.Empty)}");
    }

    /// <summary>Loads a version (hash verified, as every predictor does), checks the holdout fits it, scores it and measures it.</summary>
    public async Task<Dictionary<string, double>> EvaluateAsync(MLContext ml, ModelVersion version, string holdoutUri, IDataView holdout, CancellationToken cancellationToken)
    {
        var loaded = await _client.Models.LoadAsync(version.Ref, ml, cancellationToken).ConfigureAwait(false);
        var problems = new List<string>();
        foreach (var column in loaded.InputSchema)
        {
            if (column.IsHidden)
            {
                continue;
            }

            if (holdout.Schema.GetColumnOrNull(column.Name) is not { } found)
            {
                problems.Add($"no column '{column.Name}' ({column.Type})");
            }
            else if (!found.Type.Equals(column.Type))
            {
                problems.Add($"'{column.Name}' is {found.Type}, the model reads {column.Type}");
            }
        }

        if (problems.Count > 0)
        {
            throw new HoldoutSchemaMismatchException(holdoutUri, version.Uri, problems);
        }

        var metrics = _evaluator.Evaluate(ml, loaded.Model.Transform(holdout));
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var name in _evaluator.Metrics)
        {
            result[name] = metrics.TryGetValue(name, out var value)
                ? value
                : throw new InvalidOperationException($"The evaluator names the metric '{name}' but did not produce it for {version.Uri} (it produced {string.Join(", ", metrics.Keys)}).");
        }

        return result;
    }
}
