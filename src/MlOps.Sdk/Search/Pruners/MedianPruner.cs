using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Search;

/// <summary>
/// Prunes a trial whose best reported value so far is worse than the median of the values the Complete trials reported
/// at the same step; Optuna's <c>MedianPruner</c>. A <see cref="PercentilePruner"/> at the 50th percentile.
/// </summary>
/// <remarks>
/// <para>
/// At the trial's latest step <c>s</c>, the trial's best value over all its reports (the smallest when minimizing, the
/// largest when maximizing, NaN left out) is compared with the median of the values the study's Complete trials reported
/// at exactly step <c>s</c> (NaN left out). Trials that did not report at <c>s</c> are left out; so are Running, Pruned
/// and Failed ones.
/// </para>
/// <para>
/// Nothing is pruned while fewer than <see cref="MedianPrunerOptions.StartupTrials"/> trials are Complete (or none is),
/// before <see cref="MedianPrunerOptions.WarmupSteps"/>, at a report that is not the first of its
/// <see cref="MedianPrunerOptions.IntervalSteps"/> interval, or when fewer than <see cref="MedianPrunerOptions.MinTrials"/>
/// Complete trials reported at the step. A trial that reported only NaN is pruned. Stateless: one instance serves any
/// number of trials and studies at once.
/// </para>
/// </remarks>
public sealed class MedianPruner : Pruner
{
    private readonly PercentileRule _rule;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults. Copied: later changes have no effect.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range.</exception>
    public MedianPruner(MedianPrunerOptions? options = null)
    {
        options ??= new MedianPrunerOptions();
        OptionsValidation.ThrowIfInvalid(options);
        _rule = new PercentileRule(50, options.StartupTrials, options.WarmupSteps, options.IntervalSteps, options.MinTrials);
    }

    /// <inheritdoc />
    public override bool ShouldPrune(PruningContext context) => _rule.ShouldPrune(context);
}
