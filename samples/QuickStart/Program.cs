// The QuickStart: the main job on the embedded default store (.mlops/ in the working directory).
// Today it versions the data by content and trains a model in a tracked run; as MlOps.Sdk grows it becomes
// train -> track -> version the data -> register -> promote -> load by alias -> predict.
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;
using MlOps.Sdk;
using MlOps.Sdk.Tracking;

var dataFile = Path.Combine(AppContext.BaseDirectory, "data", "flights-20k.csv");
var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromTextFile<Flight>(dataFile, hasHeader: true, separatorChar: ',');
var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

// Will a flight leave more than 15 minutes late? The same pipeline object is fitted with or without a run.
var pipeline = ml.Transforms.CustomMapping<Flight, Delayed>(Delayed.From, contractName: null)
    .Append(ml.Transforms.Categorical.OneHotEncoding([new InputOutputColumnPair("origin"), new InputOutputColumnPair("destination")]))
    .Append(ml.Transforms.Concatenate("Features", "distance", "hour", "origin", "destination"))
    .Append(ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options { NumberOfIterations = 50, NumberOfLeaves = 8, MinimumExampleCountPerLeaf = 50 }));

// <quickstart>
var client = MlOpsClient.CreateDefault(); // the .mlops/ folder in the working directory

await using (var run = await client.Runs.StartAsync("flight-delays"))
{
    // Version the data by content: the same bytes are stored once, and the run records exactly which ones it read.
    var stored = await client.Content.PutFileAsync(dataFile);
    run.LogInput("file:flights-20k.csv", "training", stored.Hash);

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
