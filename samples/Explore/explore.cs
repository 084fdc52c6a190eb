#!/usr/bin/env dotnet
// The flight-delay pipeline from a C# script (a .NET 10 file-based app), the way a notebook uses it:
//
//   dotnet run samples/Explore/explore.cs              run up to the training split, look at it, then run the rest
//   dotnet run samples/Explore/explore.cs -- 32        the same with 32 leaves: only train and evaluate run again
//
// The pipeline object is the one the QuickStart and the FlightPipeline command line run (samples/FlightDelays), and the
// store is the same .mlops/ folder: a step any of them ran with the same code, parameters and data is reused here, and
// what this script runs, they reuse.
#:property PublishAot=false
#:project ../FlightDelays/FlightDelays.csproj
using System.Globalization;
using Microsoft.ML;
using MlOps.Sdk;
using MlOps.Sdk.Pipelines;
using FlightDelays;

var leaves = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 16;
var here = AppContext.GetData("EntryPointFileDirectoryPath") as string ?? Directory.GetCurrentDirectory();
var client = MlOpsClient.CreateDefault();
var flights = await client.Datasets.RegisterFileAsync("flights", Path.Combine(here, "..", "QuickStart", "data", "flights-20k.csv"));

var pipeline = FlightDelayPipeline.Create();
var options = new FlightOptions { Data = flights.Uri, Leaves = leaves };

// What would run, and what would be reused (and from which run), without running anything.
foreach (var step in (await client.Pipelines.PlanAsync(pipeline, options)).Steps)
{
    Console.WriteLine($"plan   {step}");
}

// Up to the training split, then a look at it: the very data view the training step will read.
var partial = await client.Pipelines.RunAsync(pipeline, options, new PipelineRunOptions { UpTo = "train-set" });
var trainSet = await partial.GetAsync(pipeline.GetOutput<IDataView>("train-set"));
foreach (var row in trainSet.Preview(maxRows: 3).RowView)
{
    Console.WriteLine($"row    {string.Join(", ", row.Values.Select(v => $"{v.Key}={v.Value}"))}");
}

// The rest: what ran above is reused, not run again; the model is the one a full run from scratch gives, byte for byte.
var result = await client.Pipelines.RunAsync(pipeline, options);
foreach (var step in result.Steps)
{
    Console.WriteLine($"run    {step}");
}

var metrics = await result.GetAsync(pipeline.GetOutput<Dictionary<string, double>>(FlightDelayPipeline.Evaluation));
Console.WriteLine($"{leaves} leaves: test AUC {metrics["test.auc"]:F3} (run {result.RunId})");
