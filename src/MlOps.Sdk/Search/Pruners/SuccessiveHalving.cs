namespace MlOps.Sdk.Search;

/// <summary>
/// Asynchronous successive halving (ASHA) as Optuna implements it, computed from the trials' reports alone (stateless):
/// shared by <see cref="SuccessiveHalvingPruner"/> and the brackets of <see cref="HyperbandPruner"/>.
/// </summary>
/// <remarks>
/// Optuna records a trial's value when it reaches a rung; here a trial's value at a rung is the value it reported at its
/// first step at or past the rung's step, which is the same when the pruner is asked after every report. A trial is judged
/// at the rungs its latest report crossed (past the step of its previous report): a rung it passed earlier is not judged
/// again, as in Optuna, where a promotion is never taken back.
/// </remarks>
internal static class SuccessiveHalving
{
    /// <summary>The step of a rung, <c>minResource × η^(rate + rung)</c>; <see cref="long.MaxValue"/> when that overflows.</summary>
    public static long RungStep(long minResource, int reductionFactor, int minEarlyStoppingRate, int rung)
    {
        var step = minResource;
        for (var i = 0; i < minEarlyStoppingRate + rung; i++)
        {
            if (step > long.MaxValue / reductionFactor)
            {
                return long.MaxValue;
            }

            step *= reductionFactor;
        }

        return step;
    }

    public static bool ShouldPrune(
        PruningContext context,
        long minResource,
        int reductionFactor,
        int minEarlyStoppingRate,
        int bootstrapCount,
        Func<TrialInfo, bool>? competes = null)
    {
        var step = context.Step;
        var value = context.IntermediateValues[step];
        var previous = long.MinValue;
        foreach (var reported in context.IntermediateValues.Keys)
        {
            if (reported < step && reported > previous)
            {
                previous = reported;
            }
        }

        for (var rung = 0; ; rung++)
        {
            var rungStep = RungStep(minResource, reductionFactor, minEarlyStoppingRate, rung);
            if (rungStep > step)
            {
                return false;
            }

            if (rungStep <= previous)
            {
                // Reached at an earlier report, and promoted then.
                continue;
            }

            if (double.IsNaN(value))
            {
                return true;
            }

            var competing = new List<double>();
            foreach (var trial in context.Trials)
            {
                if (trial.Number != context.TrialNumber
                    && (competes is null || competes(trial))
                    && TryGetRungValue(trial, rungStep, out var other)
                    && !double.IsNaN(other))
                {
                    competing.Add(other);
                }
            }

            competing.Add(value);

            // The current trial is among the competing values, hence "at most".
            if (competing.Count <= bootstrapCount)
            {
                return true;
            }

            if (!IsPromotable(value, competing, reductionFactor, context.Direction))
            {
                return true;
            }
        }
    }

    /// <summary>A trial's value at a rung: the value it reported at its first step at or past the rung's step.</summary>
    public static bool TryGetRungValue(TrialInfo trial, long rungStep, out double value)
    {
        if (trial.IntermediateValues.TryGetValue(rungStep, out value))
        {
            return true;
        }

        // In step order (TrialInfo keeps them sorted).
        foreach (var (reported, reportedValue) in trial.IntermediateValues)
        {
            if (reported >= rungStep)
            {
                value = reportedValue;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>
    /// Whether the value is among the best ⌊n/η⌋ of the n competing values (itself included); while fewer than η trials
    /// reached the rung, whether it is the best of them (Optuna's rule for the first trials: promotable index −1 → 0).
    /// </summary>
    public static bool IsPromotable(double value, List<double> competing, int reductionFactor, StudyDirection direction)
    {
        var index = Math.Max((competing.Count / reductionFactor) - 1, 0);
        competing.Sort();
        return direction == StudyDirection.Maximize
            ? value >= competing[competing.Count - 1 - index]
            : value <= competing[index];
    }

    /// <summary>
    /// The last step reported by the study's first Complete trial: the earliest to end (by <see cref="TrialInfo.EndTime"/>),
    /// then the lowest number; trials without reports are left out. Fixed once known, whatever the worker.
    /// </summary>
    public static long? FirstCompleteTrialLastStep(IReadOnlyList<TrialInfo> trials, int excludedNumber)
    {
        TrialInfo? first = null;
        foreach (var trial in trials)
        {
            if (trial.State != TrialState.Complete || trial.IntermediateValues.Count == 0 || trial.Number == excludedNumber)
            {
                continue;
            }

            if (first is null || EndsBefore(trial, first))
            {
                first = trial;
            }
        }

        return first?.IntermediateValues.Keys.Max();
    }

    private static bool EndsBefore(TrialInfo trial, TrialInfo other)
    {
        var end = trial.EndTime ?? DateTimeOffset.MaxValue;
        var otherEnd = other.EndTime ?? DateTimeOffset.MaxValue;
        return end != otherEnd ? end < otherEnd : trial.Number < other.Number;
    }
}
