// The flight-delay pipeline, defined once: the QuickStart, the FlightPipeline command line, the explore.cs script and the
// hyperparameter search all run this very object, so a step one of them ran is a step the others reuse.
using System.ComponentModel.DataAnnotations;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;
using MlOps.Sdk.Pipelines;

namespace FlightDelays;

/// <summary>The flight-delay pipeline's options, bound from the configuration section <c>Pipelines:flight-delays</c>.</summary>
public sealed class FlightOptions
{
    /// <summary>Gets or sets the flights: a dataset version's URI.</summary>
    public string Data { get; set; } = "datasets:/flights@latest";

    /// <summary>Gets or sets the longest flight kept, in miles.</summary>
    [Range(1, 10000)]
    public float MaxDistance { get; set; } = 5000;

    /// <summary>Gets or sets the share of the flights held out to evaluate the model on.</summary>
    [Range(0.05, 0.5)]
    public double TestFraction { get; set; } = 0.2;

    /// <summary>Gets or sets LightGBM's number of leaves per tree.</summary>
    [Range(2, 1024)]
    public int Leaves { get; set; } = 16;

    /// <summary>Gets or sets LightGBM's number of boosting iterations.</summary>
    [Range(1, 10000)]
    public int Iterations { get; set; } = 50;

    /// <summary>Gets or sets LightGBM's learning rate.</summary>
    [Range(0.0001, 1)]
    public double LearningRate { get; set; } = 0.1;

    /// <summary>Gets or sets the fewest flights a leaf may hold.</summary>
    [Range(1, 100000)]
    public int MinimumExampleCountPerLeaf { get; set; } = 50;

    /// <summary>Gets or sets the registered model's name (a variant registers its own).</summary>
    [Required]
    public string ModelName { get; set; } = "flight-delays";
}

/// <summary>flights -> clean -> train-set, test-set -> train -> evaluate: will a flight leave more than 15 minutes late?</summary>
public static class FlightDelayPipeline
{
    /// <summary>The name of the step whose output is the model (featurization and LightGBM, from a <see cref="Flight"/>).</summary>
    public const string Model = "train";

    /// <summary>The name of the step whose output is the test metrics (<c>test.auc</c>, <c>test.f1</c>).</summary>
    public const string Evaluation = "evaluate";

    /// <summary>Defines the pipeline.</summary>
    /// <returns>The pipeline.</returns>
    // <pipeline>
    public static Pipeline<FlightOptions> Create() => Pipeline.Create<FlightOptions>("flight-delays", p =>
    {
        p.ConfigureMLContext(ml => ml.ComponentCatalog.RegisterAssembly(typeof(DelayedFactory).Assembly)); // the model's custom mapping
        var flights = p.Dataset("flights", o => o.Data);
        var clean = p.Step("clean", [flights], o => new { o.MaxDistance }, ctx =>
            ctx.ML.Data.FilterRowsByColumn(ctx.Get(flights), "distance", lowerBound: 1, upperBound: ctx.Parameters.MaxDistance));
        var trainSet = p.Step("train-set", [clean], o => new { o.TestFraction }, ctx =>
            ctx.ML.Data.TrainTestSplit(ctx.Get(clean), ctx.Parameters.TestFraction, seed: 1).TrainSet);
        var testSet = p.Step("test-set", [clean], o => new { o.TestFraction }, ctx =>
            ctx.ML.Data.TrainTestSplit(ctx.Get(clean), ctx.Parameters.TestFraction, seed: 1).TestSet);
        var model = p.Step(Model, [trainSet], o => new { o.Leaves, o.Iterations, o.LearningRate, o.MinimumExampleCountPerLeaf }, ctx =>
        {
            var trainer = ctx.ML.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
            {
                NumberOfLeaves = ctx.Parameters.Leaves,
                NumberOfIterations = ctx.Parameters.Iterations,
                LearningRate = ctx.Parameters.LearningRate,
                MinimumExampleCountPerLeaf = ctx.Parameters.MinimumExampleCountPerLeaf,
                NumberOfThreads = 1, // with a seed: the same model, byte for byte, every time
                Seed = 1,
            });
            return (ITransformer)Featurize(ctx.ML).Append(trainer).Fit(ctx.Get(trainSet));
        });
        p.Step(Evaluation, [model, testSet], ctx =>
        {
            var metrics = ctx.ML.BinaryClassification.Evaluate(ctx.Get(model).Transform(ctx.Get(testSet)));
            ctx.Run.LogMetric("test.auc", metrics.AreaUnderRocCurve);
            ctx.Run.LogMetric("test.f1", metrics.F1Score);
            return new Dictionary<string, double> { ["test.auc"] = metrics.AreaUnderRocCurve, ["test.f1"] = metrics.F1Score };
        });
    });

    /// <summary>From a <see cref="Flight"/> to the label and features: the model carries these, so it predicts from a flight.</summary>
    private static EstimatorChain<ColumnConcatenatingTransformer> Featurize(MLContext ml)
        => ml.Transforms.CustomMapping<Flight, Delayed>(Delayed.From, contractName: nameof(Delayed))
            .Append(ml.Transforms.Categorical.OneHotEncoding([new InputOutputColumnPair("origin"), new InputOutputColumnPair("destination")]))
            .Append(ml.Transforms.Concatenate("Features", "distance", "hour", "origin", "destination"));
    // </pipeline>
}
