// The QuickStart: the main job on the embedded default store (.mlops/ in the working directory), end to end:
// version the data -> run the pipeline (each step a tracked run, reused when nothing it depends on changed) -> register
// the models -> promote the better one to production -> load models:/flight-delays@production the way a web service
// would -> predict -> show the alias history. Run it twice: the second time no step runs, every output is reused.
using Microsoft.ML;
using MlOps.Sdk;
using MlOps.Sdk.Models;
using FlightDelays;

var dataFile = Path.Combine(AppContext.BaseDirectory, "data", "flights-20k.csv");

// <quickstart>
var client = MlOpsClient.CreateDefault(); // the .mlops/ folder in the working directory

// Version the data: identical content is the same version (nothing stored again), a changed byte is the next one.
var flights = await client.Datasets.RegisterFileAsync("flights", dataFile);
Console.WriteLine($"{flights}{(flights.Created ? "" : " (already registered)")}: delay mean {flights.Profile!["delay"].Numeric!.Mean:F1} min");

// flights -> clean -> train-set, test-set -> train -> evaluate, defined once in samples/FlightDelays.
var pipeline = FlightDelayPipeline.Create();
foreach (var leaves in new[] { 4, 16 }) // a baseline and a bigger model: the second run reuses clean and the splits
{
    var result = await client.Pipelines.RunAsync(pipeline, new FlightOptions { Data = flights.Uri, Leaves = leaves });
    var auc = (await result.GetAsync(pipeline.GetOutput<Dictionary<string, double>>(FlightDelayPipeline.Evaluation)))["test.auc"];
    var version = await client.Pipelines.RegisterModelAsync(result, pipeline.GetOutput<ITransformer>(FlightDelayPipeline.Model), "flight-delays");

    // Promote when it beats what serves now; production is protected: it moves only with a reason, kept in its history.
    var aliases = await client.Models.GetAliasesAsync("flight-delays");
    var current = aliases.TryGetValue("production", out var live) ? await client.Models.GetAsync(ModelRef.ForVersion("flight-delays", live)) : null;
    if (current is null || auc > current.Metrics["test.auc"])
    {
        await client.Models.PromoteAsync("flight-delays", "production", version.Version, $"test AUC {auc:F3} with {leaves} leaves");
    }

    Console.WriteLine($"Run {result.RunId}: {leaves} leaves, test AUC {auc:F3} -> {version.Uri}");
    Console.WriteLine($"  {string.Join(", ", result.Steps.Skip(1).Select(s => $"{s.Name} {s.Status.ToString().ToLowerInvariant()}"))}");
}

// Load whatever production points at, exactly as a web service would, and predict.
using var predictor = await client.Models.LoadPredictorAsync<Flight, DelayPrediction>("models:/flight-delays@production", new MLContext(seed: 1));
var flight = new Flight { Date = "2001/01/14 17:55", Distance = 1500, Origin = "ORD", Destination = "LAX" };
var prediction = predictor.Predict(flight);
Console.WriteLine($"{predictor.Uri} says ORD->LAX at 17:55 leaves late: {prediction.PredictedLabel} (p = {prediction.Probability:F2})");

foreach (var change in await client.Models.GetAliasHistoryAsync("flight-delays", "production"))
{
    Console.WriteLine($"  production {(change.From is null ? "-" : $"{change.From}")} -> {change.To} by {change.By} at {change.At:u}: {change.Reason}");
}
// </quickstart>

Console.WriteLine($"Environment: {client.Environment}. Everything lives under {client.Store.Location.LocalPath}");
