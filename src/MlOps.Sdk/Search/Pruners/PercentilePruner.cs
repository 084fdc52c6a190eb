using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Search;

/// <summary>
/// Prunes a trial whose best reported value so far is worse than a percentile of the values the Complete trials reported
/// at the same step; Optuna's <c>PercentilePruner</c>.
/// </summary>
/// <remarks>
/// <para>
/// At the trial's latest step <c>s</c>, the trial's best value over all its reports (the smallest when minimizing, the
/// largest when maximizing, NaN left out) is compared with the <see cref="PercentilePrunerOptions.Percentile"/>-th
/// percentile (the best <c>Percentile</c> percent are kept; linear interpolation, NaN left out) of the values the study's
/// Complete trials reported at exactly step <c>s</c>. Trials that did not report at <c>s</c> are left out; so are Running,
/// Pruned and Failed ones.
/// </para>
/// <para>
/// Nothing is pruned while fewer than <see cref="PercentilePrunerOptions.StartupTrials"/> trials are Complete (or none is),
/// before <see cref="PercentilePrunerOptions.WarmupSteps"/>, at a report that is not the first of its
/// <see cref="PercentilePrunerOptions.IntervalSteps"/> interval, or when fewer than
/// <see cref="PercentilePrunerOptions.MinTrials"/> Complete trials reported at the step. A trial that reported only NaN
/// is pruned. Stateless: one instance serves any number of trials and studies at once.
/// </para>
/// </remarks>
public sealed class PercentilePruner : Pruner
{
    private readonly PercentileRule _rule;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults. Copied: later changes have no effect.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range.</exception>
    public PercentilePruner(PercentilePrunerOptions? options = null)
    {
        options ??= new PercentilePrunerOptions();
        OptionsValidation.ThrowIfInvalid(options);
        _rule = new PercentileRule(options.Percentile, options.StartupTrials, options.WarmupSteps, options.IntervalSteps, options.MinTrials);
    }

    /// <inheritdoc />
    public override bool ShouldPrune(PruningContext context) => _rule.ShouldPrune(context);
}
