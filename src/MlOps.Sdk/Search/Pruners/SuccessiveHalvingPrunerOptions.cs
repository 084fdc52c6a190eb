using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Search;

/// <summary>The rungs of a <see cref="SuccessiveHalvingPruner"/> and how many trials each one promotes.</summary>
public sealed class SuccessiveHalvingPrunerOptions : IValidatableObject
{
    /// <summary>
    /// Gets or sets the step of the first rung (the resource, r, every trial gets before it is judged). Rung <c>k</c> is at
    /// step <c>MinResource × ReductionFactor^(MinEarlyStoppingRate + k)</c>.
    /// </summary>
    /// <value>
    /// Default <see langword="null"/>: estimated as Optuna's <c>"auto"</c> does, once a trial is Complete: the last step
    /// the first Complete trial reported (the earliest to end; the lowest number when end times are unknown) divided by
    /// 100, rounded down, at least 1. Nothing is pruned before that. Otherwise at least 1.
    /// </value>
    [Range(1, int.MaxValue)]
    public int? MinResource { get; set; }

    /// <summary>Gets or sets η: each rung is η times further than the one before, and promotes the best 1/η of the trials that reached it.</summary>
    /// <value>Default 4; between 2 and 1,000.</value>
    [Range(2, 1000)]
    public int ReductionFactor { get; set; } = 4;

    /// <summary>Gets or sets s, how many rungs are skipped: the first rung is at <c>MinResource × ReductionFactor^s</c>.</summary>
    /// <value>Default 0; between 0 and 60.</value>
    [Range(0, 60)]
    public int MinEarlyStoppingRate { get; set; }

    /// <summary>
    /// Gets or sets how many trials must reach a rung before any is promoted past it: the first <c>BootstrapCount</c> trials
    /// to reach a rung are pruned there (as Optuna does), the ones after are judged against them.
    /// </summary>
    /// <value>Default 0; at least 0; only with an explicit <see cref="MinResource"/>.</value>
    [Range(0, int.MaxValue)]
    public int BootstrapCount { get; set; }

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (BootstrapCount > 0 && MinResource is null)
        {
            yield return new ValidationResult(
                $"BootstrapCount ({BootstrapCount}) needs an explicit MinResource: with an estimated one (null), trials before the estimate would not be counted.",
                [nameof(BootstrapCount), nameof(MinResource)]);
        }
    }
}
