using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Search;

/// <summary>The resources and brackets of a <see cref="HyperbandPruner"/>.</summary>
public sealed class HyperbandPrunerOptions : IValidatableObject
{
    /// <summary>Gets or sets the step of the first rung of the most aggressive bracket.</summary>
    /// <value>Default 1; at least 1.</value>
    [Range(1, int.MaxValue)]
    public int MinResource { get; set; } = 1;

    /// <summary>
    /// Gets or sets the most steps a trial runs (for example the number of epochs). It fixes the number of brackets:
    /// <c>⌊log_η(MaxResource / MinResource)⌋ + 1</c>.
    /// </summary>
    /// <value>
    /// Default <see langword="null"/>: <c>"auto"</c>, as Optuna: once a trial is Complete, the last step the first Complete
    /// trial reported (the earliest to end; the lowest number when end times are unknown) plus 1. Nothing is pruned before
    /// that. Otherwise at least <see cref="MinResource"/>.
    /// </value>
    [Range(1, int.MaxValue)]
    public int? MaxResource { get; set; }

    /// <summary>Gets or sets η: each rung is η times further than the one before, and promotes the best 1/η of the trials that reached it.</summary>
    /// <value>Default 3; between 2 and 1,000.</value>
    [Range(2, 1000)]
    public int ReductionFactor { get; set; } = 3;

    /// <summary>Gets or sets how many trials of a bracket must reach a rung before any is promoted past it (see <see cref="SuccessiveHalvingPrunerOptions.BootstrapCount"/>).</summary>
    /// <value>Default 0; at least 0; only with an explicit <see cref="MaxResource"/>.</value>
    [Range(0, int.MaxValue)]
    public int BootstrapCount { get; set; }

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (MaxResource is { } max && max < MinResource)
        {
            yield return new ValidationResult(
                $"MaxResource ({max}) must be at least MinResource ({MinResource}).",
                [nameof(MaxResource), nameof(MinResource)]);
        }

        if (BootstrapCount > 0 && MaxResource is null)
        {
            yield return new ValidationResult(
                $"BootstrapCount ({BootstrapCount}) needs an explicit MaxResource: with an estimated one (null), trials before the estimate would not be counted.",
                [nameof(BootstrapCount), nameof(MaxResource)]);
        }
    }
}
