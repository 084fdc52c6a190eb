// The QuickStart: the main job on the embedded default store (.mlops/ in the working directory).
// Today it versions the data, trains a model from that exact version in a tracked run, and finds the best runs; as
// MlOps.Sdk grows it becomes train -> track -> version the data -> register -> promote -> load by alias -> predict.
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;
using MlOps.Sdk;
using MlOps.Sdk.Data;
using MlOps.Sdk.Tracking;

var dataFile = Path.Combine(AppContext.BaseDirectory, "data", "flights-20k.csv");
var ml = new MLContext(seed: 1);

// Will a flight leave more than 15 minutes late? The same pipeline object is fitted with or without a run.
var pipeline = ml.Transforms.CustomMapping<Flight, Delayed>(Delayed.From, contractName: null)
    .Append(ml.Transforms.Categorical.OneHotEncoding([new InputOutputColumnPair("origin"), new InputOutputColumnPair("destination")]))
    .Append(ml.Transforms.Concatenate("Features", "distance", "hour", "origin", "destination"))
    .Append(ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options { NumberOfIterations = 50, NumberOfLeaves = 8, MinimumExampleCountPerLeaf = 50 }));

// <quickstart>
var client = MlOpsClient.CreateDefault(); // the .mlops/ folder in the working directory

// Version the data: identical content is the same version (nothing stored again), a changed byte is the next one.
var flights = await client.Datasets.RegisterFileAsync("flights", dataFile);
var delay = flights.Profile!["delay"].Numeric!;
Console.WriteLine($"{flights}{(flights.Created ? "" : " (already registered)")}: delay mean {delay.Mean:F1} min, median {delay.Quantiles[0.5]:F0}");

await using (var run = await client.Runs.StartAsync("flight-delays"))
{
    // Train from that exact version: the run records it as its input, and the version lists the run as a user.
    await run.UseDatasetAsync(flights, "training");
    var data = await flights.LoadAsync<Flight>(ml); // the recorded schema, checked against Flight
    var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

    var model = run.Fit(pipeline, split.TrainSet); // records the trainer, its options, the rows and the fit time
    var metrics = ml.BinaryClassification.Evaluate(model.Transform(split.TestSet));
    run.LogMetrics(metrics, "test.");
    Console.WriteLine($"Run {run.Id}: test AUC {metrics.AreaUnderRocCurve:F3}, F1 {metrics.F1Score:F3}");
}

// Every run so far, best first: the store remembers them all.
await foreach (var past in client.Runs.SearchAsync(new RunQuery { Filter = "attributes.status = 'Finished'", OrderBy = "metrics.test.area_under_roc_curve DESC", MaxResults = 3 }))
{
    Console.WriteLine($"  {past.StartTime:u}  {past.Id}  AUC {past.Metrics["test.area_under_roc_curve"].Last:F3}  by {past.Source.User} at {past.Source.GitCommit?[..8] ?? "no git"}");
}
// </quickstart>

Console.WriteLine($"Environment: {client.Environment}. Everything lives under {client.Store.Location.LocalPath}");

/// <summary>A row of the flights data.</summary>
internal sealed class Flight
{
    [LoadColumn(0)]
    [ColumnName("date")]
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

/// <summary>The label (delayed more than 15 minutes) and the hour of departure, which delays depend on.</summary>
internal sealed class Delayed
{
    public bool Label { get; set; }

    [ColumnName("hour")]
    public float Hour { get; set; }

    public static void From(Flight flight, Delayed delayed)
    {
        delayed.Label = flight.Delay > 15;
        delayed.Hour = int.Parse(flight.Date.AsSpan(11, 2), System.Globalization.CultureInfo.InvariantCulture);
    }
}
