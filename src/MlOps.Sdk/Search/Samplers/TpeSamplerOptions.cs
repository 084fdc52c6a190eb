using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Search;

/// <summary>Options of a <see cref="TpeSampler"/>. The defaults are Optuna's.</summary>
public sealed class TpeSamplerOptions
{
    /// <summary>Gets or sets the seed: with the same seed and the same trials, a trial gets the same parameters.</summary>
    /// <value>Default <see langword="null"/>: a random seed, chosen once per sampler.</value>
    public int? Seed { get; set; }

    /// <summary>Gets or sets how many complete (or pruned) trials are sampled at random before the model is used.</summary>
    /// <value>Default 10; between 0 and 1,000,000.</value>
    [Range(0, 1_000_000)]
    public int StartupTrials { get; set; } = 10;

    /// <summary>Gets or sets how many candidates are drawn from the good trials' density; the one with the best ratio to the bad trials' density wins.</summary>
    /// <value>Default 24; between 1 and 10,000.</value>
    [Range(1, 10_000)]
    public int EiCandidates { get; set; } = 24;

    /// <summary>Gets or sets a value indicating whether parameters every complete trial has are modelled jointly (product kernels) rather than one by one.</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool Multivariate { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether running trials count as bad ones ("constant liar"), so that parallel
    /// workers spread out instead of all sampling near the current best.
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool ConstantLiar { get; set; } = true;

    /// <summary>Gets or sets the weight of the prior (a wide kernel over the whole range, uniform over the choices) against a trial's weight.</summary>
    /// <value>Default 1.0; above 0.</value>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double PriorWeight { get; set; } = 1.0;

    /// <summary>Gets or sets a value indicating whether kernel widths are kept above range / min(100, 1 + kernels) (Optuna's "magic clip").</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool ConsiderMagicClip { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the kernels at the ends of a range take their width from the distance to the range's end.</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool ConsiderEndpoints { get; set; }

    /// <summary>Gets or sets how many of <c>n</c> finished trials count as good.</summary>
    /// <value>Default <see langword="null"/>: <see cref="TpeSampler.DefaultGamma"/>, min(ceil(0.1 n), 25).</value>
    public Func<int, int>? Gamma { get; set; }

    /// <summary>Gets or sets the weights of <c>n</c> trials (oldest first) in a density; the result must have <c>n</c> finite, non-negative values.</summary>
    /// <value>Default <see langword="null"/>: <see cref="TpeSampler.DefaultWeights"/>, ones below 25 trials, else a ramp then 25 ones.</value>
    public Func<int, IReadOnlyList<double>>? Weights { get; set; }
}
