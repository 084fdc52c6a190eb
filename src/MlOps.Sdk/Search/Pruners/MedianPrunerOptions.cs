using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Search;

/// <summary>When a <see cref="MedianPruner"/> starts judging trials, and how often.</summary>
public sealed class MedianPrunerOptions
{
    /// <summary>Gets or sets how many trials must be Complete before any trial is pruned.</summary>
    /// <value>Default 5; at least 0.</value>
    [Range(0, int.MaxValue)]
    public int StartupTrials { get; set; } = 5;

    /// <summary>Gets or sets the step before which a trial is never pruned (a trial reporting step 0 to 9 is safe with 10).</summary>
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
