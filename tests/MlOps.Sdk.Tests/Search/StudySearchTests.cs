using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Microsoft.ML;
using MlOps.Sdk.Search;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tests.Search.Samplers;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Search;

/// <summary>The built-in samplers and pruners through the study, the best model into the registry, Katib trials, bad input.</summary>
public sealed class StudySearchTests
{
    /// <summary>Katib's default metrics-collector pattern, as its documentation gives it.</summary>
    private static readonly Regex KatibMetric = new(@"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)", RegexOptions.CultureInvariant);

    private MlOpsClient _client = null!;

    [SetUp]
    public void SetUp() => _client = TrackingClients.Create(new InMemoryObjectStore());

    [Test]
    public async Task Tpe_ThroughTheStudy_BeatsRandomSearchOnBranin()
    {
        var tpe = new List<double>();
        var random = new List<double>();
        foreach (var seed in new[] { 1, 2, 3, 4, 5 })
        {
            tpe.Add(await BestOnBraninAsync($"tpe-{seed}", new TpeSampler(new TpeSamplerOptions { Seed = seed })));
            random.Add(await BestOnBraninAsync($"random-{seed}", new RandomSampler(new RandomSamplerOptions { Seed = seed })));
        }

        Assert.That(Median(tpe), Is.LessThan(Median(random)), $"TPE {string.Join(", ", tpe)}; random {string.Join(", ", random)}");
        Assert.That(Median(tpe), Is.LessThan(0.6), "near Branin's minimum, 0.398, after 60 trials");
    }

    [Test]
    public async Task Tpe_ThroughTheStudy_IsReproducibleWithASeed()
    {
        var first = await BestOnBraninAsync("seeded-a", new TpeSampler(new TpeSamplerOptions { Seed = 42 }));
        var second = await BestOnBraninAsync("seeded-b", new TpeSampler(new TpeSamplerOptions { Seed = 42 }));
        var other = await BestOnBraninAsync("seeded-c", new TpeSampler(new TpeSamplerOptions { Seed = 43 }));

        Assert.That(second, Is.EqualTo(first));
        Assert.That(other, Is.Not.EqualTo(first));
    }

    [TestCase(1)]
    [TestCase(3)]
    public async Task Grid_ThroughTheStudy_VisitsEveryPoint_ThenStops(int parallelism)
    {
        var grid = new Dictionary<string, IReadOnlyList<object?>> { ["flag"] = [true, false], ["depth"] = [2, 4, 8], ["rate"] = [0.1, 0.01] };
        var study = await _client.Studies.OpenAsync($"grid-{parallelism}", new StudyOptions { Sampler = new GridSampler(grid, new GridSamplerOptions { Seed = 1 }) });

        var result = await study.OptimizeAsync(
            (trial, _) => Task.FromResult((trial.SuggestCategorical("flag", true, false) ? 1 : 0) + trial.SuggestInt("depth", 1, 8) + trial.SuggestFloat("rate", 0.001, 1, log: true)),
            new SearchBudget { Trials = 100, Parallelism = parallelism });

        var points = (await study.GetTrialsAsync()).Select(t => $"{t.Parameters["flag"]} {t.Parameters["depth"]} {t.Parameters["rate"]}").ToList();
        Assert.That(result.StopReason, Is.EqualTo(SearchStopReason.SamplerExhausted));
        Assert.That(points.Distinct().Count(), Is.EqualTo(12), "every one of the 2 x 3 x 2 points");
        if (parallelism == 1)
        {
            Assert.That(points, Has.Count.EqualTo(12), "each once");
        }
        else
        {
            // A trial holds its point from its first suggestion; only trials started as the last points are taken may repeat one.
            Assert.That(points, Has.Count.InRange(12, 12 + parallelism - 1));
        }
    }

    [Test]
    public async Task MedianPruner_ThroughTheStudy_SavesWorkOnLearningCurves_AndKeepsAGoodBest()
    {
        var (withPruning, prunedSteps, prunedTrials) = await LearningCurvesAsync("pruned", new MedianPruner());
        var (without, allSteps, _) = await LearningCurvesAsync("unpruned", null);

        Assert.That(prunedTrials, Is.GreaterThan(10));
        Assert.That(prunedSteps, Is.LessThan(allSteps * 0.6), $"{prunedSteps} steps with pruning, {allSteps} without");
        Assert.That(withPruning, Is.LessThan(without + 0.5), "the best found stays close to the unpruned search's");
    }

    [Test]
    public async Task Hyperband_ThroughTheStudy_SavesWork()
    {
        var (_, prunedSteps, prunedTrials) = await LearningCurvesAsync("hyperband", new HyperbandPruner(new HyperbandPrunerOptions { MinResource = 1, MaxResource = 40 }));

        Assert.That(prunedTrials, Is.GreaterThan(10));
        Assert.That(prunedSteps, Is.LessThan(40 * 40 * 0.6));
    }

    [Test]
    public async Task RegisterBestModelAsync_RegistersTheBestTrialsSavedModel_LinkedToItsRun()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 60).Select(i => new Point { X = i, Y = (3 * i) + 2 }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var study = await _client.Studies.OpenAsync("registered", new StudyOptions { Sampler = new RandomSampler(new RandomSamplerOptions { Seed = 3 }) });

        await study.OptimizeAsync(async (trial, ct) =>
        {
            var iterations = trial.SuggestInt("iterations", 1, 20);
            var model = ml.Transforms.Concatenate("Features", "X")
                .Append(ml.Regression.Trainers.Sdca(labelColumnName: "Y", maximumNumberOfIterations: iterations))
                .Fit(data);
            await trial.SaveModelAsync(model, data.Schema, ct);
            return ml.Regression.Evaluate(model.Transform(data), labelColumnName: "Y").RootMeanSquaredError;
        }, 4);
        var best = (await study.GetBestTrialAsync())!;

        var version = await study.RegisterBestModelAsync("line");

        using var predictor = await _client.Models.LoadPredictorAsync<Point, Score>("models:/line/1");
        var saved = (await _client.Runs.GetAsync(best.RunId!)).Artifacts.Single(a => a.Path == "model");
        Assert.That(version.SourceRunId, Is.EqualTo(best.RunId));
        Assert.That(version.Sha256, Is.EqualTo(saved.Sha256), "the very bytes the trial saved");
        Assert.That(version.Parameters["iterations"], Is.EqualTo(best.Parameters["iterations"].ToString()));
        Assert.That(version.Tags["mlops.trial"], Is.EqualTo(best.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(predictor.Predict(new Point { X = 10 }).Value, Is.EqualTo(32).Within(8));
    }

    [Test]
    public async Task RegisterBestModelAsync_WithoutASavedModelOrACompleteTrial_SaysWhy()
    {
        var study = await _client.Studies.OpenAsync("no-model", new StudyOptions { Sampler = new RandomSampler() });
        var none = Assert.ThrowsAsync<InvalidOperationException>(() => study.RegisterBestModelAsync("m"));
        await study.OptimizeAsync((trial, _) => Task.FromResult(trial.SuggestFloat("x", 0, 1)), 2);

        var unsaved = Assert.ThrowsAsync<InvalidOperationException>(() => study.RegisterBestModelAsync("m"));

        Assert.That(none!.Message, Does.Contain("no complete trial"));
        Assert.That(unsaved!.Message, Does.Contain("SaveModelAsync"));
    }

    [Test]
    public async Task GetParameterImportancesAsync_RanksTheParameterThatMattersFirst()
    {
        var study = await _client.Studies.OpenAsync("importances", new StudyOptions { Sampler = new RandomSampler(new RandomSamplerOptions { Seed = 5 }) });
        await study.OptimizeAsync((trial, _) =>
        {
            var big = trial.SuggestFloat("big", 0, 10);
            var small = trial.SuggestFloat("small", 0, 10);
            var none = trial.SuggestCategorical("none", "a", "b", "c");
            return Task.FromResult((big * big) + small + (none.Length * 0));
        }, 40);

        var importances = await study.GetParameterImportancesAsync();

        Assert.That(importances.Select(i => i.Key), Is.EqualTo(new[] { "big", "small", "none" }));
        Assert.That(importances.Sum(i => i.Value), Is.EqualTo(1).Within(1e-9));
        Assert.That(importances[0].Value, Is.GreaterThan(0.8));
    }

    [Test]
    public async Task RunFixedTrialAsync_TakesParametersFromTheCommandLine_AndPrintsWhatKatibReads()
    {
        using var output = new StringWriter();

        var value = await _client.Studies.RunFixedTrialAsync(
            "katib",
            ["--lr=0.05", "--leaves", "31", "--booster=gbdt", "positional"],
            (trial, _) =>
            {
                var lr = trial.SuggestFloat("lr", 1e-3, 1, log: true);
                var leaves = trial.SuggestInt("leaves", 2, 256);
                var booster = trial.SuggestCategorical("booster", "gbdt", "dart");
                return Task.FromResult(booster == "gbdt" ? lr * leaves : 0);
            },
            metricName: "auc",
            output: output);

        var metrics = KatibMetric.Matches(output.ToString()).ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        var run = await _client.Runs.SearchAsync(new RunQuery { Experiments = { "katib" } }).SingleAsync();
        Assert.That(value, Is.EqualTo(0.05 * 31).Within(1e-12));
        Assert.That(metrics, Is.EqualTo(new Dictionary<string, double> { ["auc"] = value }));
        Assert.That(run.Parameters, Is.EquivalentTo(new Dictionary<string, string> { ["lr"] = "0.05", ["leaves"] = "31", ["booster"] = "gbdt" }));
        Assert.That(run.Metrics["auc"].Last, Is.EqualTo(value));
        Assert.That(run.Status, Is.EqualTo(RunStatus.Finished));
    }

    [Test]
    public async Task RunFixedTrialAsync_AParameterNotGivenOrOutOfRange_FailsNamingIt()
    {
        var missing = Assert.ThrowsAsync<ArgumentException>(() => _client.Studies.RunFixedTrialAsync("katib", ["--lr=0.05"], (trial, _) => Task.FromResult(trial.SuggestFloat("lr", 0, 1) + trial.SuggestInt("leaves", 2, 8))));
        var outside = Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.Studies.RunFixedTrialAsync("katib", ["--lr=5"], (trial, _) => Task.FromResult(trial.SuggestFloat("lr", 0, 1))));

        var runs = await _client.Runs.SearchAsync(new RunQuery { Experiments = { "katib" } }).ToListAsync();
        Assert.That(missing!.Message, Does.Contain("'leaves'").And.Contain("--leaves=value"));
        Assert.That(outside!.Message, Does.Contain("'lr'").And.Contain("'5'"));
        Assert.That(runs.All(r => r.Status == RunStatus.Failed), Is.True);
    }

    [Test]
    public async Task BadSearchSpaces_AreRefusedWithTypedExceptionsNamingTheProblem()
    {
        var study = await _client.Studies.OpenAsync("bad-input", new StudyOptions { Sampler = new RandomSampler() });
        var trial = await study.AskAsync();

        var lowAboveHigh = Assert.Throws<ArgumentOutOfRangeException>(() => trial.SuggestFloat("a", 2, 1));
        var intLowAboveHigh = Assert.Throws<ArgumentOutOfRangeException>(() => trial.SuggestInt("b", 5, 4));
        var logZero = Assert.Throws<ArgumentOutOfRangeException>(() => trial.SuggestFloat("c", 0, 1, log: true));
        var intLogZero = Assert.Throws<ArgumentOutOfRangeException>(() => trial.SuggestInt("d", 0, 10, log: true));
        var emptyChoices = Assert.Throws<ArgumentException>(() => trial.SuggestCategorical<string>("e"));
        var duplicateChoices = Assert.Throws<ArgumentException>(() => trial.SuggestCategorical("f", 1, 1));
        var badName = Assert.Throws<ArgumentException>(() => trial.SuggestFloat("bad\nname", 0, 1));
        trial.SuggestFloat("g", 0, 1);
        var redefined = Assert.Throws<ParameterDistributionConflictException>(() => trial.SuggestInt("g", 0, 1));
        var again = trial.SuggestFloat("g", 0, 1);
        await study.TellAsync(trial, again);

        Assert.That(lowAboveHigh!.Message, Does.Contain("(2) is above the high bound (1)"));
        Assert.That(intLowAboveHigh!.Message, Does.Contain("(5) is above the high bound (4)"));
        Assert.That(logZero!.Message, Does.Contain("log-scale"));
        Assert.That(intLogZero!.Message, Does.Contain("log-scale"));
        Assert.That(emptyChoices!.Message, Does.Contain("at least one choice"));
        Assert.That(duplicateChoices!.Message, Does.Contain("'1' is listed twice"));
        Assert.That(badName!.ParamName, Is.EqualTo("name"));
        Assert.That(redefined!.Message, Does.Contain("'g'").And.Contain("float [0, 1]").And.Contain("int [0, 1]"));
        Assert.That((await study.GetTrialsAsync()).Single().Parameters.Keys, Is.EqualTo(new[] { "g" }), "refused suggestions leave nothing behind");
    }

    [Test]
    public async Task BadBudgetsAndOptions_AreRefusedBeforeAnythingRuns()
    {
        var study = await _client.Studies.OpenAsync("bad-budget", new StudyOptions { Sampler = new RandomSampler() });
        static Task<double> Objective(Trial trial, CancellationToken ct) => Task.FromResult(1.0);

        var zero = Assert.ThrowsAsync<OptionsValidationException>(() => study.OptimizeAsync(Objective, 0));
        var zeroTotal = Assert.ThrowsAsync<OptionsValidationException>(() => study.OptimizeAsync(Objective, new SearchBudget { TotalTrials = 0 }));
        var zeroParallel = Assert.ThrowsAsync<OptionsValidationException>(() => study.OptimizeAsync(Objective, new SearchBudget { Trials = 1, Parallelism = 0 }));
        var badTarget = Assert.ThrowsAsync<OptionsValidationException>(() => study.OptimizeAsync(Objective, new SearchBudget { Trials = 1, TargetValue = double.NaN }));
        var badRetries = Assert.ThrowsAsync<OptionsValidationException>(() => _client.Studies.OpenAsync("x", new StudyOptions { StaleTrialRetries = -1 }));
        var badName = Assert.ThrowsAsync<ArgumentException>(() => _client.Studies.OpenAsync("no/slashes"));
        var badTpe = Assert.Throws<OptionsValidationException>(() => new TpeSampler(new TpeSamplerOptions { EiCandidates = 0 }));

        Assert.That(zero!.Message, Does.Contain("Trials"));
        Assert.That(zeroTotal!.Message, Does.Contain("TotalTrials"));
        Assert.That(zeroParallel!.Message, Does.Contain("Parallelism"));
        Assert.That(badTarget!.Message, Does.Contain("TargetValue"));
        Assert.That(badRetries!.Message, Does.Contain("StaleTrialRetries"));
        Assert.That(badName!.ParamName, Is.EqualTo("name"));
        Assert.That(badTpe!.Message, Does.Contain("EiCandidates"));
        Assert.That(await study.GetTrialsAsync(), Is.Empty);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private async Task<double> BestOnBraninAsync(string name, Sampler sampler)
    {
        var study = await _client.Studies.OpenAsync(name, new StudyOptions { Sampler = sampler });
        var result = await study.OptimizeAsync((trial, _) => Task.FromResult(TestFunctions.Branin.Evaluate([trial.SuggestFloat("x", -5, 10), trial.SuggestFloat("y", 0, 15)])), 60);
        return result.BestTrial!.Value!.Value;
    }

    /// <summary>40 trials of 40-step learning curves whose early values rank trials roughly as their final ones.</summary>
    private async Task<(double Best, int Steps, int Pruned)> LearningCurvesAsync(string name, Pruner? pruner)
    {
        var study = await _client.Studies.OpenAsync(name, new StudyOptions { Sampler = new RandomSampler(new RandomSamplerOptions { Seed = 17 }), Pruner = pruner });
        var steps = 0;
        var result = await study.OptimizeAsync((trial, _) =>
        {
            var x = trial.SuggestFloat("x", -3, 3);
            var pace = trial.SuggestFloat("pace", 3, 10);
            var final = (x - 1) * (x - 1);
            for (var step = 0; step < 40; step++)
            {
                steps++;
                trial.Report(final + (4 * Math.Exp(-step / pace)), step);
                if (trial.ShouldPrune)
                {
                    throw new TrialPrunedException();
                }
            }

            return Task.FromResult(final);
        }, 40);
        return (result.BestTrial!.Value!.Value, steps, result.Pruned);
    }

    public sealed class Point
    {
        public float X { get; set; }

        public float Y { get; set; }
    }

    public sealed class Score
    {
        [Microsoft.ML.Data.ColumnName("Score")]
        public float Value { get; set; }
    }
}
