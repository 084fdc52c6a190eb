// The flight-delay pipeline as a command-line program: the run a developer starts by hand is the one a scheduler starts.
//
//   dotnet run --project samples/FlightPipeline -- run                  every step the first time, none the second
//   dotnet run --project samples/FlightPipeline -- plan --set Leaves=32 what would run (train, evaluate) and what not
//   dotnet run --project samples/FlightPipeline -- run --variant short-haul
//   dotnet run --project samples/FlightPipeline -- reproduce <runId>
//
// Options come from appsettings.json (section Pipelines:flight-delays), appsettings.{env}.json (--env), environment
// variables (Pipelines__flight-delays__Leaves=32) and --set. The pipeline itself is samples/FlightDelays' (the
// QuickStart's): a step the QuickStart ran, this program reuses.
using Microsoft.Extensions.Configuration;
using Microsoft.ML;
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

var pipeline = FlightDelayPipeline.Create();
return await PipelineCommandLine.RunAsync(client, pipeline, configuration, args, new PipelineCommandLineOptions<FlightOptions>
{
    // After a whole run, each variant registers its own model (ModelName in its overlay), with the evaluation's metrics.
    AfterRun = async (result, options, cancellationToken) =>
    {
        var version = await client.Pipelines.RegisterModelAsync(result, pipeline.GetOutput<ITransformer>(FlightDelayPipeline.Model), options.ModelName, cancellationToken: cancellationToken);
        Console.WriteLine($"registered {version.Uri}: test AUC {(version.Metrics.TryGetValue("test.auc", out var auc) ? auc.ToString("F3", System.Globalization.CultureInfo.InvariantCulture) : "not measured")}");
    },
});
