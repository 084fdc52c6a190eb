using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Search;

/// <summary>Which percentile a <see cref="PercentilePruner"/> keeps, when it starts judging trials, and how often.</summary>
public sealed class PercentilePrunerOptions
{
    /// <summary>
    /// Gets or sets the share of trials kept, in percent: a trial is pruned when its best value so far is worse than this
    /// percentile of the Complete trials' values at the same step (25 keeps the best quarter; 50 is a
    /// <see cref="MedianPruner"/>).
    /// </summary>
    /// <value>Default 25; between 0 and 100.</value>
    [Range(0.0, 100.0)]
    public double Percentile { get; set; } = 25;

    /// <summary>Gets or sets how many trials must be Complete before any trial is pruned.</summary>
    /// <value>Default 5; at least 0.</value>
    [Range(0, int.MaxValue)]
    public int StartupTrials { get; set; } = 5;

    /// <summary>Gets or sets the step before which a trial is never pruned.</summary>
    /// <value>Default 0; at least 0.</value>
    [Range(0, int.MaxValue)]
    public int WarmupSteps { get; set; }

    /// <summary>
    /// Gets or sets the spacing, counted from <see cref="WarmupSteps"/>, of the steps at which a trial is judged: the first
    /// report at or past each of <c>WarmupSteps + k × IntervalSteps</c> is judged, the others are not.
    /// </summary>
    /// <value>Default 1 (every report); at least 1.</value>
    [Range(1, int.MaxValue)]
    public int IntervalSteps { get; set; } = 1;

    /// <summary>Gets or sets how many Complete trials must have reported at a step for a trial to be judged at that step.</summary>
    /// <value>Default 1; at least 1.</value>
    [Range(1, int.MaxValue)]
    public int MinTrials { get; set; } = 1;
}
