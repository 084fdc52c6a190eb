using MlOps.Sdk.Search;

namespace MlOps.Sdk.Tests.Search.Samplers;

/// <summary>The numerics under TPE: masses of narrow cells, densities over very wide integer ranges, the grid's last point.</summary>
public sealed class TpeNumericsTests
{
    [TestCase(-1e-9, 1e-9)]
    [TestCase(-1e-4, 1e-4)]
    [TestCase(3.0, 3.0 + 1e-6)]
    [TestCase(-0.02, 0.02)]
    [TestCase(-1.0, 1.0)]
    [TestCase(2.0, 2.5)]
    public void Mass_IsTheNormalsMass_NarrowCellsIncluded(double a, double b)
    {
        // Reference by a fine midpoint sum of the density (independent of erfc).
        const int Slices = 20_000;
        var width = (b - a) / Slices;
        var expected = 0.0;
        for (var i = 0; i < Slices; i++)
        {
            var x = a + ((i + 0.5) * width);
            expected += Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI) * width;
        }

        Assert.That(Gaussian.Mass(a, b), Is.EqualTo(expected).Within(Math.Max(expected * 1e-6, 1e-12)));
        Assert.That(Gaussian.Mass(a, b), Is.GreaterThan(0));
    }

    [Test]
    public void Tpe_OverAVeryWideIntegerRange_StaysFiniteAndInRange()
    {
        var seed = new IntDistribution(0, int.MaxValue);
        var rate = new FloatDistribution(0, 1);
        var trials = Enumerable.Range(0, 40).Select(i => new TrialInfo(
            i,
            TrialState.Complete,
            new Dictionary<string, ParameterDistribution> { ["seed"] = seed, ["rate"] = rate },
            new Dictionary<string, double> { ["seed"] = (i * 53_687_091L) % int.MaxValue, ["rate"] = i / 40.0 },
            value: Math.Abs(i - 20))).ToList();

        foreach (var multivariate in new[] { false, true })
        {
            var sampler = new TpeSampler(new TpeSamplerOptions { Seed = 3, Multivariate = multivariate });
            for (var n = 40; n < 60; n++)
            {
                var context = new SamplingContext("wide", StudyDirection.Minimize, n, trials);
                var relative = sampler.SampleRelative(context, sampler.InferRelativeSearchSpace(context));
                var value = relative.TryGetValue("seed", out var joint) ? joint : sampler.SampleIndependent(context, "seed", seed);
                Assert.That(seed.Contains(value), Is.True, $"{value} (multivariate: {multivariate})");
            }
        }

        var spaces = new[] { new ParzenSpace(new IntDistribution(0, 200_000_000)) };
        var estimator = new ParzenEstimator([Array.Empty<double>()], 0, spaces, new TpeSamplerOptions());
        Assert.That(double.IsFinite(estimator.LogDensity([100_000_000.0], new double[1])), Is.True);
    }

    [Test]
    public void SteppedFloatRange_EndsAtTheUsersHigh_NotPastIt()
    {
        var range = new FloatDistribution(0, 0.3, step: 0.1);
        var sampler = new RandomSampler(new RandomSamplerOptions { Seed = 1 });

        var values = Enumerable.Range(0, 200).Select(n => sampler.SampleIndependent(new SamplingContext("s", StudyDirection.Minimize, n, []), "x", range)).ToList();

        Assert.That(range.High, Is.EqualTo(0.3));
        Assert.That(values.Max(), Is.LessThanOrEqualTo(0.3));
        Assert.That(values.Distinct().Count(), Is.EqualTo(4), "0, 0.1, 0.2 and 0.3");
        Assert.That(new FloatDistribution(1, 2.05, step: 0.5).High, Is.EqualTo(2.0));
    }

    [Test]
    public void AFloatRangeWiderThanADouble_IsRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FloatDistribution(-1e308, 1e308));

        Assert.That(error!.Message, Does.Contain("wider than a double"));
    }

    [Test]
    public void AnUnseededSamplersSeed_ReproducesItsSuggestions()
    {
        var unseeded = new TpeSampler();
        var again = new TpeSampler(new TpeSamplerOptions { Seed = unseeded.Seed });
        var range = new FloatDistribution(-5, 5);

        var first = Enumerable.Range(0, 5).Select(n => unseeded.SampleIndependent(new SamplingContext("s", StudyDirection.Minimize, n, []), "x", range));
        var second = Enumerable.Range(0, 5).Select(n => again.SampleIndependent(new SamplingContext("s", StudyDirection.Minimize, n, []), "x", range));

        Assert.That(second, Is.EqualTo(first));
    }
}
