// Hyperparameter search: tune LightGBM on the flights data with TPE, two trials at a time, each trial a tracked run;
// then register the best trial's model. Run it again (or in several processes at once) and the study goes on where it
// is: every worker on the same store shares it.
//
//   dotnet run --project samples/HyperparameterSearch [-- --trials 16 --parallelism 2 --data flights.csv]
//
// The same program is a Kubeflow Katib trial: with --katib-trial it takes the parameters from the command line
// (--leaves=31 --learning_rate=0.1 ...) and prints auc=<value>, the line Katib's default metrics collector reads.
using System.Globalization;
using Microsoft.ML;
using MlOps.Sdk;
using MlOps.Sdk.Data;
using MlOps.Sdk.Pipelines;
using MlOps.Sdk.Search;
using FlightDelays;

string Option(string name, string fallback) => args.SkipWhile(a => a != $"--{name}").Skip(1).FirstOrDefault() ?? fallback;
var dataFile = Option("data", Path.Combine(AppContext.BaseDirectory, "data", "flights-20k.csv"));
var client = MlOpsClient.CreateDefault();
var flights = await client.Datasets.RegisterFileAsync("flights", dataFile);

// The objective: a trial suggests LightGBM's options and runs the flight-delay pipeline (samples/FlightDelays, the
// QuickStart's) under its own run; clean and the splits run once and every later trial reuses them.
var pipeline = FlightDelayPipeline.Create();
async Task<double> Objective(Trial trial, CancellationToken cancellationToken)
{
    var options = new FlightOptions
    {
        Data = flights.Uri,
        Leaves = trial.SuggestInt("leaves", 4, 128, log: true),
        LearningRate = trial.SuggestFloat("learning_rate", 0.01, 0.3, log: true),
        MinimumExampleCountPerLeaf = trial.SuggestInt("min_leaf", 5, 200, log: true),
        Iterations = trial.SuggestInt("iterations", 20, 200, step: 20),
    };
    await trial.Run.UseDatasetAsync(flights, "training", cancellationToken); // lineage: the registered best model names its data
    var result = await client.Pipelines.RunAsync(pipeline, options, new PipelineRunOptions { ParentRunId = trial.Run.Id, Experiment = trial.Run.Experiment }, cancellationToken);
    var model = await result.GetAsync(pipeline.GetOutput<ITransformer>(FlightDelayPipeline.Model), cancellationToken);
    var trainSet = await result.GetAsync(pipeline.GetOutput<IDataView>("train-set"), cancellationToken);
    await trial.SaveModelAsync(model, trainSet.Schema, cancellationToken); // kept with the trial's run, registered if best
    return (await result.GetAsync(pipeline.GetOutput<Dictionary<string, double>>(FlightDelayPipeline.Evaluation), cancellationToken))["test.auc"];
}

if (args.Contains("--katib-trial"))
{
    await client.Studies.RunFixedTrialAsync("flight-delays-katib", args, Objective, metricName: "auc");
    return;
}

// <search>
var study = await client.Studies.OpenAsync("flight-delays-lightgbm", new StudyOptions
{
    Direction = StudyDirection.Maximize,
    Sampler = new TpeSampler(new TpeSamplerOptions { Seed = 1 }),
});
var result = await study.OptimizeAsync(Objective, new SearchBudget
{
    Trials = int.Parse(Option("trials", "12"), CultureInfo.InvariantCulture),
    Parallelism = int.Parse(Option("parallelism", "2"), CultureInfo.InvariantCulture),
});
var best = result.BestTrial!;
Console.WriteLine($"{result.Complete} trials run here; the best of the study is trial {best.Number}: AUC {best.Value:F4} with {string.Join(", ", best.Parameters.Select(p => $"{p.Key}={(p.Value is double d ? d.ToString("G3", CultureInfo.InvariantCulture) : p.Value)}"))}");

foreach (var (parameter, importance) in await study.GetParameterImportancesAsync())
{
    Console.WriteLine($"  {parameter,-18} {importance:P0} of the variation in AUC");
}

var version = await study.RegisterBestModelAsync("flight-delays-tuned");
Console.WriteLine($"Registered {version.Uri} from run {version.SourceRunId}");
// </search>

using var predictor = await client.Models.LoadPredictorAsync<Flight, DelayPrediction>(version.Uri, new MLContext(seed: 1));
var prediction = predictor.Predict(new Flight { Date = "2001/01/14 17:55", Distance = 1500, Origin = "ORD", Destination = "LAX" });
Console.WriteLine($"{version.Uri} says ORD->LAX at 17:55 leaves late: {prediction.PredictedLabel} (p = {prediction.Probability:F2})");
