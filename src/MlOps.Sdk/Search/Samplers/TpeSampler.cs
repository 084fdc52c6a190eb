namespace MlOps.Sdk.Search;

/// <summary>Placeholder until the TPE sampler lands: uniform random.</summary>
public sealed class TpeSampler : Sampler
{
    /// <inheritdoc />
    public override double SampleIndependent(SamplingContext context, string name, ParameterDistribution distribution)
    {
        var random = new Random(HashCode.Combine(context.TrialNumber, name.Length));
        return distribution switch
        {
            FloatDistribution f => f.Clamp(f.Low + (random.NextDouble() * (f.High - f.Low))),
            IntDistribution i => i.Clamp(random.Next(i.Low, i.High + 1)),
            CategoricalDistribution c => random.Next(c.Choices.Count),
            _ => throw new NotSupportedException(),
        };
    }
}
