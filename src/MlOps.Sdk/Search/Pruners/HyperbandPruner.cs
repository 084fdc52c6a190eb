using System.Globalization;
using System.Text;
using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Search;

/// <summary>
/// Hyperband: trials are spread over brackets, each an asynchronous successive halving that starts judging at a different
/// step, so that both aggressive and patient early stopping get a share of the trials; Optuna's <c>HyperbandPruner</c>.
/// </summary>
/// <remarks>
/// <para>
/// With r = <see cref="HyperbandPrunerOptions.MinResource"/>, R = <see cref="HyperbandPrunerOptions.MaxResource"/> and
/// η = <see cref="HyperbandPrunerOptions.ReductionFactor"/>, there are n = ⌊log_η(R/r)⌋ + 1 brackets (computed exactly, in
/// integers). Bracket b is a <see cref="SuccessiveHalvingPruner"/> with MinResource r and MinEarlyStoppingRate b: its first
/// rung is at step r × η^b (bracket 0 is the most aggressive). A trial's bracket is fixed by its study's name and its
/// number: the CRC-32 of the UTF-8 text <c>"{study}_{number}"</c> modulo the total budget, where bracket b's budget is
/// ⌈n × η^(n−1−b) / (n − b)⌉, as in Optuna (so the same study name and number land in the same bracket as there). A trial
/// competes only with the trials of its own bracket.
/// </para>
/// <para>
/// Stateless: one instance serves any number of trials and studies at once, and every worker computes the same brackets.
/// </para>
/// </remarks>
public sealed class HyperbandPruner : Pruner
{
    private readonly int _minResource;
    private readonly int? _maxResource;
    private readonly int _reductionFactor;
    private readonly int _bootstrapCount;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults. Copied: later changes have no effect.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range.</exception>
    public HyperbandPruner(HyperbandPrunerOptions? options = null)
    {
        options ??= new HyperbandPrunerOptions();
        OptionsValidation.ThrowIfInvalid(options);
        _minResource = options.MinResource;
        _maxResource = options.MaxResource;
        _reductionFactor = options.ReductionFactor;
        _bootstrapCount = options.BootstrapCount;
    }

    /// <inheritdoc />
    public override bool ShouldPrune(PruningContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (ResolveBrackets(context.Trials, context.TrialNumber) is not { } brackets)
        {
            return false;
        }

        var bracket = brackets.BracketOf(context.StudyName, context.TrialNumber);
        return SuccessiveHalving.ShouldPrune(
            context,
            _minResource,
            _reductionFactor,
            minEarlyStoppingRate: bracket,
            _bootstrapCount,
            competes: t => brackets.BracketOf(context.StudyName, t.Number) == bracket);
    }

    /// <summary>The brackets, once the max resource is known (given, or from the study's first Complete trial).</summary>
    internal Brackets? ResolveBrackets(IReadOnlyList<TrialInfo> trials, int excludedNumber)
    {
        long? maxResource = _maxResource ?? SuccessiveHalving.FirstCompleteTrialLastStep(trials, excludedNumber) + 1;
        return maxResource is { } max ? new Brackets(_minResource, Math.Max(max, _minResource), _reductionFactor) : null;
    }

    /// <summary>The brackets for a min and max resource; immutable.</summary>
    internal sealed class Brackets
    {
        private readonly long[] _budgets;
        private readonly long _totalBudget;

        public Brackets(long minResource, long maxResource, int reductionFactor)
        {
            // n = ⌊log_η(R/r)⌋ + 1, in integers: the largest k with r·η^k ≤ R, plus one.
            var count = 1;
            for (var resource = minResource; resource <= maxResource / reductionFactor; resource *= reductionFactor)
            {
                count++;
            }

            _budgets = new long[count];
            for (var bracket = 0; bracket < count; bracket++)
            {
                var s = count - 1 - bracket;
                var power = 1L;
                for (var i = 0; i < s; i++)
                {
                    power *= reductionFactor;
                }

                _budgets[bracket] = ((count * power) + s) / (s + 1);
                _totalBudget += _budgets[bracket];
            }
        }

        /// <summary>Gets how many brackets there are.</summary>
        public int Count => _budgets.Length;

        /// <summary>Gets each bracket's budget: its weight in the assignment of trials.</summary>
        public IReadOnlyList<long> Budgets => _budgets;

        /// <summary>The bracket of a trial: CRC-32 of <c>"{study}_{number}"</c> modulo the total budget, walked through the budgets.</summary>
        public int BracketOf(string studyName, int trialNumber)
        {
            var n = Crc32.Compute(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{studyName}_{trialNumber}"))) % _totalBudget;
            for (var bracket = 0; bracket < _budgets.Length; bracket++)
            {
                n -= _budgets[bracket];
                if (n < 0)
                {
                    return bracket;
                }
            }

            throw new InvalidOperationException("Unreachable: the hash is below the total budget.");
        }
    }
}
