using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using MlOps.Sdk.Models;
using MlOps.Sdk.Pipelines;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Pipelines;

/// <summary>
/// Online learning with real ML.NET trainers: each trainer that takes initial parameters starts from a saved and
/// loaded parent's (found by <see cref="ContinuedTraining"/>), which a model trained from scratch does not. The trainers
/// here are the ones docs/continued-training.md lists.
/// </summary>
public sealed class ContinuedTrainingTests
{
    /// <summary>
    /// Each trainer, with a short training (one pass at a tiny learning rate, or one L-BFGS iteration) that shows where it
    /// starts. L-BFGS trainers start at their parent's optimum on the parent's own data: a step from there stays there.
    /// </summary>
    private static IEnumerable<TestCaseData> Trainers()
    {
        yield return Case(
            "AveragedPerceptron",
            Kind.Binary,
            ml => ml.BinaryClassification.Trainers.AveragedPerceptron(numberOfIterations: 10),
            (ml, data, parent) => parent is null
                ? ml.BinaryClassification.Trainers.AveragedPerceptron(numberOfIterations: 1, learningRate: 1e-4f).Fit(data)
                : ml.BinaryClassification.Trainers.AveragedPerceptron(numberOfIterations: 1, learningRate: 1e-4f).Fit(data, ContinuedTraining.Find<LinearBinaryModelParameters>(parent)),
            Linear<LinearBinaryModelParameters>,
            onParentData: false);
        yield return Case(
            "OnlineGradientDescent",
            Kind.Regression,
            ml => ml.Regression.Trainers.OnlineGradientDescent(labelColumnName: "Y", numberOfIterations: 10, learningRate: 0.1f),
            (ml, data, parent) => parent is null
                ? ml.Regression.Trainers.OnlineGradientDescent(labelColumnName: "Y", numberOfIterations: 1, learningRate: 1e-5f).Fit(data)
                : ml.Regression.Trainers.OnlineGradientDescent(labelColumnName: "Y", numberOfIterations: 1, learningRate: 1e-5f).Fit(data, ContinuedTraining.Find<LinearRegressionModelParameters>(parent)),
            Linear<LinearRegressionModelParameters>,
            onParentData: false);
        yield return Case(
            "SgdCalibrated",
            Kind.Binary,
            ml => ml.BinaryClassification.Trainers.SgdCalibrated(numberOfIterations: 20),
            (ml, data, parent) => parent is null
                ? ml.BinaryClassification.Trainers.SgdCalibrated(numberOfIterations: 1, learningRate: 1e-6).Fit(data)
                : ml.BinaryClassification.Trainers.SgdCalibrated(numberOfIterations: 1, learningRate: 1e-6).Fit(data, ContinuedTraining.Find<LinearBinaryModelParameters>(parent)),
            Linear<LinearBinaryModelParameters>,
            onParentData: false);
        yield return Case(
            "SgdNonCalibrated",
            Kind.Binary,
            ml => ml.BinaryClassification.Trainers.SgdNonCalibrated(numberOfIterations: 20),
            (ml, data, parent) => parent is null
                ? ml.BinaryClassification.Trainers.SgdNonCalibrated(numberOfIterations: 1, learningRate: 1e-6).Fit(data)
                : ml.BinaryClassification.Trainers.SgdNonCalibrated(numberOfIterations: 1, learningRate: 1e-6).Fit(data, ContinuedTraining.Find<LinearBinaryModelParameters>(parent)),
            Linear<LinearBinaryModelParameters>,
            onParentData: false);
        yield return Case(
            "LbfgsLogisticRegression",
            Kind.Binary,
            ml => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options { NumberOfThreads = 1 }),
            (ml, data, parent) => parent is null
                ? ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options { MaximumNumberOfIterations = 1, NumberOfThreads = 1 }).Fit(data)
                : ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options { MaximumNumberOfIterations = 1, NumberOfThreads = 1 }).Fit(data, ContinuedTraining.Find<LinearBinaryModelParameters>(parent)),
            Linear<LinearBinaryModelParameters>,
            onParentData: true);
        yield return Case(
            "LbfgsPoissonRegression",
            Kind.Count,
            ml => ml.Regression.Trainers.LbfgsPoissonRegression(new LbfgsPoissonRegressionTrainer.Options { LabelColumnName = "Count", NumberOfThreads = 1 }),
            (ml, data, parent) =>
            {
                var options = new LbfgsPoissonRegressionTrainer.Options { LabelColumnName = "Count", MaximumNumberOfIterations = 1, NumberOfThreads = 1 };
                return parent is null
                    ? ml.Regression.Trainers.LbfgsPoissonRegression(options).Fit(data)
                    : ml.Regression.Trainers.LbfgsPoissonRegression(options).Fit(data, ContinuedTraining.Find<PoissonRegressionModelParameters>(parent));
            },
            Linear<PoissonRegressionModelParameters>,
            onParentData: true);
        yield return Case(
            "LbfgsMaximumEntropy",
            Kind.Multiclass,
            ml => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1 }),
            (ml, data, parent) => parent is null
                ? ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options { MaximumNumberOfIterations = 1, NumberOfThreads = 1 }).Fit(data)
                : ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options { MaximumNumberOfIterations = 1, NumberOfThreads = 1 }).Fit(data, ContinuedTraining.Find<MaximumEntropyModelParameters>(parent)),
            model =>
            {
                var parameters = ContinuedTraining.Find<MaximumEntropyModelParameters>(model);
                VBuffer<float>[] weights = null!;
                parameters.GetWeights(ref weights, out _);
                return [.. weights.SelectMany(w => w.DenseValues()), .. parameters.GetBiases()];
            },
            onParentData: true);
    }

    [TestCaseSource(nameof(Trainers))]
    public void Fit_FromALoadedParentsParameters_StartsFromTheParentsWeights_WhereTrainingFromScratchDoesNot(TrainerCase trainer)
    {
        var (parent, continued, scratch) = Train(trainer, trainer.OnParentData ? 1 : 2);

        var (fromParent, scratchFromParent) = (Distance(trainer.Weights(continued), trainer.Weights(parent)), Distance(trainer.Weights(scratch), trainer.Weights(parent)));
        Assert.That(fromParent, Is.LessThan(0.1 * scratchFromParent), $"a short training from the parent ends {fromParent:F4} from its weights; from scratch, {scratchFromParent:F4}");
    }

    [TestCaseSource(nameof(Trainers))]
    public void Fit_FromTheParent_OnNewData_GivesAnotherModelThanTrainingFromScratch_ThatScoresThroughTheParentsTransforms(TrainerCase trainer)
    {
        var ml = new MLContext(seed: 1);
        var (parent, continued, scratch) = Train(trainer, 2);

        // L-BFGS steps from the parent and from zero may land close on new data (LbfgsPoissonRegression's about 1% apart): other models all the same.
        Assert.That(Distance(trainer.Weights(continued), trainer.Weights(scratch)), Is.GreaterThan(0.005 * Norm(trainer.Weights(parent))));
        var data = Data(ml, trainer.Kind, seed: 3, shift: -0.5f);
        var scored = continued.Transform(data);
        Assert.That(scored.Schema.GetColumnOrNull("Score"), Is.Not.Null);
        Assert.That(scored.Schema.Select(c => $"{c.Name}:{c.Type}"), Is.EqualTo(parent.Transform(data).Schema.Select(c => $"{c.Name}:{c.Type}")), "the parent's transforms, before and after its predictor");
        using var saved = new MemoryStream();
        ml.Model.Save(continued, data.Schema, saved);
        Assert.That(saved.Length, Is.GreaterThan(0), "the continued model saves like any other");
    }

    [Test]
    public void LinearSvm_TakesInitialParameters_ButEndsAboutAsFarFromThemAsTrainingFromScratch()
    {
        // Not listed as supported: its Fit(data, parameters) accepts a parent, but a pass from it does not stay near it.
        var ml = new MLContext(seed: 1);
        var data = Data(ml, Kind.Binary, seed: 1, shift: 1f);
        var parent = Reload(ml, Featurize(ml, Kind.Binary).Append(ml.BinaryClassification.Trainers.LinearSvm(numberOfIterations: 10)).Fit(data), data);
        var features = ContinuedTraining.Featurizer(parent).Transform(data);
        var continued = ml.BinaryClassification.Trainers.LinearSvm(numberOfIterations: 1).Fit(features, ContinuedTraining.Find<LinearBinaryModelParameters>(parent));
        var scratch = ml.BinaryClassification.Trainers.LinearSvm(numberOfIterations: 1).Fit(features);

        var parentWeights = Linear<LinearBinaryModelParameters>(parent);
        var (fromParent, scratchFromParent) = (Distance(Linear<LinearBinaryModelParameters>(continued), parentWeights), Distance(Linear<LinearBinaryModelParameters>(scratch), parentWeights));
        Assert.That(fromParent, Is.GreaterThan(0.5 * scratchFromParent), $"one pass on the parent's own data ends {fromParent:F3} from its weights; from scratch, {scratchFromParent:F3}");
    }

    [Test]
    public void Find_InACalibratedModel_GivesTheModelItCalibrates_OrTheCalibratedModelWhenAskedForIt()
    {
        var ml = new MLContext(seed: 1);
        var data = Data(ml, Kind.Binary, seed: 1, shift: 1f);
        var model = Reload(ml, Featurize(ml, Kind.Binary).Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression()).Fit(data), data);

        Assert.That(ContinuedTraining.Find<LinearBinaryModelParameters>(model).Weights, Has.Count.EqualTo(2));
        Assert.That(ContinuedTraining.Find<Microsoft.ML.Calibrators.CalibratedModelParametersBase>(model).SubModel, Is.InstanceOf<LinearBinaryModelParameters>());
        Assert.That(ContinuedTraining.Featurizer(model).Count(), Is.EqualTo(2), "concatenate, normalize");
    }

    [Test]
    public void Find_WithoutSuchParameters_ThrowsNamingWhatTheModelHas()
    {
        var ml = new MLContext(seed: 1);
        var data = Data(ml, Kind.Binary, seed: 1, shift: 1f);
        var trees = Featurize(ml, Kind.Binary).Append(ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options { NumberOfTrees = 3, NumberOfThreads = 1 })).Fit(data);
        var featuresOnly = Featurize(ml, Kind.Binary).Fit(data);

        var wrongType = Assert.Throws<ModelParametersNotFoundException>(() => ContinuedTraining.Find<LinearBinaryModelParameters>(trees))!;
        var noPredictor = Assert.Throws<ModelParametersNotFoundException>(() => ContinuedTraining.Find<LinearBinaryModelParameters>(featuresOnly))!;
        Assert.Throws<ModelParametersNotFoundException>(() => ContinuedTraining.Featurizer(featuresOnly));

        Assert.That(wrongType.ParametersType, Is.EqualTo(typeof(LinearBinaryModelParameters)));
        Assert.That(wrongType.Message, Does.StartWith("No LinearBinaryModelParameters to continue training from").And.Contains("FastTreeBinaryModelParameters"));
        Assert.That(noPredictor.Message, Does.Contain("no prediction transformer").And.Contains("ColumnConcatenatingTransformer, NormalizingTransformer"));
    }

    /// <summary>A parent trained on one dataset (saved and loaded, as the registry gives it), then a short training on <paramref name="dataSeed"/>'s data from its parameters and from scratch.</summary>
    private static (ITransformer Parent, ITransformer Continued, ITransformer Scratch) Train(TrainerCase trainer, int dataSeed)
    {
        var ml = new MLContext(seed: 1);
        var first = Data(ml, trainer.Kind, seed: 1, shift: 1f);
        IEstimator<ITransformer> estimator = Featurize(ml, trainer.Kind).Append(trainer.Full(ml));
        if (trainer.Kind == Kind.Multiclass)
        {
            estimator = estimator.Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        }

        var parent = Reload(ml, estimator.Fit(first), first);
        var next = dataSeed == 1 ? first : Data(ml, trainer.Kind, seed: dataSeed, shift: -0.5f);

        // The parent's fitted transforms, not refitted: each weight keeps its meaning.
        var features = ContinuedTraining.Featurizer(parent).Transform(next);
        var continued = ContinuedTraining.ReplacePredictor(parent, trainer.Continue(ml, features, parent));
        var scratch = ContinuedTraining.ReplacePredictor(parent, trainer.Continue(ml, features, null));
        return (parent, continued, scratch);
    }

    private static ITransformer Reload(MLContext ml, ITransformer model, IDataView data)
    {
        using var stream = new MemoryStream();
        ModelSerializer.Save(ml, model, data.Schema, stream);
        stream.Position = 0;
        return ml.Model.Load(stream, out _);
    }

    private static IEstimator<ITransformer> Featurize(MLContext ml, Kind task)
    {
        var features = ml.Transforms.Concatenate("Features", "A", "B").Append(ml.Transforms.NormalizeMinMax("Features"));
        return task == Kind.Multiclass ? ml.Transforms.Conversion.MapValueToKey("Label", "Class").Append(features) : features;
    }

    private static IDataView Data(MLContext ml, Kind task, int seed, float shift)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, 400).Select(_ =>
        {
            var (a, b) = ((float)random.NextDouble() * 10, (float)random.NextDouble() * 10);
            var noise = (float)random.NextDouble() - 0.5f;
            return new Row
            {
                A = a,
                B = b,
                Label = a + (shift * b) + noise > 5 + (2.5f * shift),
                Y = (2 * a) + (shift * b) + 1 + noise,
                Count = Math.Abs((2 * a) + (shift * b) + 1),
                Class = (a > 5 ? "high-a" : "low-a") + (shift * b > 2.5f ? "+b" : string.Empty),
            };
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        return task == Kind.Multiclass ? ml.Transforms.DropColumns("Label").Fit(data).Transform(data) : data;
    }

    private static float[] Linear<TParameters>(ITransformer model)
        where TParameters : LinearModelParameters
    {
        var parameters = ContinuedTraining.Find<TParameters>(model);
        return [.. parameters.Weights, parameters.Bias];
    }

    private static double Distance(float[] a, float[] b) => Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum());

    private static double Norm(float[] a) => Math.Sqrt(a.Sum(x => (double)x * x));

    private static TestCaseData Case(string name, Kind task, Func<MLContext, IEstimator<ITransformer>> full, Func<MLContext, IDataView, ITransformer?, ITransformer> @short, Func<ITransformer, float[]> weights, bool onParentData)
        => new TestCaseData(new TrainerCase(name, task, full, @short, weights, onParentData)).SetArgDisplayNames(name);

    public enum Kind
    {
        Binary,
        Regression,
        Count,
        Multiclass,
    }

    /// <summary>A trainer: its full training (the parent's), a short one (<c>Continue</c>) from a parent or from scratch, and its weights.</summary>
    public sealed record TrainerCase(string Name, Kind Kind, Func<MLContext, IEstimator<ITransformer>> Full, Func<MLContext, IDataView, ITransformer?, ITransformer> Continue, Func<ITransformer, float[]> Weights, bool OnParentData)
    {
        public override string ToString() => Name;
    }

    public sealed class Row
    {
        public float A { get; set; }

        public float B { get; set; }

        public bool Label { get; set; }

        public float Y { get; set; }

        public float Count { get; set; }

        public string Class { get; set; } = string.Empty;
    }
}

/// <summary>
/// A pipeline that continues training from a registered model (<see cref="PipelineBuilder{TOptions}.Model"/>): the
/// parent's version is part of the step's cache key and is recorded with the registered child.
/// </summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class ContinuedTrainingPipelineTests(StoreKind kind)
{
    private TestStore _test = null!;
    private MlOpsClient _client = null!;
    private int _trainings;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _client = TrackingClients.Create(_test.Store);
        _trainings = 0;
        await RegisterClicksAsync(seed: 1, shift: 1f);
    }

    [TearDown]
    public async Task TearDown() => await _test.DisposeAsync();

    [Test]
    public async Task RegisterModelAsync_OfAModelContinuedFromAParent_RecordsTheParentVersion()
    {
        var pipeline = Create();
        var scratch = await _client.Pipelines.RunAsync(pipeline, new OnlineOptions { Iterations = 10 });
        var first = await _client.Pipelines.RegisterModelAsync(scratch, pipeline.GetOutput<ITransformer>("train"), "clicks");
        await RegisterClicksAsync(seed: 2, shift: -0.5f);

        var continued = await _client.Pipelines.RunAsync(pipeline, new OnlineOptions { Parent = "models:/clicks/1" });
        var second = await _client.Pipelines.RegisterModelAsync(continued, pipeline.GetOutput<ITransformer>("train"), "clicks");

        Assert.That(first.Parent, Is.Null, "trained from scratch");
        Assert.That(second.Parent, Is.EqualTo(ModelRef.ForVersion("clicks", 1)));
        Assert.That((await _client.Models.GetAsync("models:/clicks/2")).Parent, Is.EqualTo(ModelRef.ForVersion("clicks", 1)), "stored with the version");
        var run = await _client.Runs.GetAsync(continued.RunId!);
        var input = run.Inputs.Single(i => i.Uri.StartsWith("models:/", StringComparison.Ordinal));
        Assert.That((input.Uri, input.Context), Is.EqualTo(("models:/clicks/1", "parent")));
        Assert.That(input.Sha256, Is.EqualTo(first.Sha256));
        Assert.That(continued["parent"].Detail, Is.EqualTo("models:/clicks/1"));
        Assert.That(second.Datasets.Single().Uri, Is.EqualTo("datasets:/clicks/2"));
    }

    [Test]
    public async Task RunAsync_WithTheSameParentVersion_ReusesTheStep_AndWithANewParentVersion_RunsItAgain()
    {
        var pipeline = Create();
        await _client.Pipelines.RegisterModelAsync(await _client.Pipelines.RunAsync(pipeline, new OnlineOptions { Iterations = 10 }), pipeline.GetOutput<ITransformer>("train"), "clicks");
        await RegisterClicksAsync(seed: 2, shift: -0.5f);

        var first = await _client.Pipelines.RunAsync(pipeline, new OnlineOptions { Parent = "models:/clicks/1" });
        var again = await _client.Pipelines.RunAsync(pipeline, new OnlineOptions { Parent = "models:/clicks/1" });
        await _client.Pipelines.RegisterModelAsync(first, pipeline.GetOutput<ITransformer>("train"), "clicks");
        var fromNewParent = await _client.Pipelines.RunAsync(pipeline, new OnlineOptions { Parent = "models:/clicks/2" });

        Assert.That((first["train"].Status, again["train"].Status, fromNewParent["train"].Status), Is.EqualTo((StepStatus.Ran, StepStatus.Reused, StepStatus.Ran)));
        Assert.That(again["train"].ReusedFromRunId, Is.EqualTo(first["train"].RunId));
        Assert.That(_trainings, Is.EqualTo(3), "from scratch, from version 1, from version 2");
    }

    [Test]
    public async Task RunAsync_WithAnAlias_ReadsTheVersionItPointsAtWhenTheRunStarts_AndAReproductionReadsThatVersionAgain()
    {
        var pipeline = Create();
        await _client.Pipelines.RegisterModelAsync(await _client.Pipelines.RunAsync(pipeline, new OnlineOptions { Iterations = 10 }), pipeline.GetOutput<ITransformer>("train"), "clicks");
        await _client.Pipelines.RegisterModelAsync(await _client.Pipelines.RunAsync(pipeline, new OnlineOptions { Iterations = 3 }), pipeline.GetOutput<ITransformer>("train"), "clicks");
        await _client.Models.SetAliasAsync("clicks", "champion", 1);
        var options = new OnlineOptions { Parent = "models:/clicks@champion" };

        var onFirst = await _client.Pipelines.RunAsync(pipeline, options);
        var again = await _client.Pipelines.RunAsync(pipeline, options);
        await _client.Models.SetAliasAsync("clicks", "champion", 2);
        var plan = await _client.Pipelines.PlanAsync(pipeline, options);
        var onSecond = await _client.Pipelines.RunAsync(pipeline, options);
        var registered = await _client.Pipelines.RegisterModelAsync(onSecond, pipeline.GetOutput<ITransformer>("train"), "clicks");
        var reproduction = await _client.Pipelines.ReproduceAsync(pipeline, onFirst.RunId!);

        Assert.That((onFirst["train"].Status, again["train"].Status, onSecond["train"].Status), Is.EqualTo((StepStatus.Ran, StepStatus.Reused, StepStatus.Ran)), "the key follows the version the alias names, not the alias");
        Assert.That((onFirst["parent"].Detail, plan["parent"].Detail, plan["train"].Detail), Is.EqualTo(("models:/clicks/1", "models:/clicks/2", "would run: not cached")));
        Assert.That(registered.Parent, Is.EqualTo(ModelRef.ForVersion("clicks", 2)), "the version, not the alias");
        var rerun = await _client.Runs.GetAsync(reproduction.RunId);
        Assert.That(rerun.Inputs.Single(i => i.Context == "parent").Uri, Is.EqualTo("models:/clicks/1"), "the version the original read, though the alias moved");
        Assert.That(reproduction.OutputsMatch, Is.True, reproduction.ToString());
    }

    [Test]
    public async Task RegisterAsync_WithAnAliasAsTheParent_IsRefused_AndModelInputsNameRegisteredModels()
    {
        var ml = new MLContext(seed: 1);
        var data = await (await _client.Datasets.GetAsync("datasets:/clicks/1")).LoadAsync(ml);
        var model = Train(ml, data, null, 1);

        var alias = Assert.ThrowsAsync<ArgumentException>(() => _client.Models.RegisterAsync("clicks", model, data.Schema, new RegisterModelOptions { Parent = ModelRef.ForAlias("clicks", "production") }))!;
        var run = Assert.ThrowsAsync<ArgumentException>(() => _client.Pipelines.RunAsync(Create(), new OnlineOptions { Parent = $"runs:/{new string('a', 32)}/model" }))!;
        var registered = await _client.Models.RegisterAsync("clicks", model, data.Schema, new RegisterModelOptions { Parent = ModelRef.ForVersion("other", 4) });

        Assert.That(alias.Message, Does.Contain("models:/clicks@production").And.Contain("an alias moves"));
        Assert.That(run.Message, Does.Contain("'parent'").And.Contain("a run's artifact"));
        Assert.That(registered.Parent, Is.EqualTo(ModelRef.ForVersion("other", 4)));
    }

    private Pipeline<OnlineOptions> Create() => MlOps.Sdk.Pipelines.Pipeline.Create<OnlineOptions>("online", p =>
    {
        var clicks = p.Dataset("clicks", o => o.Data);
        var parent = p.Model("parent", o => o.Parent);
        p.Step("train", [clicks, parent], o => new { o.Iterations }, ctx =>
        {
            Interlocked.Increment(ref _trainings);
            return Train(ctx.ML, ctx.Get(clicks), ctx.Get(parent), ctx.Parameters.Iterations);
        });
    });

    /// <summary>From scratch, or from the parent: its transforms as they were fitted, its weights as the start.</summary>
    private static ITransformer Train(MLContext ml, IDataView data, ITransformer? parent, int iterations)
    {
        var trainer = ml.BinaryClassification.Trainers.AveragedPerceptron(numberOfIterations: iterations);
        if (parent is null)
        {
            return ml.Transforms.Concatenate("Features", "A", "B").Append(ml.Transforms.NormalizeMinMax("Features")).Append(trainer).Fit(data);
        }

        var features = ContinuedTraining.Featurizer(parent).Transform(data);
        return ContinuedTraining.ReplacePredictor(parent, trainer.Fit(features, ContinuedTraining.Find<LinearBinaryModelParameters>(parent)));
    }

    private async Task RegisterClicksAsync(int seed, float shift)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, 300).Select(_ =>
        {
            var (a, b) = ((float)random.NextDouble() * 10, (float)random.NextDouble() * 10);
            return new Click { A = a, B = b, Label = a + (shift * b) + (float)random.NextDouble() - 0.5f > 5 + (2.5f * shift) };
        }).ToList();
        var ml = new MLContext(seed: 1);
        await _client.Datasets.RegisterDataViewAsync("clicks", ml.Data.LoadFromEnumerable(rows), ml);
    }

    public sealed class Click
    {
        public float A { get; set; }

        public float B { get; set; }

        public bool Label { get; set; }
    }
}

public sealed class OnlineOptions
{
    public string Data { get; set; } = "datasets:/clicks@latest";

    public string? Parent { get; set; }

    public int Iterations { get; set; } = 1;
}
