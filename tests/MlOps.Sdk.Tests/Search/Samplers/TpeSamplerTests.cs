using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using MlOps.Sdk.Search;

namespace MlOps.Sdk.Tests.Search.Samplers;

public sealed class TpeSamplerTests
{
    [TestCase(false)]
    [TestCase(true)]
    public void Sample_EveryKindOfDistribution_StaysInside(bool multivariate)
    {
        var sampler = new TpeSampler(new TpeSamplerOptions { Seed = 1, Multivariate = multivariate });

        var history = SearchSpaces.RunMixed(sampler, 80);

        foreach (var trial in history)
        {
            SearchSpaces.AssertInside(trial.InternalParameters, trial.Distributions);
        }

        // The model, not chance, chose the later trials: they are better than the random start on average.
        Assert.That(history.Skip(40).Average(t => t.Value!.Value), Is.LessThan(history.Take(10).Average(t => t.Value!.Value)));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Sample_SameSeed_SameTrials_DifferentSeed_DifferentTrials(bool multivariate)
    {
        static List<string> Run(int seed, bool multivariate)
            => SearchSpaces.RunMixed(new TpeSampler(new TpeSamplerOptions { Seed = seed, Multivariate = multivariate }), 40)
                .Select(t => string.Join(",", t.InternalParameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))).ToList();

        var first = Run(11, multivariate);

        Assert.That(Run(11, multivariate), Is.EqualTo(first));
        Assert.That(Run(12, multivariate).Skip(10), Has.None.AnyOf(first.Skip(10).ToArray()));
    }

    [Test]
    public void SampleIndependent_BeforeStartupTrials_DrawsAsRandomSamplerWithTheSameSeed()
    {
        var tpe = new TpeSampler(new TpeSamplerOptions { Seed = 5, StartupTrials = 10 });
        var random = new RandomSampler(new RandomSamplerOptions { Seed = 5 });

        var history = SearchSpaces.RunMixed(tpe, 10);
        var expected = SearchSpaces.RunMixed(random, 10);

        Assert.That(history.Select(t => t.InternalParameters), Is.EqualTo(expected.Select(t => t.InternalParameters)));
    }

    [Test]
    public void SampleIndependent_PrunedTrials_CountTowardsStartupAndTheBestPrunedAreGood()
    {
        var distribution = new FloatDistribution(0, 10);
        var trials = new List<TrialInfo>();
        for (var n = 0; n < 10; n++)
        {
            // Trials near 7 got furthest before being pruned; the rest stopped at step 1.
            var x = n < 3 ? 7 + (0.1 * n) : n * 0.3;
            var steps = n < 3 ? new Dictionary<long, double> { [1] = 5, [4] = 1 } : new Dictionary<long, double> { [1] = 3 };
            trials.Add(new TrialInfo(n, TrialState.Pruned, new Dictionary<string, ParameterDistribution> { ["x"] = distribution }, new Dictionary<string, double> { ["x"] = x }, intermediateValues: steps));
        }

        var tpe = new TpeSampler(new TpeSamplerOptions { Seed = 2, StartupTrials = 10, Gamma = _ => 3 });
        var random = new RandomSampler(new RandomSamplerOptions { Seed = 2 });
        var suggestions = Enumerable.Range(10, 40).Select(n => tpe.SampleIndependent(new SamplingContext("s", StudyDirection.Minimize, n, trials), "x", distribution)).ToArray();
        var randomSuggestions = Enumerable.Range(10, 40).Select(n => random.SampleIndependent(new SamplingContext("s", StudyDirection.Minimize, n, trials), "x", distribution)).ToArray();

        Assert.That(suggestions, Is.Not.EqualTo(randomSuggestions));
        Assert.That(suggestions.Count(x => x is > 6 and < 8), Is.GreaterThan(20));
    }

    [Test]
    public void Sample_Maximize_MirrorsMinimizeOfTheNegatedObjective()
    {
        var minimized = SamplerDriver.Run(new TpeSampler(new TpeSamplerOptions { Seed = 3 }), TestFunctions.Branin, 40);
        var maximized = SamplerDriver.Run(new TpeSampler(new TpeSamplerOptions { Seed = 3 }), TestFunctions.Branin, 40, StudyDirection.Maximize);

        Assert.That(maximized.Select(t => t.InternalParameters), Is.EqualTo(minimized.Select(t => t.InternalParameters)));
        Assert.That(maximized.Select(t => -t.Value!.Value), Is.EqualTo(minimized.Select(t => t.Value!.Value)));
    }

    [Test]
    public void SampleIndependent_ConstantLiar_SpreadsWorkersAwayFromRunningTrialsAtTheOptimum()
    {
        var distribution = new FloatDistribution(-10, 10);
        var space = new List<(string, ParameterDistribution)> { ("x", distribution) };
        var history = new List<TrialInfo>();
        var builder = new TpeSampler(new TpeSamplerOptions { Seed = 8 });
        for (var n = 0; n < 40; n++)
        {
            var (d, v) = SamplerDriver.Ask(builder, n, history, space);
            history.Add(new TrialInfo(n, TrialState.Complete, d, v, Math.Pow(v["x"] - 2, 2)));
        }

        var best = history.MinBy(t => t.Value!.Value)!.InternalParameters["x"];
        for (var n = 40; n < 46; n++)
        {
            history.Add(new TrialInfo(n, TrialState.Running, new Dictionary<string, ParameterDistribution> { ["x"] = distribution }, new Dictionary<string, double> { ["x"] = best }));
        }

        double[] Suggestions(bool liar)
        {
            var sampler = new TpeSampler(new TpeSamplerOptions { Seed = 8, ConstantLiar = liar });
            return [.. Enumerable.Range(46, 60).Select(n => sampler.SampleIndependent(new SamplingContext("s", StudyDirection.Minimize, n, history), "x", distribution))];
        }

        var honest = Suggestions(liar: false);
        var lying = Suggestions(liar: true);

        var nearHonest = honest.Count(x => Math.Abs(x - best) < 0.25);
        var nearLying = lying.Count(x => Math.Abs(x - best) < 0.25);
        TestContext.Out.WriteLine($"best {best:F3}: within 0.25 without liar {nearHonest}/60, with liar {nearLying}/60; mean distance {honest.Average(x => Math.Abs(x - best)):F3} vs {lying.Average(x => Math.Abs(x - best)):F3}");
        Assert.That(nearLying, Is.LessThan(nearHonest / 2));
        Assert.That(lying.Average(x => Math.Abs(x - best)), Is.GreaterThan(honest.Average(x => Math.Abs(x - best))));
    }

    [Test]
    public void InferRelativeSearchSpace_Multivariate_IsTheIntersectionOverCompleteTrialsWithEqualDistributions()
    {
        var a = new FloatDistribution(0, 1);
        var b = new IntDistribution(0, 10);
        var c = new CategoricalDistribution(["p", "q"]);
        var single = new FloatDistribution(3, 3);
        var trials = new List<TrialInfo>();
        for (var n = 0; n < 12; n++)
        {
            var distributions = new Dictionary<string, ParameterDistribution> { ["a"] = a, ["b"] = b, ["s"] = single };
            var values = new Dictionary<string, double> { ["a"] = n / 12.0, ["b"] = n % 11, ["s"] = 3 };
            if (n % 4 != 0)
            {
                distributions["c"] = c;
                values["c"] = n % 2;
            }

            if (n == 5)
            {
                distributions["a"] = new FloatDistribution(0, 2);
            }

            trials.Add(new TrialInfo(n, TrialState.Complete, distributions, values, n));
        }

        trials.Add(new TrialInfo(12, TrialState.Pruned, new Dictionary<string, ParameterDistribution> { ["c"] = c }, new Dictionary<string, double> { ["c"] = 0 }));
        var sampler = new TpeSampler(new TpeSamplerOptions { Seed = 1, Multivariate = true });
        var context = new SamplingContext("s", StudyDirection.Minimize, 13, trials);

        var space = sampler.InferRelativeSearchSpace(context);
        var relative = sampler.SampleRelative(context, space);

        Assert.That(space.Keys, Is.EquivalentTo(new[] { "b" }));
        Assert.That(relative.Keys, Is.EquivalentTo(new[] { "b" }));
        Assert.That(b.Contains(relative["b"]), Is.True);
        Assert.That(new TpeSampler(new TpeSamplerOptions { Seed = 1 }).InferRelativeSearchSpace(context), Is.Empty);
    }

    [Test]
    public void SampleRelative_Multivariate_ChoosesEveryParameterOfTheIntersectionTogether()
    {
        var sampler = new TpeSampler(new TpeSamplerOptions { Seed = 2, Multivariate = true });
        var history = SearchSpaces.RunMixed(sampler, 30);
        var context = new SamplingContext("s", StudyDirection.Minimize, 30, history);

        var space = sampler.InferRelativeSearchSpace(context);
        var relative = sampler.SampleRelative(context, space);

        Assert.That(space.Keys, Is.EquivalentTo(SearchSpaces.Mixed.Select(p => p.Name)));
        Assert.That(relative.Keys, Is.EquivalentTo(space.Keys));
        SearchSpaces.AssertInside(relative, space);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Sample_ConditionalSpace_LearnsTheBetterBranchAndKeepsValuesInside(bool multivariate)
    {
        var model = new CategoricalDistribution(["svm", "tree"]);
        var c = new FloatDistribution(1e-3, 1e3, log: true);
        var depth = new IntDistribution(1, 20);
        var sampler = new TpeSampler(new TpeSamplerOptions { Seed = 4, Multivariate = multivariate });
        var history = new List<TrialInfo>();
        for (var n = 0; n < 60; n++)
        {
            var context = new SamplingContext("s", StudyDirection.Minimize, n, history);
            var relative = sampler.SampleRelative(context, sampler.InferRelativeSearchSpace(context));
            var distributions = new Dictionary<string, ParameterDistribution>();
            var values = new Dictionary<string, double>();
            double Suggest(string name, ParameterDistribution distribution)
            {
                var value = relative.TryGetValue(name, out var r) ? r : sampler.SampleIndependent(new SamplingContext("s", StudyDirection.Minimize, n, history, values, distributions), name, distribution);
                distributions[name] = distribution;
                values[name] = value;
                return value;
            }

            var isTree = Suggest("model", model) == 1;
            var objective = isTree ? Math.Abs(Suggest("depth", depth) - 6) * 0.1 : 2 + Math.Abs(Math.Log10(Suggest("c", c)));
            history.Add(new TrialInfo(n, TrialState.Complete, distributions, values, objective));
        }

        foreach (var trial in history)
        {
            SearchSpaces.AssertInside(trial.InternalParameters, trial.Distributions);
            Assert.That(trial.InternalParameters.ContainsKey("depth"), Is.EqualTo(trial.InternalParameters["model"] == 1));
        }

        var treeShare = history.Skip(20).Count(t => t.InternalParameters["model"] == 1) / 40.0;
        Assert.That(treeShare, Is.GreaterThan(0.7));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Sample_ManyThreads_SameValuesAsOneThread(bool multivariate)
    {
        var sampler = new TpeSampler(new TpeSamplerOptions { Seed = 6, Multivariate = multivariate });
        var history = SearchSpaces.RunMixed(new RandomSampler(new RandomSamplerOptions { Seed = 6 }), 200);
        var sequential = Enumerable.Range(200, 64).Select(n => SamplerDriver.Ask(sampler, n, history, SearchSpaces.Mixed).Values).ToArray();
        var parallel = new ConcurrentDictionary<int, Dictionary<string, double>>();

        Parallel.For(200, 264, new ParallelOptions { MaxDegreeOfParallelism = 8 }, n => parallel[n] = SamplerDriver.Ask(sampler, n, history, SearchSpaces.Mixed).Values);

        for (var n = 200; n < 264; n++)
        {
            Assert.That(parallel[n], Is.EquivalentTo(sequential[n - 200]));
        }
    }

    [Test]
    public void Constructor_OptionsOutOfRange_ThrowsListingThem()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => _ = new TpeSampler(new TpeSamplerOptions { EiCandidates = 0, PriorWeight = 0, StartupTrials = -1 }));

        Assert.That(ex!.Failures, Has.Some.Contains("EiCandidates"));
        Assert.That(ex.Failures, Has.Some.Contains("PriorWeight"));
        Assert.That(ex.Failures, Has.Some.Contains("StartupTrials"));
    }

    [Test]
    public void DefaultGammaAndWeights_AreOptunas()
    {
        Assert.That(new[] { 1, 9, 10, 11, 100, 250, 1000 }.Select(TpeSampler.DefaultGamma), Is.EqualTo(new[] { 1, 1, 1, 2, 10, 25, 25 }));
        Assert.That(TpeSampler.DefaultWeights(24), Has.Length.EqualTo(24).And.All.EqualTo(1.0));
        var weights = TpeSampler.DefaultWeights(30);
        Assert.That(weights[0], Is.EqualTo(1.0 / 30).Within(1e-12));
        Assert.That(weights[4], Is.EqualTo(1.0).Within(1e-12));
        Assert.That(weights[2], Is.EqualTo((1.0 / 30) + ((1 - (1.0 / 30)) / 2)).Within(1e-12));
        Assert.That(weights.Skip(5), Is.All.EqualTo(1.0));
    }

    [Test]
    public void SampleIndependent_CustomGammaAndWeights_AreUsed()
    {
        var calls = 0;
        var sampler = new TpeSampler(new TpeSamplerOptions
        {
            Seed = 1,
            Gamma = n => { Interlocked.Increment(ref calls); return n / 2; },
            Weights = n => Enumerable.Repeat(2.0, n).ToArray(),
        });

        var history = SearchSpaces.RunMixed(sampler, 15);

        Assert.That(calls, Is.EqualTo(5 * SearchSpaces.Mixed.Count));
        Assert.That(() => SearchSpaces.RunMixed(new TpeSampler(new TpeSamplerOptions { Seed = 1, Weights = _ => [1.0] }), 1, [.. history]), Throws.InvalidOperationException);
    }
}
