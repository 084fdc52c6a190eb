using System.Collections.Concurrent;
using MlOps.Sdk.Search;

namespace MlOps.Sdk.Tests.Search.Samplers;

public sealed class RandomSamplerTests
{
    [Test]
    public void SampleIndependent_EveryKindOfDistribution_StaysInsideAndReachesBothEnds()
    {
        var sampler = new RandomSampler(new RandomSamplerOptions { Seed = 1 });
        var seen = SearchSpaces.Mixed.ToDictionary(p => p.Name, _ => new HashSet<double>());
        for (var n = 0; n < 2000; n++)
        {
            var (distributions, values) = SamplerDriver.Ask(sampler, n, [], SearchSpaces.Mixed);
            SearchSpaces.AssertInside(values, distributions);
            foreach (var (name, value) in values)
            {
                seen[name].Add(value);
            }
        }

        Assert.That(seen["activation"], Is.EquivalentTo(new double[] { 0, 1, 2, 3 }));
        Assert.That(seen["depth"], Is.EquivalentTo(Enumerable.Range(1, 12).Select(i => (double)i)));
        Assert.That(seen["layers"], Is.EquivalentTo(new double[] { 2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 32 }));
        Assert.That(seen["dropout"], Has.Count.EqualTo(11));
        Assert.That(seen["units"], Does.Contain(8.0).And.Contain(1024.0));
    }

    [Test]
    public void SampleIndependent_LogScale_IsUniformInTheLogarithm()
    {
        var sampler = new RandomSampler(new RandomSamplerOptions { Seed = 2 });
        var distribution = new FloatDistribution(1e-4, 1, log: true);
        var values = Enumerable.Range(0, 4000).Select(n => sampler.SampleIndependent(Context(n), "lr", distribution)).ToArray();

        // Uniform in log10: a quarter of the draws in each decade pair [1e-4, 1e-3), ..., and half below 1e-2.
        Assert.That(values.Count(v => v < 1e-2) / 4000.0, Is.EqualTo(0.5).Within(0.03));
        Assert.That(values.Count(v => v < 1e-3) / 4000.0, Is.EqualTo(0.25).Within(0.03));
    }

    [Test]
    public void SampleIndependent_SameSeed_SameValuesWhateverTheOrder()
    {
        var a = new RandomSampler(new RandomSamplerOptions { Seed = 42 });
        var b = new RandomSampler(new RandomSamplerOptions { Seed = 42 });
        var reversed = SearchSpaces.Mixed.Reverse().ToList();
        for (var n = 0; n < 50; n++)
        {
            var (_, first) = SamplerDriver.Ask(a, n, [], SearchSpaces.Mixed);
            var (_, second) = SamplerDriver.Ask(b, n, [], reversed);
            Assert.That(second, Is.EquivalentTo(first));
        }
    }

    [Test]
    public void SampleIndependent_DifferentSeeds_DifferentValues()
    {
        var a = new RandomSampler(new RandomSamplerOptions { Seed = 1 });
        var b = new RandomSampler(new RandomSamplerOptions { Seed = 2 });
        var distribution = new FloatDistribution(0, 1);

        var same = Enumerable.Range(0, 100).Count(n => a.SampleIndependent(Context(n), "x", distribution) == b.SampleIndependent(Context(n), "x", distribution));

        Assert.That(same, Is.Zero);
    }

    [Test]
    public void Constructor_Unseeded_ChoosesADifferentSeedPerSampler()
    {
        var seeds = Enumerable.Range(0, 5).Select(_ => new RandomSampler().Seed).ToHashSet();

        Assert.That(seeds, Has.Count.EqualTo(5));
    }

    [Test]
    public void SampleIndependent_ManyThreads_SameValuesAsOneThread()
    {
        var sampler = new RandomSampler(new RandomSamplerOptions { Seed = 7 });
        var sequential = Enumerable.Range(0, 2000).Select(n => SamplerDriver.Ask(sampler, n, [], SearchSpaces.Mixed).Values).ToArray();
        var parallel = new ConcurrentDictionary<int, Dictionary<string, double>>();

        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, n => parallel[n] = SamplerDriver.Ask(sampler, n, [], SearchSpaces.Mixed).Values);

        for (var n = 0; n < 2000; n++)
        {
            Assert.That(parallel[n], Is.EquivalentTo(sequential[n]));
        }
    }

    private static SamplingContext Context(int number) => new("study", StudyDirection.Minimize, number, []);
}
