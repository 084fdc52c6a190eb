namespace MlOps.Sdk.Search;

/// <summary>Uniform draws in a distribution's (log-)space: what <see cref="RandomSampler"/> does and TPE's startup trials use.</summary>
internal static class UniformSampling
{
    public static double Sample(ParameterDistribution distribution, ref SearchRandom random)
    {
        switch (distribution)
        {
            case FloatDistribution f:
                if (f.IsSingle)
                {
                    return f.Low;
                }

                if (f.Log)
                {
                    var logLow = Math.Log(f.Low);
                    var value = Math.Exp(logLow + (random.NextDouble() * (Math.Log(f.High) - logLow)));
                    return Math.Clamp(value, f.Low, f.High);
                }

                if (f.Step is { } step)
                {
                    var count = (long)Math.Round((f.High - f.Low) / step) + 1;
                    return f.Clamp(f.Low + (NextLong(ref random, count) * step));
                }

                return Math.Clamp(f.Low + (random.NextDouble() * (f.High - f.Low)), f.Low, f.High);

            case IntDistribution i:
                if (i.IsSingle)
                {
                    return i.Low;
                }

                if (i.Log)
                {
                    // Uniform in log space over [low - 0.5, high + 0.5], rounded: every integer gets the log-width of its cell.
                    var low = Math.Log(i.Low - 0.5);
                    var value = Math.Exp(low + (random.NextDouble() * (Math.Log(i.High + 0.5) - low)));
                    return i.Clamp(value);
                }

                var steps = (((long)i.High - i.Low) / i.Step) + 1;
                return i.Low + (NextLong(ref random, steps) * (double)i.Step);

            case CategoricalDistribution c:
                return random.NextInt(c.Choices.Count);

            default:
                throw new ArgumentException($"The distribution {distribution} is not one a built-in sampler knows.", nameof(distribution));
        }
    }

    private static long NextLong(ref SearchRandom random, long count)
        => count <= int.MaxValue ? random.NextInt((int)count) : (long)(random.NextDouble() * count) % count;
}
