using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using MlOps.Sdk.Serving;

namespace MlOps.Sdk.Benchmarks;

/// <summary>
/// Serving: single-thread throughput of a served predictor with prediction logging at 100 % sampling against the same
/// predictor without logging, and p99 latency in the second around a hot swap against steady state.
/// </summary>
internal static class ServingBenchmark
{
    public static async Task RunAsync(string scratch, bool quick)
    {
        var ml = new MLContext(seed: 1);
        var rows = ModelBenchmark.LoadFlights(50_000);
        var data = ml.Data.LoadFromEnumerable(rows);
        ITransformer Train(int trees) => ml.Transforms.Concatenate("Features", "Distance", "Time")
            .Append(ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options { NumberOfTrees = trees, NumberOfLeaves = 20, NumberOfThreads = 1 }))
            .Fit(data);

        var options = new MlOpsOptions();
        options.Store.Path = Path.Combine(scratch, "serving");
        options.Tracking.CaptureGit = false;
        var client = new MlOpsClient(options);
        await client.Models.RegisterAsync("flight-delays", Train(100), data.Schema);
        await client.Models.RegisterAsync("flight-delays", Train(99), data.Schema);
        await client.Models.SetAliasAsync("flight-delays", "champion", 1);
        var inputs = rows.Take(4096).ToArray();

        await LoggingOverheadAsync(client, inputs, quick);
        await HotSwapAsync(client, inputs, quick);
    }

    private static async Task LoggingOverheadAsync(MlOpsClient client, ModelBenchmark.FlightRow[] inputs, bool quick)
    {
        var logging = new PredictorOptions { PollInterval = TimeSpan.FromHours(1) };
        logging.PredictionLog.Enabled = true;
        logging.PredictionLog.FlushInterval = TimeSpan.FromMilliseconds(200);
        await using var plain = await ServedPredictor.StartAsync<ModelBenchmark.FlightRow, ModelBenchmark.Delay>(client, "plain", "models:/flight-delays@champion", new PredictorOptions { PollInterval = TimeSpan.FromHours(1) });
        await using var logged = await ServedPredictor.StartAsync<ModelBenchmark.FlightRow, ModelBenchmark.Delay>(client, "logged", "models:/flight-delays@champion", logging);
        var count = quick ? 100_000 : 300_000;

        double Run(IPredictor<ModelBenchmark.FlightRow, ModelBenchmark.Delay> predictor, int n)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                predictor.Predict(inputs[i & 4095]);
            }

            return n / watch.Elapsed.TotalSeconds;
        }

        long issued = 0;
        async Task DrainAsync()
        {
            // The writer serializes and writes on the other core; let it finish before a round without logging.
            while (logged.LogWritten + logged.LogDropped < issued)
            {
                await Task.Delay(20);
            }
        }

        // Warm up long enough for tiered compilation to finish on both paths (and for the log writer's own code):
        // ML.NET's prediction code runs several times slower until then, and JIT work elsewhere delays it.
        for (var warm = 0; warm < 3; warm++)
        {
            Run(plain, 200_000);
            Run(logged, 50_000);
            issued += 50_000;
            await DrainAsync();
            await Task.Delay(300);
        }

        Run(logged, 20_000);
        issued += 20_000;
        await DrainAsync();
        var ratios = new List<double>();
        var withLog = new List<double>();
        var without = new List<double>();
        for (var round = 0; round < (quick ? 5 : 9); round++)
        {
            var b = Run(plain, count / 5);
            var a = Run(logged, count / 5); // the writer works on the other core meanwhile: that is its cost
            issued += count / 5;
            await DrainAsync();
            withLog.Add(a);
            without.Add(b);
            ratios.Add(a / b);
        }

        Report.Bench("serve_predict_per_s", Median(without), "predictions/s");
        Report.Bench("serve_predict_logged_per_s", Median(withLog), "predictions/s");
        Report.Bench("serve_log_dropped", logged.LogDropped, "predictions");
        Report.Ratio("serve_logging_overhead", Median(ratios));
    }

    private static async Task HotSwapAsync(MlOpsClient client, ModelBenchmark.FlightRow[] inputs, bool quick)
    {
        await using var predictor = await ServedPredictor.StartAsync<ModelBenchmark.FlightRow, ModelBenchmark.Delay>(client, "swapping", "models:/flight-delays@champion", new PredictorOptions { PollInterval = TimeSpan.FromHours(1) });
        var latencies = new List<(long At, long Ticks)>(4_000_000);
        using var stop = new CancellationTokenSource();
        var gate = new object();
        var worker = new Thread(() =>
        {
            var local = new List<(long, long)>(1_000_000);
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                predictor.Predict(inputs[i++ & 4095]);
                local.Add((started, Stopwatch.GetTimestamp() - started));
            }

            lock (gate)
            {
                latencies.AddRange(local);
            }
        });
        worker.Start();
        await Task.Delay(1000); // warm
        var swaps = new List<long>();
        var steady = new List<(long From, long To)>();
        for (var swap = 0; swap < (quick ? 3 : 6); swap++)
        {
            var quietFrom = Stopwatch.GetTimestamp();
            await Task.Delay(1000);
            steady.Add((quietFrom, Stopwatch.GetTimestamp()));
            swaps.Add(Stopwatch.GetTimestamp());
            await client.Models.SetAliasAsync("flight-delays", "champion", swap % 2 == 0 ? 2 : 1);
            await predictor.ReloadAsync();
            await Task.Delay(600);
        }

        await stop.CancelAsync();
        worker.Join();
        var second = Stopwatch.Frequency;
        double P99(IEnumerable<long> ticks)
        {
            var sorted = ticks.Order().ToArray();
            return sorted[(int)(sorted.Length * 0.99)] * 1000.0 / Stopwatch.Frequency;
        }

        var steadyP99 = steady.Select(w => P99(latencies.Where(l => l.At >= w.From && l.At < w.To).Select(l => l.Ticks))).ToList();
        var swapP99 = swaps.Select(s => P99(latencies.Where(l => l.At >= s - (second / 2) && l.At < s + (second / 2)).Select(l => l.Ticks))).ToList();
        Report.Bench("serve_steady_p99_ms", Median(steadyP99), "ms");
        Report.Bench("serve_swap_p99_ms", Median(swapP99), "ms");
        Report.Ratio("hot_swap_p99", Median(swapP99) / Median(steadyP99));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
