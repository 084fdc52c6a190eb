// The flight-delay pipeline as a command-line program: the run a developer starts by hand is the one a scheduler starts.
//
//   dotnet run --project samples/FlightPipeline -- run                  every step the first time, none the second
//   dotnet run --project samples/FlightPipeline -- plan --set Leaves=32 what would run (train, evaluate) and what not
//   dotnet run --project samples/FlightPipeline -- run --variant short-haul
//   dotnet run --project samples/FlightPipeline -- reproduce <runId>
//
// Options come from appsettings.json (section Pipelines:flight-delays), appsettings.{env}.json (--env), environment
// variables (Pipelines__flight-delays__Leaves=32) and --set.
using Microsoft.Extensions.Configuration;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;
using MlOps.Sdk;
using MlOps.Sdk.Pipelines;
using FlightDelays;

var environment = PipelineCommandLine.EnvironmentName(args) ?? "development";
var configuration = new ConfigurationBuilder()
    .SetBasePath(AppContext.BaseDirectory)
    .AddJsonFile("appsettings.json")
    .AddJsonFile($"appsettings.{environment}.json", optional: true)
    .AddEnvironmentVariables()
    .Build();
var client = MlOpsClient.CreateDefault();
await client.Datasets.RegisterFileAsync("flights", Path.Combine(AppContext.BaseDirectory, "data", "flights-20k.csv")); // the same file is the same version

// <pipeline>
var pipeline = Pipeline.Create<FlightOptions>("flight-delays", p =>
{
    var flights = p.Dataset("flights", o => o.Data);
    var clean = p.Step("clean", [flights], o => new { o.MaxDistance }, ctx =>
        ctx.ML.Data.FilterRowsByColumn(ctx.Get(flights), "distance", lowerBound: 1, upperBound: ctx.Parameters.MaxDistance));
    var features = p.Step("featurize", [clean], ctx =>
    {
        var data = ctx.Get(clean);
        return ctx.ML.Transforms.CustomMapping<Flight, Delayed>(Delayed.From, contractName: nameof(Delayed))
            .Append(ctx.ML.Transforms.Categorical.OneHotEncoding([new InputOutputColumnPair("origin"), new InputOutputColumnPair("destination")]))
            .Append(ctx.ML.Transforms.Concatenate("Features", "distance", "hour", "origin", "destination"))
            .Fit(data).Transform(data);
    });
    var model = p.Step("train", [features], o => new { o.Leaves, o.Iterations }, ctx => (ITransformer)ctx.ML.BinaryClassification.Trainers
        .LightGbm(new LightGbmBinaryTrainer.Options { NumberOfLeaves = ctx.Parameters.Leaves, NumberOfIterations = ctx.Parameters.Iterations, NumberOfThreads = 1, Seed = 1 })
        .Fit(ctx.Get(features)));
    p.Step("evaluate", [model, features], ctx =>
    {
        var metrics = ctx.ML.BinaryClassification.Evaluate(ctx.Get(model).Transform(ctx.Get(features)));
        ctx.Run.LogMetric("auc", metrics.AreaUnderRocCurve);
        return new Dictionary<string, double> { ["auc"] = metrics.AreaUnderRocCurve, ["f1"] = metrics.F1Score };
    });
});

return await PipelineCommandLine.RunAsync(client, pipeline, configuration, args);
// </pipeline>

/// <summary>The pipeline's options, bound from Pipelines:flight-delays.</summary>
internal sealed class FlightOptions
{
    public string Data { get; set; } = "datasets:/flights@latest";

    public float MaxDistance { get; set; } = 5000;

    public int Leaves { get; set; } = 16;

    public int Iterations { get; set; } = 50;
}
