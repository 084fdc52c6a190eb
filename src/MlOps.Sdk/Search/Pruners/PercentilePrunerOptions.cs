using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Search;

/// <summary>Which percentile a <see cref="PercentilePruner"/> keeps; when it starts judging trials, and how often, as for a <see cref="MedianPruner"/>.</summary>
public sealed class PercentilePrunerOptions : MedianPrunerOptions
{
    /// <summary>
    /// Gets or sets the share of trials kept, in percent: a trial is pruned when its best value so far is worse than this
    /// percentile of the Complete trials' values at the same step (25 keeps the best quarter; 50 is a
    /// <see cref="MedianPruner"/>).
    /// </summary>
    /// <value>Default 25; between 0 and 100.</value>
    [Range(0.0, 100.0)]
    public double Percentile { get; set; } = 25;
}
