using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Sdk.Pipelines;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Pipelines;

/// <summary>Step caching: what a change to a parameter, an input, a step's version or a forced step reruns, and what it reuses.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class PipelineCachingTests(StoreKind kind)
{
    private TestStore _test = null!;
    private MlOpsClient _client = null!;
    private StepCounter _counter = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _client = TrackingClients.Create(_test.Store);
        _counter = new StepCounter();
        await RegisterPointsAsync(_client, slope: 2);
    }

    [TearDown]
    public async Task TearDown() => await _test.DisposeAsync();

    [Test]
    public async Task RunAsync_Again_ReusesEveryStep_AndRestoresTheSameOutputs()
    {
        var pipeline = LinePipeline.Create(_counter);
        var options = new LineOptions();

        var first = await _client.Pipelines.RunAsync(pipeline.Pipeline, options);
        var second = await _client.Pipelines.RunAsync(pipeline.Pipeline, options);

        Assert.That(first.Steps.Where(s => s.Name != "points").Select(s => s.Status), Is.All.EqualTo(StepStatus.Ran));
        Assert.That(second.Steps.Where(s => s.Name != "points").Select(s => s.Status), Is.All.EqualTo(StepStatus.Reused));
        Assert.That(_counter.Calls, Is.EqualTo(new Dictionary<string, int> { ["clean"] = 1, ["scale"] = 1, ["train"] = 1, ["evaluate"] = 1 }), "the second run ran nothing");
        Assert.That(second["train"].ReusedFromRunId, Is.EqualTo(first["train"].RunId));
        Assert.That(second["train"].Key, Is.EqualTo(first["train"].Key));
        Assert.That((await second.GetAsync(pipeline.Metrics))["rmse"], Is.EqualTo((await first.GetAsync(pipeline.Metrics))["rmse"]));
        var restored = await second.GetAsync(pipeline.Model);
        var scaled = await second.GetAsync(pipeline.Scaled);
        Assert.That(restored.Transform(scaled).GetColumn<float>("Score").First(), Is.EqualTo((await first.GetAsync(pipeline.Model)).Transform(scaled).GetColumn<float>("Score").First()).Within(1e-5));
        var reusedRun = await _client.Runs.GetAsync(second["train"].RunId!);
        var originalRun = await _client.Runs.GetAsync(first["train"].RunId!);
        Assert.That(reusedRun.Tags["mlops.step.cache"], Is.EqualTo("hit"));
        Assert.That(reusedRun.Tags["mlops.step.reused_from"], Is.EqualTo(first["train"].RunId));
        Assert.That(reusedRun.ParentRunId, Is.EqualTo(second.RunId));
        Assert.That(reusedRun.Artifacts.Single(a => a.Path == "output").Sha256, Is.EqualTo(originalRun.Artifacts.Single(a => a.Path == "output").Sha256), "the reused step's run records the very output");
        Assert.That((await _client.Runs.GetAsync(second.RunId!)).Inputs.Single().Uri, Is.EqualTo("datasets:/points/1"));
        Assert.That(reusedRun.Parameters["trainer"], Is.EqualTo("sdca"), "a reusing step's run records the parameters the step logged when it ran");
        var reusedEvaluation = await _client.Runs.GetAsync(second["evaluate"].RunId!);
        Assert.That(reusedEvaluation.Metrics["rmse"].Last, Is.EqualTo((await second.GetAsync(pipeline.Metrics))["rmse"]), "and its metrics");
    }

    [Test]
    public async Task RegisterModelAsync_RegistersTheStepsOutput_WithTheMetricsOfThePipelinesSteps_RunOrReused()
    {
        var pipeline = LinePipeline.Create(_counter);
        var first = await _client.Pipelines.RunAsync(pipeline.Pipeline, new LineOptions());
        var second = await _client.Pipelines.RunAsync(pipeline.Pipeline, new LineOptions());

        var fresh = await _client.Pipelines.RegisterModelAsync(first, pipeline.Pipeline.GetOutput<ITransformer>("train"), "line");
        var reused = await _client.Pipelines.RegisterModelAsync(second, pipeline.Model, "line");

        var rmse = (await first.GetAsync(pipeline.Metrics))["rmse"];
        Assert.That((fresh.Version, reused.Version), Is.EqualTo((1, 2)));
        Assert.That(fresh.Metrics["rmse"], Is.EqualTo(rmse), "the evaluate step's metric goes with the model");
        Assert.That(reused.Metrics["rmse"], Is.EqualTo(rmse), "also when every step was reused");
        Assert.That(reused.Sha256, Is.EqualTo(fresh.Sha256), "the very bytes the step stored");
        Assert.That((fresh.SourceRunId, reused.SourceRunId), Is.EqualTo((first["train"].RunId, second["train"].RunId)));
        Assert.That(reused.Parameters["trainer"], Is.EqualTo("sdca"));
        Assert.That(fresh.Datasets.Single().Uri, Is.EqualTo("datasets:/points/1"));
    }

    [Test]
    public async Task RegisterModelAsync_TakesTheMetricsOfTheStepsThatReadTheModel_NotThoseOfAnotherBranch()
    {
        var pipeline = MlOps.Sdk.Pipelines.Pipeline.Create<LineOptions>("branches", p =>
        {
            var points = p.Dataset("points", o => o.Data);
            ITransformer Train(MLContext ml, IDataView data, int iterations) => ml.Transforms.Concatenate("Features", "X")
                .Append(ml.Regression.Trainers.Sdca(labelColumnName: "Y", maximumNumberOfIterations: iterations)).Fit(data);
            double Rmse(StepContext<NoParameters> ctx, StepOutput<ITransformer> model)
            {
                var rmse = ctx.ML.Regression.Evaluate(ctx.Get(model).Transform(ctx.Get(points)), labelColumnName: "Y").RootMeanSquaredError;
                ctx.Run.LogMetric("rmse", rmse);
                return rmse;
            }

            var good = p.Step("good", [points], ctx => Train(ctx.ML, ctx.Get(points), 50));
            var bad = p.Step("bad", [points], ctx => Train(ctx.ML, ctx.Get(points), 1));
            p.Step("evaluate-good", [good, points], ctx => Rmse(ctx, good));
            p.Step("evaluate-bad", [bad, points], ctx => Rmse(ctx, bad));
        });

        var result = await _client.Pipelines.RunAsync(pipeline, new LineOptions());
        var good = await _client.Pipelines.RegisterModelAsync(result, pipeline.GetOutput<ITransformer>("good"), "good");
        var bad = await _client.Pipelines.RegisterModelAsync(result, pipeline.GetOutput<ITransformer>("bad"), "bad");

        var (goodRmse, badRmse) = (await result.GetAsync(pipeline.GetOutput<double>("evaluate-good")), await result.GetAsync(pipeline.GetOutput<double>("evaluate-bad")));
        Assert.That(goodRmse, Is.Not.EqualTo(badRmse).Within(1e-6), "the two models differ");
        Assert.That((good.Metrics["rmse"], bad.Metrics["rmse"]), Is.EqualTo((goodRmse, badRmse)), "each model gets its own evaluation, whichever ran last");
    }

    [Test]
    public async Task ConfigureMLContext_InTheDefinition_PreparesEveryContextThePipelineUses_BeforeTheRunOptionsOne()
    {
        var calls = new List<string>();
        var pipeline = MlOps.Sdk.Pipelines.Pipeline.Create<LineOptions>("mapped", p =>
        {
            p.ConfigureMLContext(ml =>
            {
                lock (calls)
                {
                    calls.Add("pipeline");
                }

                ml.ComponentCatalog.RegisterAssembly(typeof(DoubledFactory).Assembly);
            });
            var points = p.Dataset("points", o => o.Data);
            p.Step("train", [points], ctx => (ITransformer)ctx.ML.Transforms.CustomMapping<Point, Doubled>(Doubled.From, nameof(Doubled))
                .Append(ctx.ML.Transforms.Concatenate("Features", "X2"))
                .Append(ctx.ML.Regression.Trainers.Sdca(labelColumnName: "Y", maximumNumberOfIterations: 3))
                .Fit(ctx.Get(points)));
        });
        var runOptions = new PipelineRunOptions { ConfigureMLContext = _ => calls.Add("run") };

        await _client.Pipelines.RunAsync(pipeline, new LineOptions(), runOptions);
        var ranWith = calls.ToList();
        calls.Clear();
        var again = await _client.Pipelines.RunAsync(pipeline, new LineOptions(), runOptions);
        var restored = await again.GetAsync(pipeline.GetOutput<ITransformer>("train"));
        var reusedWith = calls.ToList();
        calls.Clear();
        var registered = await _client.Pipelines.RegisterModelAsync(again, pipeline.GetOutput<ITransformer>("train"), "mapped");

        Assert.That(ranWith, Is.EqualTo(new[] { "pipeline", "run", "pipeline", "run" }), "the pipeline's context and the step's, each prepared by the definition, then by the run options");
        Assert.That((again["train"].Status, reusedWith), Is.EqualTo((StepStatus.Reused, new List<string> { "pipeline", "run" })), "the context that restores a reused model is prepared too");
        Assert.That(calls, Is.EqualTo(new[] { "pipeline", "run" }), "and the one that loads it to register it");
        var points = await (await _client.Datasets.GetAsync("datasets:/points@latest")).LoadAsync(new MLContext(seed: 1));
        Assert.That(restored.Transform(points).Schema.GetColumnOrNull("X2"), Is.Not.Null, "the restored model has its custom mapping");
        Assert.That(registered.Version, Is.EqualTo(1));
    }

    [Test]
    public void GetOutput_FindsAStepsHandleByName_AndRefusesAMissingNameOrAnotherType()
    {
        var pipeline = LinePipeline.Create(_counter).Pipeline;

        Assert.That(pipeline.GetOutput<ITransformer>("train").Name, Is.EqualTo("train"));
        Assert.That(pipeline.GetOutput<IDataView>("points").Name, Is.EqualTo("points"));
        Assert.That(pipeline.GetOutput<object>("evaluate").Name, Is.EqualTo("evaluate"));
        var missing = Assert.Throws<ArgumentException>(() => pipeline.GetOutput<ITransformer>("fit"));
        var wrong = Assert.Throws<ArgumentException>(() => pipeline.GetOutput<IDataView>("train"));
        Assert.That(missing!.Message, Does.Contain("'fit'").And.Contain("points, clean, scale, train, evaluate"));
        Assert.That(wrong!.Message, Does.Contain("ITransformer").And.Contain("IDataView"));
    }

    [Test]
    public async Task ParameterChange_RerunsThatStepAndWhatReadsIt_Only()
    {
        var pipeline = LinePipeline.Create(_counter);
        await _client.Pipelines.RunAsync(pipeline.Pipeline, new LineOptions { Iterations = 5 });

        var changed = await _client.Pipelines.RunAsync(pipeline.Pipeline, new LineOptions { Iterations = 9 });
        var unrelated = await _client.Pipelines.RunAsync(pipeline.Pipeline, new LineOptions { Iterations = 9, Unused = "another value" });

        Assert.That(Statuses(changed), Is.EqualTo(new[] { StepStatus.Reused, StepStatus.Reused, StepStatus.Ran, StepStatus.Ran }));
        Assert.That(Statuses(unrelated), Is.All.EqualTo(StepStatus.Reused), "an option no step declares changes nothing");
    }

    [Test]
    public async Task UpstreamParameterChange_RerunsEverythingDownstream()
    {
        var pipeline = LinePipeline.Create(_counter);
        await _client.Pipelines.RunAsync(pipeline.Pipeline, new LineOptions());

        var changed = await _client.Pipelines.RunAsync(pipeline.Pipeline, new LineOptions { MaxX = 40 });

        Assert.That(Statuses(changed), Is.All.EqualTo(StepStatus.Ran));
    }

    [Test]
    public async Task NewDatasetVersion_RerunsEveryStep_AndTheOldVersionIsStillCached()
    {
        var pipeline = LinePipeline.Create(_counter);
        await _client.Pipelines.RunAsync(pipeline.Pipeline, new LineOptions());
        await RegisterPointsAsync(_client, slope: 3);

        var latest = await _client.Pipelines.RunAsync(pipeline.Pipeline, new LineOptions());
        var pinned = await _client.Pipelines.RunAsync(pipeline.Pipeline, new LineOptions { Data = "datasets:/points/1" });

        Assert.That(latest["points"].Detail, Is.EqualTo("datasets:/points/2"));
        Assert.That(Statuses(latest), Is.All.EqualTo(StepStatus.Ran));
        Assert.That(Statuses(pinned), Is.All.EqualTo(StepStatus.Reused), "version 1's outputs are still in the cache");
    }

    [Test]
    public async Task VersionBump_ForceFrom_AndNoCache_RerunExactlyWhatTheySay()
    {
        var pipeline = LinePipeline.Create(_counter);
        var options = new LineOptions();
        await _client.Pipelines.RunAsync(pipeline.Pipeline, options);

        var bumped = await _client.Pipelines.RunAsync(LinePipeline.Create(_counter, scaleVersion: "2").Pipeline, options);
        var forced = await _client.Pipelines.RunAsync(pipeline.Pipeline, options, new PipelineRunOptions { ForceFrom = "train" });
        var uncached = await _client.Pipelines.RunAsync(pipeline.Pipeline, options, new PipelineRunOptions { UseCache = false });

        Assert.That(Statuses(bumped), Is.EqualTo(new[] { StepStatus.Reused, StepStatus.Ran, StepStatus.Ran, StepStatus.Ran }));
        Assert.That(Statuses(forced), Is.EqualTo(new[] { StepStatus.Reused, StepStatus.Reused, StepStatus.Ran, StepStatus.Ran }));
        Assert.That(forced["train"].Detail, Is.EqualTo("forced"));
        Assert.That(Statuses(uncached), Is.All.EqualTo(StepStatus.Ran));
    }

    [Test]
    public async Task ACodeChangeInAStep_RerunsThatStepAndWhatReadsIt()
    {
        var original = CodePipeline(factor: false);
        var sameCode = CodePipeline(factor: false);
        var changedCode = CodePipeline(factor: true);
        await _client.Pipelines.RunAsync(original, new LineOptions());

        var again = await _client.Pipelines.RunAsync(sameCode, new LineOptions());
        var edited = await _client.Pipelines.RunAsync(changedCode, new LineOptions());

        Assert.That(again.Steps.Skip(1).Select(s => s.Status), Is.All.EqualTo(StepStatus.Reused), "the same code, defined again, is the same step");
        Assert.That(edited.Steps.Skip(1).Select(s => s.Status), Is.EqualTo(new[] { StepStatus.Reused, StepStatus.Ran, StepStatus.Ran }), "count's code is the same; sum's changed; double reads sum");
    }

    /// <summary>points -> count -> sum (two bodies: x, or x * 2) -> double.</summary>
    private static Pipeline<LineOptions> CodePipeline(bool factor) => Pipeline.Create<LineOptions>("code", p =>
    {
        var points = p.Dataset("points", o => o.Data);
        var count = p.Step("count", [points], ctx => ctx.Get(points).GetColumn<float>("X").Count());
        var sum = factor
            ? p.Step("sum", [points], ctx => ctx.Get(points).GetColumn<float>("X").Sum(x => x * 2))
            : p.Step("sum", [points], ctx => ctx.Get(points).GetColumn<float>("X").Sum(x => x));
        p.Step("double", [sum, count], ctx => ctx.Get(sum) * 2);
    });

    [Test]
    public async Task ReproduceAsync_RerunsFromTheRecord_WithTheSameDataVersion_AndGivesByteIdenticalOutputs()
    {
        var pipeline = LinePipeline.Create(_counter);
        var original = await _client.Pipelines.RunAsync(pipeline.Pipeline, new LineOptions { Iterations = 7, MaxX = 30 });
        await RegisterPointsAsync(_client, slope: 5); // @latest moves on: the reproduction must read version 1

        var reproduction = await _client.Pipelines.ReproduceAsync(pipeline.Pipeline, original.RunId!);

        var rerun = await _client.Runs.GetAsync(reproduction.RunId);
        Assert.That(rerun.Inputs.Single().Uri, Is.EqualTo("datasets:/points/1"));
        Assert.That(rerun.Parameters["options.Iterations"], Is.EqualTo("7"));
        Assert.That(_counter.Calls["train"], Is.EqualTo(2), "no cache: every step ran again");
        Assert.That(reproduction.Steps.Select(s => s.Name), Is.EquivalentTo(new[] { "clean", "scale", "train", "evaluate" }));
        Assert.That(reproduction.Steps.Where(s => !s.Identical).Select(s => s.Name), Is.Empty, reproduction.ToString());
        Assert.That(reproduction.OutputsMatch, Is.True);
        Assert.That(reproduction.OriginalCommit, Is.EqualTo(reproduction.Commit));
        Assert.ThrowsAsync<ArgumentException>(() => _client.Pipelines.ReproduceAsync(pipeline.Pipeline, original["train"].RunId!));
    }

    [Test]
    public async Task PlanAsync_SaysWhatWouldRunAndWhatWouldBeReused_WithoutRunningOrRecording()
    {
        var pipeline = LinePipeline.Create(_counter);
        await _client.Pipelines.RunAsync(pipeline.Pipeline, new LineOptions { Iterations = 5 });
        var runsBefore = await _client.Runs.SearchAsync(new RunQuery { Experiments = { "line" } }).CountAsync();

        var plan = await _client.Pipelines.PlanAsync(pipeline.Pipeline, new LineOptions { Iterations = 7 });

        Assert.That(Statuses(plan), Is.EqualTo(new[] { StepStatus.Reused, StepStatus.Reused, StepStatus.Ran, StepStatus.Ran }));
        Assert.That(plan["clean"].Detail, Does.StartWith("would reuse the output of run "));
        Assert.That(plan["train"].Detail, Is.EqualTo("would run: not cached"));
        Assert.That(plan.RunId, Is.Null);
        Assert.That(_counter.Calls.Values.Sum(), Is.EqualTo(4), "nothing ran");
        Assert.That(await _client.Runs.SearchAsync(new RunQuery { Experiments = { "line" } }).CountAsync(), Is.EqualTo(runsBefore), "nothing recorded");
        Assert.ThrowsAsync<InvalidOperationException>(() => plan.GetAsync(pipeline.Model));
    }

    [Test]
    public async Task UpTo_ThenTheFullRun_ReusesWhatTheInteractiveRunMade_AndEqualsAFullRunFromScratch()
    {
        var pipeline = LinePipeline.Create(_counter);

        var partial = await _client.Pipelines.RunAsync(pipeline.Pipeline, new LineOptions(), new PipelineRunOptions { UpTo = "scale" });
        var preview = (await partial.GetAsync(pipeline.Scaled)).Preview(maxRows: 3);
        var full = await _client.Pipelines.RunAsync(pipeline.Pipeline, new LineOptions());

        var fresh = TrackingClients.Create(new MlOps.Sdk.Storage.InMemoryObjectStore());
        await RegisterPointsAsync(fresh, slope: 2);
        var scratch = await fresh.Pipelines.RunAsync(LinePipeline.Create(new StepCounter()).Pipeline, new LineOptions());

        Assert.That(Statuses(partial), Is.EqualTo(new[] { StepStatus.Ran, StepStatus.Ran, StepStatus.Skipped, StepStatus.Skipped }));
        Assert.That(preview.RowView, Has.Length.EqualTo(3));
        Assert.That(Statuses(full), Is.EqualTo(new[] { StepStatus.Reused, StepStatus.Reused, StepStatus.Ran, StepStatus.Ran }));
        var model = (await _client.Runs.GetAsync(full["train"].RunId!)).Artifacts.Single(a => a.Path == "output").Sha256;
        var modelFromScratch = (await fresh.Runs.GetAsync(scratch["train"].RunId!)).Artifacts.Single(a => a.Path == "output").Sha256;
        Assert.That(model, Is.EqualTo(modelFromScratch), "the interactive-then-automated model is byte-identical to the automated one");
    }

    [Test]
    public async Task AFailingStep_FailsItsRunAndThePipelines_CachesNothingForIt_AndRunsAgainNextTime()
    {
        var failing = true;
        var pipeline = Pipeline.Create<LineOptions>("fragile", p =>
        {
            var points = p.Dataset("points", o => o.Data);
            p.Step("count", [points], ctx => failing ? throw new FormatException("bad row") : ctx.Get(points).Preview().RowView.Length);
        });

        var error = Assert.ThrowsAsync<FormatException>(() => _client.Pipelines.RunAsync(pipeline, new LineOptions()));
        failing = false;
        var next = await _client.Pipelines.RunAsync(pipeline, new LineOptions());

        var runs = await _client.Runs.SearchAsync(new RunQuery { Experiments = { "fragile" }, OrderBy = "attributes.start_time ASC" }).ToListAsync();
        Assert.That(error!.Message, Is.EqualTo("bad row"));
        Assert.That(runs.Count(r => r.Status == RunStatus.Failed), Is.EqualTo(2), "the step's run and the pipeline's");
        Assert.That(next["count"].Status, Is.EqualTo(StepStatus.Ran));
        Assert.That(await next.GetAsync(new StepOutput<int>("count")), Is.EqualTo(100));
    }

    [Test]
    public void BadDefinitions_AndBadRunOptions_AreRefusedNamingTheProblem()
    {
        var duplicate = Assert.Throws<ArgumentException>(() => Pipeline.Create<LineOptions>("dup", p =>
        {
            var points = p.Dataset("points", o => o.Data);
            p.Step("a", [points], _ => 1);
            p.Step("a", [points], _ => 2);
        }));
        var undeclared = Assert.Throws<ArgumentException>(() => Pipeline.Create<LineOptions>("undeclared", p =>
            p.Step("a", [new StepOutput<int>("elsewhere")], _ => 1)));
        var empty = Assert.Throws<ArgumentException>(() => Pipeline.Create<LineOptions>("empty", _ => { }));
        var pipeline = LinePipeline.Create(_counter).Pipeline;
        var unknown = Assert.ThrowsAsync<ArgumentException>(() => _client.Pipelines.RunAsync(pipeline, new LineOptions(), new PipelineRunOptions { ForceFrom = "nope" }));

        Assert.That(duplicate!.Message, Does.Contain("'a'"));
        Assert.That(undeclared!.Message, Does.Contain("'elsewhere'"));
        Assert.That(empty!.Message, Does.Contain("no step"));
        Assert.That(unknown!.Message, Does.Contain("'nope'").And.Contain("clean"));
    }

    private static IEnumerable<StepStatus> Statuses(PipelineResult result) => result.Steps.Where(s => s.Name != "points").Select(s => s.Status);

    private static async Task RegisterPointsAsync(MlOpsClient client, int slope)
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 100).Select(i => new Point { X = i % 50, Y = (slope * (i % 50)) + 1 + ((i % 7) - 3) }).ToList();
        await client.Datasets.RegisterDataViewAsync("points", ml.Data.LoadFromEnumerable(rows), ml);
    }

    public sealed class Doubled
    {
        public float X2 { get; set; }

        public static void From(Point point, Doubled doubled) => doubled.X2 = point.X * 2;
    }

    [Microsoft.ML.Transforms.CustomMappingFactoryAttribute(nameof(Doubled))]
    public sealed class DoubledFactory : Microsoft.ML.Transforms.CustomMappingFactory<Point, Doubled>
    {
        public override Action<Point, Doubled> GetMapping() => Doubled.From;
    }

    public sealed class Point
    {
        public float X { get; set; }

        public float Y { get; set; }
    }
}

/// <summary>The options of the test pipeline.</summary>
public sealed class LineOptions
{
    public string Data { get; set; } = "datasets:/points@latest";

    public float MaxX { get; set; } = 45;

    public int Iterations { get; set; } = 5;

    public string Unused { get; set; } = "none";

    public string ModelName { get; set; } = "line";
}

/// <summary>Counts how often each step's body ran.</summary>
public sealed class StepCounter
{
    private readonly Dictionary<string, int> _calls = [];

    public IReadOnlyDictionary<string, int> Calls
    {
        get
        {
            lock (_calls)
            {
                return new Dictionary<string, int>(_calls);
            }
        }
    }

    public void Count(string step)
    {
        lock (_calls)
        {
            _calls[step] = _calls.GetValueOrDefault(step) + 1;
        }
    }
}

/// <summary>points -> clean (drop x above MaxX) -> scale (normalize) -> train (SDCA, Iterations) -> evaluate (RMSE).</summary>
public sealed record LinePipeline(Pipeline<LineOptions> Pipeline, StepOutput<IDataView> Scaled, StepOutput<ITransformer> Model, StepOutput<Dictionary<string, double>> Metrics)
{
    public static LinePipeline Create(StepCounter counter, string? scaleVersion = null)
    {
        StepOutput<IDataView> scaled = null!;
        StepOutput<ITransformer> model = null!;
        StepOutput<Dictionary<string, double>> metrics = null!;
        var pipeline = MlOps.Sdk.Pipelines.Pipeline.Create<LineOptions>("line", p =>
        {
            var points = p.Dataset("points", o => o.Data);
            var clean = p.Step("clean", [points], o => new { o.MaxX }, ctx =>
            {
                counter.Count("clean");
                return ctx.ML.Data.FilterRowsByColumn(ctx.Get(points), "X", upperBound: ctx.Parameters.MaxX);
            });
            scaled = p.Step(
                "scale",
                [clean],
                ctx =>
                {
                    counter.Count("scale");
                    var data = ctx.Get(clean);
                    return ctx.ML.Transforms.NormalizeMinMax("X").Fit(data).Transform(data);
                },
                version: scaleVersion);
            model = p.Step("train", [scaled], o => new { o.Iterations }, ctx =>
            {
                counter.Count("train");
                ctx.Run.LogParameter("trainer", "sdca");
                var trainer = ctx.ML.Transforms.Concatenate("Features", "X")
                    .Append(ctx.ML.Regression.Trainers.Sdca(new Microsoft.ML.Trainers.SdcaRegressionTrainer.Options { LabelColumnName = "Y", MaximumNumberOfIterations = ctx.Parameters.Iterations, NumberOfThreads = 1 }));
                return (ITransformer)trainer.Fit(ctx.Get(scaled));
            });
            metrics = p.Step("evaluate", [model, scaled], ctx =>
            {
                counter.Count("evaluate");
                var evaluated = ctx.ML.Regression.Evaluate(ctx.Get(model).Transform(ctx.Get(scaled)), labelColumnName: "Y");
                ctx.Run.LogMetric("rmse", evaluated.RootMeanSquaredError);
                return new Dictionary<string, double> { ["rmse"] = evaluated.RootMeanSquaredError, ["r2"] = evaluated.RSquared };
            });
        });
        return new LinePipeline(pipeline, scaled, model, metrics);
    }
}
