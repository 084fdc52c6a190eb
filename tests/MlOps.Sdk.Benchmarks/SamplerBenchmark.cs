using System.Diagnostics;
using MlOps.Sdk.Search;

namespace MlOps.Sdk.Benchmarks;

/// <summary>
/// What a suggestion costs with 1,000 complete trials in the study: a whole trial's parameters (six: a float, a log
/// float, a stepped float, an integer, a log integer, a categorical) from TPE one by one, TPE multivariate, and random.
/// </summary>
internal static class SamplerBenchmark
{
    private const int History = 1000;

    private static readonly (string Name, ParameterDistribution Distribution)[] Space =
    [
        ("x", new FloatDistribution(-5, 5)),
        ("lr", new FloatDistribution(1e-5, 1, log: true)),
        ("dropout", new FloatDistribution(0, 0.5, step: 0.05)),
        ("depth", new IntDistribution(1, 12)),
        ("units", new IntDistribution(8, 1024, log: true)),
        ("activation", new CategoricalDistribution(["relu", "tanh", "gelu", "silu"])),
    ];

    public static Task RunAsync(bool quick)
    {
        var trials = BuildHistory();
        var rounds = quick ? 5 : 11;
        var perRound = quick ? 20 : 50;

        var tpe = Measure(new TpeSampler(new TpeSamplerOptions { Seed = 1 }), trials, rounds, perRound, quick);
        Report.Bench("tpe_suggest_ms_at_1000_trials", tpe, "ms");
        Report.Note($"TPE one by one: {tpe / Space.Length:0.###} ms per parameter ({Space.Length} parameters per trial)");
        NoteParameterCosts(new TpeSampler(new TpeSamplerOptions { Seed = 1 }), trials, perRound);

        var multivariate = Measure(new TpeSampler(new TpeSamplerOptions { Seed = 1, Multivariate = true }), trials, rounds, perRound, quick);
        Report.Bench("tpe_multivariate_suggest_ms_at_1000_trials", multivariate, "ms");

        // A history where most trials were pruned after 300 reports each (a pruned study): ranking them must stay cheap.
        var pruned = Measure(new TpeSampler(new TpeSamplerOptions { Seed = 1 }), BuildHistory(prunedEvery: 5, reports: 300), rounds, perRound, quick);
        Report.Bench("tpe_suggest_ms_at_1000_trials_800_pruned", pruned, "ms");

        var random = Measure(new RandomSampler(new RandomSamplerOptions { Seed = 1 }), trials, rounds, perRound, quick);
        Report.Bench("random_suggest_ms_at_1000_trials", random, "ms");
        Report.Ratio("tpe_suggest_vs_random_at_1000_trials", tpe / random);

        Report.Bench("importances_ms_1000_trials_10_params", MeasureImportances(quick ? 3 : 7), "ms");
        return Task.CompletedTask;
    }

    /// <summary>The median milliseconds <see cref="ParameterImportances.Evaluate"/> takes over 1,000 complete trials of ten parameters.</summary>
    private static double MeasureImportances(int rounds)
    {
        var random = new Random(9);
        var distribution = new FloatDistribution(0, 1);
        var distributions = Enumerable.Range(0, 10).ToDictionary(i => $"p{i}", _ => (ParameterDistribution)distribution);
        var trials = new List<TrialInfo>(History);
        for (var n = 0; n < History; n++)
        {
            var values = distributions.Keys.ToDictionary(name => name, _ => random.NextDouble());
            trials.Add(new TrialInfo(n, TrialState.Complete, distributions, values, values.Select((p, i) => p.Value * (i + 1)).Sum()));
        }

        ParameterImportances.Evaluate(trials, StudyDirection.Minimize);
        var samples = new List<TimeSpan>();
        for (var round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            GC.KeepAlive(ParameterImportances.Evaluate(trials, StudyDirection.Minimize));
            samples.Add(watch.Elapsed);
        }

        return Report.Median(samples).TotalMilliseconds;
    }

    /// <summary>The median, over rounds, of the milliseconds one trial's full set of parameters takes.</summary>
    private static double Measure(Sampler sampler, List<TrialInfo> trials, int rounds, int perRound, bool quick = false)
    {
        var sink = 0.0;
        var number = History;

        // Past the tiered JIT's first tiers (slow to arrive on a busy machine): 2 seconds and 200 asks before measuring.
        var warmup = Stopwatch.StartNew();
        while (warmup.Elapsed < TimeSpan.FromSeconds(quick ? 1 : 2) || number < History + 200)
        {
            sink += Ask(sampler, trials, number++);
        }

        var samples = new List<TimeSpan>();
        for (var round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < perRound; i++)
            {
                sink += Ask(sampler, trials, number++);
            }

            samples.Add(watch.Elapsed / perRound);
        }

        GC.KeepAlive(sink);
        return Report.Median(samples).TotalMilliseconds;
    }

    /// <summary>Notes what each kind of parameter costs on its own (TPE one by one).</summary>
    private static void NoteParameterCosts(Sampler sampler, List<TrialInfo> trials, int count)
    {
        foreach (var (name, distribution) in Space)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                sampler.SampleIndependent(new SamplingContext("bench", StudyDirection.Minimize, History + i, trials), name, distribution);
            }

            Report.Note($"  {name} ({distribution}): {watch.Elapsed.TotalMilliseconds / count:0.###} ms");
        }
    }

    /// <summary>What a study does for one trial: relative sampling, then each parameter not chosen with it.</summary>
    private static double Ask(Sampler sampler, List<TrialInfo> trials, int number)
    {
        var context = new SamplingContext("bench", StudyDirection.Minimize, number, trials);
        var relativeSpace = sampler.InferRelativeSearchSpace(context);
        var relative = sampler.SampleRelative(context, relativeSpace);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        var distributions = new Dictionary<string, ParameterDistribution>(StringComparer.Ordinal);
        var sum = 0.0;
        foreach (var (name, distribution) in Space)
        {
            var value = relative.TryGetValue(name, out var r)
                ? r
                : sampler.SampleIndependent(new SamplingContext("bench", StudyDirection.Minimize, number, trials, values, distributions), name, distribution);
            values[name] = value;
            distributions[name] = distribution;
            sum += value;
        }

        return sum;
    }

    /// <summary>1,000 trials of the space; with <paramref name="prunedEvery"/>, all but every n-th were pruned after <paramref name="reports"/> reports.</summary>
    private static List<TrialInfo> BuildHistory(int prunedEvery = 0, int reports = 0)
    {
        var random = new RandomSampler(new RandomSamplerOptions { Seed = 42 });
        var trials = new List<TrialInfo>(History);
        var distributions = Space.ToDictionary(p => p.Name, p => p.Distribution, StringComparer.Ordinal);
        for (var n = 0; n < History; n++)
        {
            var context = new SamplingContext("bench", StudyDirection.Minimize, n, trials);
            var values = Space.ToDictionary(p => p.Name, p => random.SampleIndependent(context, p.Name, p.Distribution), StringComparer.Ordinal);
            var value = Math.Pow(values["x"] - 1, 2) + Math.Pow(Math.Log10(values["lr"]) + 3, 2) + values["dropout"] + Math.Abs(values["depth"] - 6)
                        + Math.Abs(Math.Log2(values["units"]) - 7) + values["activation"];
            if (prunedEvery > 0 && n % prunedEvery != 0)
            {
                var curve = Enumerable.Range(0, reports).ToDictionary(step => (long)step, step => value + (10.0 / (step + 1)));
                trials.Add(new TrialInfo(n, TrialState.Pruned, distributions, values, intermediateValues: curve));
            }
            else
            {
                trials.Add(new TrialInfo(n, TrialState.Complete, distributions, values, value));
            }
        }

        return trials;
    }
}
