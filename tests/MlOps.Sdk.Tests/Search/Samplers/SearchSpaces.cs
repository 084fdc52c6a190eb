using MlOps.Sdk.Search;

namespace MlOps.Sdk.Tests.Search.Samplers;

/// <summary>Search spaces and synthetic objectives shared by the sampler tests.</summary>
internal static class SearchSpaces
{
    /// <summary>One parameter of every kind: linear, log and stepped floats; linear, stepped and log integers; a categorical.</summary>
    public static IReadOnlyList<(string Name, ParameterDistribution Distribution)> Mixed { get; } =
    [
        ("x", new FloatDistribution(-5, 5)),
        ("lr", new FloatDistribution(1e-5, 1, log: true)),
        ("dropout", new FloatDistribution(0, 0.5, step: 0.05)),
        ("depth", new IntDistribution(1, 12)),
        ("layers", new IntDistribution(2, 33, step: 3)),
        ("units", new IntDistribution(8, 1024, log: true)),
        ("activation", new CategoricalDistribution(["relu", "tanh", "gelu", "silu"])),
    ];

    /// <summary>A smooth objective over <see cref="Mixed"/> with its minimum inside every range.</summary>
    public static double MixedObjective(IReadOnlyDictionary<string, double> p)
    {
        var activation = p["activation"] == 2 ? 0 : 1.5;
        return Math.Pow(p["x"] - 1.3, 2) + Math.Pow(Math.Log10(p["lr"]) + 2.5, 2) + Math.Abs(p["dropout"] - 0.2)
               + (0.3 * Math.Abs(p["depth"] - 7)) + (0.1 * Math.Abs(p["layers"] - 20)) + Math.Pow(Math.Log2(p["units"]) - 7, 2) + activation;
    }

    /// <summary>Runs a sampler for <paramref name="trials"/> complete trials of <see cref="MixedObjective"/>.</summary>
    public static List<TrialInfo> RunMixed(Sampler sampler, int trials, List<TrialInfo>? history = null)
    {
        history ??= [];
        var start = history.Count;
        for (var n = start; n < start + trials; n++)
        {
            var (distributions, values) = SamplerDriver.Ask(sampler, n, history, Mixed);
            history.Add(new TrialInfo(n, TrialState.Complete, distributions, values, MixedObjective(values)));
        }

        return history;
    }

    public static void AssertInside(IReadOnlyDictionary<string, double> values, IReadOnlyDictionary<string, ParameterDistribution> distributions)
    {
        foreach (var (name, value) in values)
        {
            Assert.That(distributions[name].Contains(value), Is.True, $"{name}={value} is outside {distributions[name]}");
        }
    }
}
