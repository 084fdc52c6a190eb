using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.LightGbm;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Tracking;

/// <summary>Fitting ML.NET pipelines inside runs, on the committed slice of the U.S. flight-delay data.</summary>
public sealed class RunMlNetExtensionsTests
{
    private static readonly string FlightsCsv = Path.Combine(RepositoryPaths.Root, "samples", "QuickStart", "data", "flights-2k.csv");
    private MlOpsClient _client = null!;

    [SetUp]
    public void SetUp() => _client = TrackingClients.Create(new InMemoryObjectStore());

    [Test]
    public async Task Fit_LightGbm_RecordsTrainerOptionsRowsAndFitTime()
    {
        var ml = new MLContext(seed: 1);
        var data = LoadFlights(ml);
        var pipeline = Featurize(ml).Append(ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
        {
            NumberOfIterations = 30,
            NumberOfLeaves = 16,
            LearningRate = 0.2,
            Booster = new GradientBooster.Options { L2Regularization = 0.5 },
        }));

        await using var run = await _client.Runs.StartAsync("flight-delays");
        var model = run.Fit(pipeline, data);
        run.LogMetrics(ml.BinaryClassification.Evaluate(model.Transform(data)), "training.");
        await run.CompleteAsync();

        var info = await _client.Runs.GetAsync(run.Id);
        Assert.That(info.Parameters["trainer"], Is.EqualTo("LightGbmBinaryTrainer"));
        Assert.That(info.Parameters["trainer.NumberOfIterations"], Is.EqualTo("30"));
        Assert.That(info.Parameters["trainer.NumberOfLeaves"], Is.EqualTo("16"));
        Assert.That(info.Parameters["trainer.LearningRate"], Is.EqualTo("0.2"));
        Assert.That(info.Parameters["trainer.LabelColumnName"], Is.EqualTo("Label"));
        Assert.That(info.Parameters["trainer.Booster"], Is.EqualTo("Options"), "nested options are named by type");
        Assert.That(info.Parameters["trainer.Booster.L2Regularization"], Is.EqualTo("0.5"), "and recorded field by field");
        Assert.That(info.Metrics["training.rows"].Last, Is.EqualTo(2000));
        Assert.That(info.Metrics["training.fit_seconds"].Last, Is.GreaterThan(0));
        Assert.That(info.Metrics["training.area_under_roc_curve"].Last, Is.InRange(0.5, 1.0));
        Assert.That(info.Metrics.Keys, Does.Contain("training.log_loss").And.Contain("training.f1_score").And.Contain("training.accuracy"));
    }

    [Test]
    public async Task Fit_SamePipelineWithAndWithoutARun_GivesTheSameModel()
    {
        var ml = new MLContext(seed: 7);
        var data = LoadFlights(ml);
        var pipeline = Featurize(ml).Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options { MaximumNumberOfIterations = 20, NumberOfThreads = 1 }));

        var plain = pipeline.Fit(data);
        await using var run = await _client.Runs.StartAsync("flight-delays");
        var tracked = run.Fit(pipeline, data);

        var plainAuc = ml.BinaryClassification.Evaluate(plain.Transform(data)).AreaUnderRocCurve;
        var trackedAuc = ml.BinaryClassification.Evaluate(tracked.Transform(data)).AreaUnderRocCurve;
        Assert.That(trackedAuc, Is.EqualTo(plainAuc));
        await run.CompleteAsync();
        Assert.That((await _client.Runs.GetAsync(run.Id)).Parameters["trainer.MaximumNumberOfIterations"], Is.EqualTo("20"));
    }

    [Test]
    public async Task LogMetrics_RegressionAndMulticlass_UseSnakeCaseNames()
    {
        var ml = new MLContext(seed: 3);
        var data = LoadFlights(ml);
        var regression = ml.Transforms.CopyColumns("Label", "delay")
            .Append(ml.Transforms.Concatenate("Features", "distance"))
            .Append(ml.Regression.Trainers.Sdca(maximumNumberOfIterations: 5));
        await using var run = await _client.Runs.StartAsync("flight-delays");

        var model = run.Fit(regression, data);
        run.LogMetrics(ml.Regression.Evaluate(model.Transform(data)), "test.");
        await run.CompleteAsync();

        var metrics = (await _client.Runs.GetAsync(run.Id)).Metrics;
        Assert.That(metrics.Keys, Is.SupersetOf(new[] { "test.mean_absolute_error", "test.root_mean_squared_error", "test.r_squared", "test.mean_squared_error", "test.loss_function" }));
        Assert.That(RunMlNetExtensions.SnakeCase("AreaUnderPrecisionRecallCurve"), Is.EqualTo("area_under_precision_recall_curve"));
        Assert.That(RunMlNetExtensions.SnakeCase("RSquared"), Is.EqualTo("r_squared"));
        Assert.That(RunMlNetExtensions.SnakeCase("F1Score"), Is.EqualTo("f1_score"));
        Assert.That(RunMlNetExtensions.SnakeCase("TopKAccuracy"), Is.EqualTo("top_k_accuracy"));
    }

    private static IDataView LoadFlights(MLContext ml)
        => ml.Data.LoadFromTextFile<Flight>(FlightsCsv, hasHeader: true, separatorChar: ',');

    private static EstimatorChain<ColumnConcatenatingTransformer> Featurize(MLContext ml)
        => ml.Transforms.CustomMapping<Flight, DelayLabel>((flight, label) => label.Label = flight.Delay > 15, contractName: null)
            .Append(ml.Transforms.Categorical.OneHotEncoding([new InputOutputColumnPair("origin"), new InputOutputColumnPair("destination")]))
            .Append(ml.Transforms.Concatenate("Features", "distance", "origin", "destination"));

    public sealed class Flight
    {
        [LoadColumn(0)]
        public string Date { get; set; } = string.Empty;

        [LoadColumn(1)]
        [ColumnName("delay")]
        public float Delay { get; set; }

        [LoadColumn(2)]
        [ColumnName("distance")]
        public float Distance { get; set; }

        [LoadColumn(3)]
        [ColumnName("origin")]
        public string Origin { get; set; } = string.Empty;

        [LoadColumn(4)]
        [ColumnName("destination")]
        public string Destination { get; set; } = string.Empty;
    }

    public sealed class DelayLabel
    {
        public bool Label { get; set; }
    }
}
