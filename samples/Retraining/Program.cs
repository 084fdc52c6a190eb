// Retraining as a worker service. A replay stands in for the world: every few seconds it registers the next month of
// 2001's flights (data/flights-monthly.csv, a slice of vega-datasets) as a new version of the dataset
// "flights-monthly". The hosted retrainer sees each new version, runs the flight-delay pipeline (samples/FlightDelays,
// the QuickStart's) on it, compares the challenger with production on a holdout, and promotes it or rejects it with
// its reason. When the last month is handled, the replay prints every attempt and stops the service.
//
//   dotnet run --project samples/Retraining [-- --months 6]
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MlOps.Sdk;
using MlOps.Sdk.DependencyInjection;
using MlOps.Sdk.Retraining;
using FlightDelays;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddMlOps() // the .mlops/ folder in the working directory, or the MlOps section of appsettings.json
// <retraining>
    .AddRetraining("flight-delays", _ =>
    {
        var policy = new RetrainingPolicy<FlightOptions>
        {
            ModelName = "flight-delays",
            Pipeline = FlightDelayPipeline.Create(),                      // the very pipeline development runs
            ModelStep = FlightDelayPipeline.Model,
            Options = attempt => new FlightOptions { Data = attempt.Dataset?.Uri ?? "datasets:/flights-monthly@latest" },
            Holdout = "datasets:/flights-holdout@latest",                 // never trained on; both models scored on it
            Evaluator = ModelEvaluator.BinaryClassification(),
            Rule = new PromotionRule { Metric = "auc", MinimumMargin = 0.002 },
        };
        policy.Guards.Add(new GuardRule { Metric = "log-loss", Direction = MetricDirection.Minimize, MaximumRegression = 0.01 });
        policy.Triggers.Add(RetrainingTrigger.OnNewDatasetVersion("flights-monthly"));
        return policy;
    }, options => options.PollInterval = TimeSpan.FromSeconds(0.5));
// </retraining>
builder.Services.AddHostedService<MonthlyReplay>();
await builder.Build().RunAsync();

/// <summary>Registers one month of flights at a time, waits for the retrainer to handle it, and prints what it decided.</summary>
internal sealed class MonthlyReplay(MlOpsClient client, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var args = Environment.GetCommandLineArgs();
        var months = args.SkipWhile(a => a != "--months").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(6);
        var data = Path.Combine(AppContext.BaseDirectory, "data");
        await client.Datasets.RegisterFileAsync("flights-holdout", Path.Combine(data, "flights-holdout.csv"), cancellationToken: stoppingToken);
        var lines = await File.ReadAllLinesAsync(Path.Combine(data, "flights-monthly.csv"), stoppingToken);
        var scratch = Directory.CreateTempSubdirectory("mlops-replay-");
        try
        {
            foreach (var month in lines.Skip(1).GroupBy(l => l[..7]).Take(months))
            {
                var file = Path.Combine(scratch.FullName, "flights.csv");
                await File.WriteAllLinesAsync(file, [lines[0], .. month], stoppingToken);
                var before = (await client.Retraining.GetAttemptsAsync("flight-delays", cancellationToken: stoppingToken)).Count;
                var version = await client.Datasets.RegisterFileAsync("flights-monthly", file, cancellationToken: stoppingToken);
                Console.WriteLine($"{month.Key}: {version} registered");
                var attempt = await WaitForAttemptAsync(before, stoppingToken);
                Console.WriteLine($"{month.Key}: version {attempt.Challenger} {attempt.Outcome.ToString().ToLowerInvariant()}: {attempt.Reason}");
            }

            foreach (var change in await client.Models.GetAliasHistoryAsync("flight-delays", "production", stoppingToken))
            {
                Console.WriteLine($"  production {(change.From is null ? "-" : $"{change.From}")} -> {change.To}: {change.Reason}");
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
            lifetime.StopApplication();
        }
    }

    private async Task<RetrainingAttempt> WaitForAttemptAsync(int before, CancellationToken cancellationToken)
    {
        while (true)
        {
            var attempts = await client.Retraining.GetAttemptsAsync("flight-delays", cancellationToken: cancellationToken);
            if (attempts.Count > before)
            {
                return attempts[^1];
            }

            await Task.Delay(200, cancellationToken);
        }
    }
}
