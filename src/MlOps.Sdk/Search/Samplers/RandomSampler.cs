namespace MlOps.Sdk.Search;

/// <summary>Options of a <see cref="RandomSampler"/>.</summary>
public sealed class RandomSamplerOptions
{
    /// <summary>Gets or sets the seed: the same seed gives every trial the same parameters, whichever worker runs it.</summary>
    /// <value>Default <see langword="null"/>: a random seed, chosen once per sampler.</value>
    public int? Seed { get; set; }
}

/// <summary>
/// Draws every parameter uniformly: in the range (or its logarithm, for a log scale), on the step grid, among the
/// choices. A baseline, and what most searches start with.
/// </summary>
/// <remarks>
/// Each draw comes from a generator derived from the seed, the trial's number and the parameter's name (a stable hash),
/// never from one shared generator: the sampler is thread-safe and a trial's parameters do not depend on which thread or
/// process sampled it, or in which order.
/// </remarks>
public class RandomSampler : Sampler
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    public RandomSampler(RandomSamplerOptions? options = null)
    {
        Seed = options?.Seed ?? Random.Shared.Next();
    }

    /// <summary>Gets the seed in use (the one given, or the one chosen for an unseeded sampler).</summary>
    public int Seed { get; }

    /// <inheritdoc />
    public override double SampleIndependent(SamplingContext context, string name, ParameterDistribution distribution)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(distribution);
        var random = SearchRandom.For(Seed, context.TrialNumber, name);
        return UniformSampling.Sample(distribution, ref random);
    }
}
