// The QuickStart: the main job on the embedded default store (.mlops/ in the working directory), end to end:
// version the data -> train in tracked runs -> register the models -> promote the better one to production ->
// load models:/flight-delays@production the way a web service would -> predict -> show the alias history.
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Trainers.LightGbm;
using MlOps.Sdk;
using MlOps.Sdk.Data;
using MlOps.Sdk.Models;
using MlOps.Sdk.Tracking;
using FlightDelays;

var dataFile = Path.Combine(AppContext.BaseDirectory, "data", "flights-20k.csv");
var ml = new MLContext(seed: 1);
ml.ComponentCatalog.RegisterAssembly(typeof(DelayedFactory).Assembly); // the pipeline's custom mapping, saved in the model

// Will a flight leave more than 15 minutes late? The same pipeline object is fitted with or without a run.
IEstimator<ITransformer> Pipeline(int leaves) => ml.Transforms.CustomMapping<Flight, Delayed>(Delayed.From, contractName: nameof(Delayed))
    .Append(ml.Transforms.Categorical.OneHotEncoding([new InputOutputColumnPair("origin"), new InputOutputColumnPair("destination")]))
    .Append(ml.Transforms.Concatenate("Features", "distance", "hour", "origin", "destination"))
    .Append(ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options { NumberOfIterations = 50, NumberOfLeaves = leaves, MinimumExampleCountPerLeaf = 50 }));

// <quickstart>
var client = MlOpsClient.CreateDefault(); // the .mlops/ folder in the working directory

// Version the data: identical content is the same version (nothing stored again), a changed byte is the next one.
var flights = await client.Datasets.RegisterFileAsync("flights", dataFile);
Console.WriteLine($"{flights}{(flights.Created ? "" : " (already registered)")}: delay mean {flights.Profile!["delay"].Numeric!.Mean:F1} min");

foreach (var leaves in new[] { 4, 16 }) // a baseline and a bigger model, each a tracked run and a registered version
{
    await using var run = await client.Runs.StartAsync("flight-delays");
    await run.UseDatasetAsync(flights, "training");   // lineage: this run trained on exactly that version
    var data = await flights.LoadAsync<Flight>(ml);    // the recorded schema, checked against Flight
    var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

    var model = run.Fit(Pipeline(leaves), split.TrainSet); // records the trainer, its options, the rows and the fit time
    var auc = ml.BinaryClassification.Evaluate(model.Transform(split.TestSet)).AreaUnderRocCurve;
    run.LogMetric("test.auc", auc);
    var version = await run.LogModelAsync(client, "flight-delays", model, split.TrainSet.Schema);

    // Promote when it beats what serves now; production is protected: it moves only with a reason, kept in its history.
    var aliases = await client.Models.GetAliasesAsync("flight-delays");
    var current = aliases.TryGetValue("production", out var live) ? await client.Models.GetAsync(ModelRef.ForVersion("flight-delays", live)) : null;
    if (current is null || auc > current.Metrics["test.auc"])
    {
        await client.Models.PromoteAsync("flight-delays", "production", version.Version, $"test AUC {auc:F3} with {leaves} leaves");
    }

    Console.WriteLine($"Run {run.Id}: {leaves} leaves, test AUC {auc:F3} -> {version.Uri}");
}

// Load whatever production points at, exactly as a web service would, and predict.
using var predictor = await client.Models.LoadPredictorAsync<Flight, DelayPrediction>("models:/flight-delays@production", ml);
var flight = new Flight { Date = "2001/01/14 17:55", Distance = 1500, Origin = "ORD", Destination = "LAX" };
var prediction = predictor.Predict(flight);
Console.WriteLine($"{predictor.Uri} says ORD->LAX at 17:55 leaves late: {prediction.PredictedLabel} (p = {prediction.Probability:F2})");

foreach (var change in await client.Models.GetAliasHistoryAsync("flight-delays", "production"))
{
    Console.WriteLine($"  production {(change.From is null ? "-" : $"{change.From}")} -> {change.To} by {change.By} at {change.At:u}: {change.Reason}");
}
// </quickstart>

Console.WriteLine($"Environment: {client.Environment}. Everything lives under {client.Store.Location.LocalPath}");
