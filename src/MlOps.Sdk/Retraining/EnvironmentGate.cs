using System.ComponentModel.DataAnnotations;
using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Retraining;

/// <summary>
/// What a model version must pass to be promoted into the next environment's store
/// (<see cref="RetrainingCatalog.PromoteToEnvironmentAsync"/>): measured on a holdout of that store against the version its
/// <see cref="Alias"/> points at there, by the same evaluator, rule and guards a retrainer uses. Validated when a promotion starts.
/// </summary>
public sealed class EnvironmentGate
{
    /// <summary>Gets or sets the holdout both models are measured on: a dataset URI in the <em>target</em> store (<c>datasets:/flights-holdout@latest</c>).</summary>
    [Required]
    public string Holdout { get; set; } = string.Empty;

    /// <summary>Gets or sets how a model is measured on the holdout.</summary>
    [Required]
    public ModelEvaluator? Evaluator { get; set; }

    /// <summary>Gets or sets when the promoted version beats the one the alias points at in the target store.</summary>
    [Required]
    public PromotionRule? Rule { get; set; }

    /// <summary>Gets the metrics that must not regress (beyond each guard's allowance).</summary>
    public IList<GuardRule> Guards { get; } = [];

    /// <summary>Gets or sets the alias moved in the target store when the gate passes.</summary>
    /// <value>Default <c>production</c>.</value>
    [Required]
    public string Alias { get; set; } = "production";

    /// <summary>Gets or sets the experiment of the target store the promotion's run is recorded in; <c>{model}-promotion</c> when <see langword="null"/>.</summary>
    public string? Experiment { get; set; }

    /// <summary>Checks the settings, and that the rule and guards name only metrics the evaluator produces.</summary>
    internal void Validate()
    {
        OptionsValidation.ThrowIfInvalid(this);
        OptionsValidation.ThrowIfInvalid(Rule!);
        foreach (var guard in Guards)
        {
            OptionsValidation.ThrowIfInvalid(guard);
        }

        Registry.RegistryNames.Alias(Alias, allowLatest: false, nameof(Alias));
        Data.DatasetRef.Parse(Holdout);
        var produced = Evaluator!.Metrics;
        foreach (var metric in Guards.Select(g => g.Metric).Prepend(Rule!.Metric))
        {
            if (!produced.Contains(metric, StringComparer.Ordinal))
            {
                throw new ArgumentException($"The environment gate names the metric '{metric}', which its evaluator does not produce (it produces {string.Join(", ", produced)}).", "gate");
            }
        }
    }
}
