using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Search;

/// <summary>
/// Asynchronous successive halving (ASHA): a trial reaching a rung goes on only if its value there is among the best
/// 1/η of the values every trial reached the rung with; Optuna's <c>SuccessiveHalvingPruner</c>.
/// </summary>
/// <remarks>
/// <para>
/// Rung <c>k</c> is at step <c>r × η^(s + k)</c> (r = <see cref="SuccessiveHalvingPrunerOptions.MinResource"/>,
/// η = <see cref="SuccessiveHalvingPrunerOptions.ReductionFactor"/>, s =
/// <see cref="SuccessiveHalvingPrunerOptions.MinEarlyStoppingRate"/>). A trial's value at a rung is the value it reported
/// at its first step at or past the rung's step. When a report takes a trial to a rung, its value there is compared with
/// the values at that rung of every other trial that reached it, in any state (Running ones too); with n values (its own
/// included) it is promoted when it is among the best ⌊n/η⌋, or, while n is below η, when it is the best. Otherwise, or
/// when its value is NaN, it is pruned.
/// </para>
/// <para>
/// Ask after every report, as the study's trials do: a trial is judged at the rungs its latest report crossed, and a rung
/// passed earlier is not judged again (a promotion is not taken back). Stateless: one instance serves any number of
/// trials and studies at once, and gives every worker the same answer for the same reports.
/// </para>
/// </remarks>
public sealed class SuccessiveHalvingPruner : Pruner
{
    private readonly int? _minResource;
    private readonly int _reductionFactor;
    private readonly int _minEarlyStoppingRate;
    private readonly int _bootstrapCount;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults. Copied: later changes have no effect.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range.</exception>
    public SuccessiveHalvingPruner(SuccessiveHalvingPrunerOptions? options = null)
    {
        options ??= new SuccessiveHalvingPrunerOptions();
        OptionsValidation.ThrowIfInvalid(options);
        _minResource = options.MinResource;
        _reductionFactor = options.ReductionFactor;
        _minEarlyStoppingRate = options.MinEarlyStoppingRate;
        _bootstrapCount = options.BootstrapCount;
    }

    /// <inheritdoc />
    public override bool ShouldPrune(PruningContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var minResource = _minResource ?? EstimateMinResource(context.Trials, context.TrialNumber);
        return minResource is { } r
            && SuccessiveHalving.ShouldPrune(context, r, _reductionFactor, _minEarlyStoppingRate, _bootstrapCount);
    }

    /// <summary>Optuna's <c>"auto"</c> min resource: the first Complete trial's last step / 100, rounded down, at least 1.</summary>
    internal static long? EstimateMinResource(IReadOnlyList<TrialInfo> trials, int excludedNumber)
        => SuccessiveHalving.FirstCompleteTrialLastStep(trials, excludedNumber) is { } lastStep ? Math.Max(lastStep / 100, 1) : null;
}
