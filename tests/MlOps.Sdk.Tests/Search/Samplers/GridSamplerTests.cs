using System.Collections.Concurrent;
using MlOps.Sdk.Search;

namespace MlOps.Sdk.Tests.Search.Samplers;

public sealed class GridSamplerTests
{
    private static readonly IReadOnlyList<(string Name, ParameterDistribution Distribution)> Space =
    [
        ("lr", new FloatDistribution(1e-4, 1e-1, log: true)),
        ("depth", new IntDistribution(1, 10)),
        ("kernel", new CategoricalDistribution(["linear", "rbf", "null"])),
    ];

    private static Dictionary<string, IReadOnlyList<object?>> Grid() => new()
    {
        ["lr"] = [1e-3, 1e-2],
        ["depth"] = [2, 4, 8],
        ["kernel"] = ["linear", "rbf", null],
    };

    [Test]
    public void SampleIndependent_Sequentially_CoversEveryPointExactlyOnceThenIsExhausted()
    {
        var sampler = new GridSampler(Grid(), new GridSamplerOptions { Seed = 3 });
        var history = new List<TrialInfo>();
        for (var n = 0; n < 18; n++)
        {
            Assert.That(sampler.IsExhausted(new SamplingContext("grid", StudyDirection.Minimize, n, history)), Is.False, $"exhausted after {n} trials");
            var (distributions, values) = SamplerDriver.Ask(sampler, n, history, Space);
            history.Add(new TrialInfo(n, TrialState.Complete, distributions, values, 0));
        }

        var points = history.Select(t => $"{t.Parameters["lr"]}|{t.Parameters["depth"]}|{t.Parameters["kernel"]}").ToList();
        Assert.That(points, Is.Unique);
        Assert.That(points, Has.Count.EqualTo(18));
        Assert.That(history.Select(t => (string)t.Parameters["kernel"]).Distinct(), Is.EquivalentTo(new[] { "linear", "rbf", "null" }));
        Assert.That(sampler.PointCount, Is.EqualTo(18));
        Assert.That(sampler.IsExhausted(new SamplingContext("grid", StudyDirection.Minimize, 18, history)), Is.True);
    }

    [Test]
    public void SampleIndependent_SameSeed_SameOrder_DifferentSeed_DifferentOrder()
    {
        static string Order(int seed)
        {
            var sampler = new GridSampler(Grid(), new GridSamplerOptions { Seed = seed });
            var history = new List<TrialInfo>();
            for (var n = 0; n < 18; n++)
            {
                var (distributions, values) = SamplerDriver.Ask(sampler, n, history, Space);
                history.Add(new TrialInfo(n, TrialState.Complete, distributions, values, 0));
            }

            return string.Join(";", history.Select(t => string.Join(",", t.Parameters.Values)));
        }

        var first = Order(5);

        Assert.That(Order(5), Is.EqualTo(first));
        Assert.That(Order(6), Is.Not.EqualTo(first));
    }

    [Test]
    public void SampleIndependent_WorkersStartingTogether_TakeDifferentPoints()
    {
        var sampler = new GridSampler(Grid(), new GridSamplerOptions { Seed = 1 });
        var history = new List<TrialInfo>();
        for (var n = 0; n < 5; n++)
        {
            var (distributions, values) = SamplerDriver.Ask(sampler, n, history, Space);
            history.Add(new TrialInfo(n, TrialState.Complete, distributions, values, 0));
        }

        // Four workers start trials 5..8 seeing the same five finished trials (none of the four has parameters yet).
        var started = Enumerable.Range(5, 4).Select(n => SamplerDriver.Ask(sampler, n, history, Space).Values).ToList();

        var points = started.Select(v => string.Join(",", v.Values)).ToList();
        Assert.That(points, Is.Unique);
        var known = history.Select(t => string.Join(",", t.InternalParameters.Values)).ToList();
        Assert.That(points, Has.None.AnyOf(known.ToArray()));
    }

    [Test]
    public void SampleIndependent_PointsTakenBetweenSuggestions_TakesTheUnvisitedPointAgreeingWithEarlierValues()
    {
        var sampler = new GridSampler(Grid(), new GridSamplerOptions { Seed = 9 });
        var lr = (FloatDistribution)Space[0].Distribution;
        var depth = (IntDistribution)Space[1].Distribution;
        var kernel = (CategoricalDistribution)Space[2].Distribution;
        var first = sampler.SampleIndependent(new SamplingContext("grid", StudyDirection.Minimize, 0, []), "lr", lr);

        // Meanwhile other workers took every point with this lr except depth 8 (any kernel).
        var others = new List<TrialInfo>();
        foreach (var d in new[] { 2.0, 4.0 })
        {
            for (var k = 0; k < 3; k++)
            {
                others.Add(Trial(others.Count + 1, first, d, k, kernel, lr, depth));
            }
        }

        var values = new Dictionary<string, double> { ["lr"] = first };
        var distributions = new Dictionary<string, ParameterDistribution> { ["lr"] = lr };
        var chosenDepth = sampler.SampleIndependent(new SamplingContext("grid", StudyDirection.Minimize, 0, others, values, distributions), "depth", depth);
        Assert.That(chosenDepth, Is.EqualTo(8));

        // Then they took two of the three kernels with (lr, 8): the trial gets the third.
        others.Add(Trial(others.Count + 1, first, 8, 0, kernel, lr, depth));
        others.Add(Trial(others.Count + 1, first, 8, 2, kernel, lr, depth));
        values["depth"] = chosenDepth;
        distributions["depth"] = depth;
        var chosenKernel = sampler.SampleIndependent(new SamplingContext("grid", StudyDirection.Minimize, 0, others, values, distributions), "kernel", kernel);
        Assert.That(chosenKernel, Is.EqualTo(1));
    }

    [Test]
    public void SampleIndependent_ATrialPartWayThroughItsPoint_HoldsItAgainstOthers_UntilItEnds()
    {
        var sampler = new GridSampler(Grid(), new GridSamplerOptions { Seed = 4 });
        var (lrName, lr) = Space[0];
        var first = sampler.SampleIndependent(new SamplingContext("driver", StudyDirection.Minimize, 0, []), lrName, lr);
        var partWay = new TrialInfo(0, TrialState.Running, new Dictionary<string, ParameterDistribution> { [lrName] = lr }, new Dictionary<string, double> { [lrName] = first });

        // Trial 18 starts while trial 0 has suggested only lr: 18 mod 18 would be trial 0's own point, which it holds.
        var eighteen = SamplerDriver.Ask(sampler, 18, [partWay], Space).Values;
        var zero = SamplerDriver.Ask(sampler, 0, [new TrialInfo(18, TrialState.Running, SpaceDistributions(), eighteen)], Space).Values;

        var alone = SamplerDriver.Ask(new GridSampler(Grid(), new GridSamplerOptions { Seed = 4 }), 0, [], Space).Values;
        Assert.That(string.Join(",", zero.Values), Is.EqualTo(string.Join(",", alone.Values)), "trial 0 ends on the point it started, as if alone");
        Assert.That(string.Join(",", eighteen.Values), Is.Not.EqualTo(string.Join(",", zero.Values)));

        // A trial that ended part-way (failed after lr) holds nothing: the grid is not exhausted without its point, and
        // the next eighteen trials take all eighteen points.
        var history = new List<TrialInfo> { new(0, TrialState.Failed, partWay.Distributions, partWay.InternalParameters) };
        for (var n = 1; n <= 18; n++)
        {
            Assert.That(sampler.IsExhausted(new SamplingContext("driver", StudyDirection.Minimize, n, history)), Is.False, $"exhausted after {n - 1} complete trials");
            var (distributions, values) = SamplerDriver.Ask(sampler, n, history, Space);
            history.Add(new TrialInfo(n, TrialState.Complete, distributions, values, 0));
        }

        Assert.That(history.Skip(1).Select(t => string.Join(",", t.InternalParameters.Values)), Is.Unique);
        Assert.That(sampler.IsExhausted(new SamplingContext("driver", StudyDirection.Minimize, 19, history)), Is.True);
    }

    [Test]
    public void IsExhausted_CountsRunningButNotWaitingOrStaleTrials()
    {
        var grid = new Dictionary<string, IReadOnlyList<object?>> { ["a"] = [1, 2] };
        var sampler = new GridSampler(grid, new GridSamplerOptions { Seed = 0 });
        var distribution = new IntDistribution(0, 5);
        TrialInfo At(int number, TrialState state, double a) => new(number, state, new Dictionary<string, ParameterDistribution> { ["a"] = distribution }, new Dictionary<string, double> { ["a"] = a });

        Assert.That(sampler.IsExhausted(new SamplingContext("g", StudyDirection.Minimize, 2, [At(0, TrialState.Complete, 1), At(1, TrialState.Running, 2)])), Is.True);
        Assert.That(sampler.IsExhausted(new SamplingContext("g", StudyDirection.Minimize, 2, [At(0, TrialState.Failed, 1), At(1, TrialState.Waiting, 2)])), Is.False);
        Assert.That(sampler.IsExhausted(new SamplingContext("g", StudyDirection.Minimize, 2, [At(0, TrialState.Pruned, 1), At(1, TrialState.Stale, 2)])), Is.False);
        Assert.That(sampler.IsExhausted(new SamplingContext("g", StudyDirection.Minimize, 2, [At(0, TrialState.Pruned, 1), At(1, TrialState.Complete, 3)])), Is.False);
    }

    [Test]
    public void Constructor_EmptyListEmptySpaceOrDuplicate_Throws()
    {
        Assert.That(() => new GridSampler(new Dictionary<string, IReadOnlyList<object?>> { ["a"] = [1], ["b"] = [] }), Throws.ArgumentException.With.Message.Contains("'b'"));
        Assert.That(() => new GridSampler(new Dictionary<string, IReadOnlyList<object?>>()), Throws.ArgumentException);
        Assert.That(() => new GridSampler(new Dictionary<string, IReadOnlyList<object?>> { ["a"] = [1, 2, 1] }), Throws.ArgumentException.With.Message.Contains("twice"));
    }

    [Test]
    public void SampleIndependent_UnknownParameter_ThrowsNamingIt()
    {
        var sampler = new GridSampler(Grid());

        Assert.That(
            () => sampler.SampleIndependent(new SamplingContext("g", StudyDirection.Minimize, 0, []), "momentum", new FloatDistribution(0, 1)),
            Throws.ArgumentException.With.Message.Contains("'momentum'"));
    }

    [Test]
    public void SampleIndependent_DistributionCannotHoldAGridValue_Throws()
    {
        var sampler = new GridSampler(Grid());
        var context = new SamplingContext("g", StudyDirection.Minimize, 0, []);

        Assert.That(() => sampler.SampleIndependent(context, "depth", new IntDistribution(1, 5)), Throws.ArgumentException.With.Message.Contains("'8'"));
        Assert.That(() => sampler.SampleIndependent(context, "kernel", new CategoricalDistribution(["linear", "rbf"])), Throws.ArgumentException.With.Message.Contains("'null'"));
        Assert.That(() => sampler.SampleIndependent(context, "lr", new CategoricalDistribution(["a"])), Throws.ArgumentException);
    }

    [Test]
    public void SampleIndependent_ManyThreads_GiveGridValues()
    {
        var sampler = new GridSampler(Grid(), new GridSamplerOptions { Seed = 4 });
        var history = new List<TrialInfo>();
        for (var n = 0; n < 6; n++)
        {
            var (distributions, values) = SamplerDriver.Ask(sampler, n, history, Space);
            history.Add(new TrialInfo(n, TrialState.Complete, distributions, values, 0));
        }

        var results = new ConcurrentBag<Dictionary<string, double>>();
        Parallel.For(6, 406, new ParallelOptions { MaxDegreeOfParallelism = 8 }, n => results.Add(SamplerDriver.Ask(sampler, n, history, Space).Values));

        Assert.That(results, Has.Count.EqualTo(400));
        foreach (var values in results)
        {
            Assert.That(new[] { 1e-3, 1e-2 }, Does.Contain(values["lr"]));
            Assert.That(new[] { 2.0, 4.0, 8.0 }, Does.Contain(values["depth"]));
            Assert.That(values["kernel"], Is.InRange(0, 2));
        }
    }

    private static Dictionary<string, ParameterDistribution> SpaceDistributions() => Space.ToDictionary(p => p.Name, p => p.Distribution);

    private static TrialInfo Trial(int number, double lr, double depth, double kernel, CategoricalDistribution k, FloatDistribution l, IntDistribution d)
        => new(number, TrialState.Complete, new Dictionary<string, ParameterDistribution> { ["lr"] = l, ["depth"] = d, ["kernel"] = k }, new Dictionary<string, double> { ["lr"] = lr, ["depth"] = depth, ["kernel"] = kernel }, 0);
}
