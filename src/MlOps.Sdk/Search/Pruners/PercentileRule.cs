namespace MlOps.Sdk.Search;

/// <summary>
/// The rule <see cref="MedianPruner"/> and <see cref="PercentilePruner"/> share, as Optuna's <c>PercentilePruner</c>
/// applies it: the trial's best value over all its reports against a percentile of the Complete trials' values reported at
/// exactly the trial's latest step. Immutable, so thread-safe.
/// </summary>
internal sealed class PercentileRule
{
    private readonly double _percentile;
    private readonly int _startupTrials;
    private readonly long _warmupSteps;
    private readonly long _intervalSteps;
    private readonly int _minTrials;

    public PercentileRule(double percentile, int startupTrials, long warmupSteps, long intervalSteps, int minTrials)
    {
        _percentile = percentile;
        _startupTrials = startupTrials;
        _warmupSteps = warmupSteps;
        _intervalSteps = intervalSteps;
        _minTrials = minTrials;
    }

    public bool ShouldPrune(PruningContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var complete = context.Trials.Where(t => t.State == TrialState.Complete && t.Number != context.TrialNumber).ToList();
        if (complete.Count == 0 || complete.Count < _startupTrials)
        {
            return false;
        }

        var step = context.Step;
        if (step < _warmupSteps || !IsFirstInInterval(step, context.IntermediateValues.Keys))
        {
            return false;
        }

        var maximize = context.Direction == StudyDirection.Maximize;
        var best = BestOf(context.IntermediateValues.Values, maximize);
        if (double.IsNaN(best))
        {
            // Only NaN reported: nothing suggests the trial will recover (as Optuna).
            return true;
        }

        var atStep = new List<double>(complete.Count);
        foreach (var trial in complete)
        {
            if (trial.IntermediateValues.TryGetValue(step, out var value))
            {
                atStep.Add(value);
            }
        }

        // Optuna counts the trials that reported at the step, NaN included, then leaves the NaN out of the percentile.
        if (atStep.Count < _minTrials)
        {
            return false;
        }

        var threshold = Percentile(atStep, maximize ? 100 - _percentile : _percentile);
        if (double.IsNaN(threshold))
        {
            return false;
        }

        return maximize ? best < threshold : best > threshold;
    }

    /// <summary>
    /// Whether <paramref name="step"/> is the first report at or past the latest judging step
    /// <c>warmup + k × interval</c> at or below it: the report before it came before that judging step.
    /// </summary>
    private bool IsFirstInInterval(long step, IEnumerable<long> reportedSteps)
    {
        var judgingStep = ((step - _warmupSteps) / _intervalSteps * _intervalSteps) + _warmupSteps;
        var previous = -1L;
        foreach (var reported in reportedSteps)
        {
            if (reported != step && reported > previous)
            {
                previous = reported;
            }
        }

        return previous < judgingStep;
    }

    private static double BestOf(IEnumerable<double> values, bool maximize)
    {
        var best = double.NaN;
        foreach (var value in values)
        {
            if (double.IsNaN(value))
            {
                continue;
            }

            if (double.IsNaN(best) || (maximize ? value > best : value < best))
            {
                best = value;
            }
        }

        return best;
    }

    /// <summary>A percentile with linear interpolation between the closest ranks, NaN left out (numpy's <c>nanpercentile</c>).</summary>
    internal static double Percentile(IEnumerable<double> values, double percent)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = percent / 100 * (sorted.Length - 1);
        var lower = (int)Math.Floor(rank);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        var fraction = rank - lower;
        return fraction == 0 ? sorted[lower] : sorted[lower] + ((sorted[upper] - sorted[lower]) * fraction);
    }
}
