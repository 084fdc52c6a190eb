using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using MlOps.Sdk.Models;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Benchmarks;

/// <summary>
/// The model registry's serving path against raw ML.NET on the same FastTree model (flight delays from vega-datasets):
/// single-thread <c>Predict</c> throughput of <see cref="Predictor{TIn, TOut}"/> vs a raw <c>PredictionEngine</c>, two
/// threads vs one, and a warm <c>LoadAsync</c> by alias vs <c>MLContext.Model.Load</c> of the same file.
/// </summary>
internal static class ModelBenchmark
{
    public static async Task RunAsync(string scratch, bool quick)
    {
        var ml = new MLContext(seed: 1);
        var rows = LoadFlights(50_000);
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Concatenate("Features", "Distance", "Time")
            .Append(ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options { NumberOfTrees = 100, NumberOfLeaves = 20, NumberOfThreads = 1 }));
        var model = pipeline.Fit(data);

        var options = new MlOpsOptions();
        options.Store.Path = Path.Combine(scratch, "models");
        options.Tracking.CaptureGit = false;
        var client = new MlOpsClient(options);
        var version = await client.Models.RegisterAsync("flight-delays", model, data.Schema);
        await client.Models.SetAliasAsync("flight-delays", "champion", version.Version);
        var file = Path.Combine(scratch, "flight-delays.zip");
        ml.Model.Save(model, data.Schema, file);

        await PredictAsync(client, file, rows, quick);
        await LoadAsync(client, file, quick);
    }

    private static async Task PredictAsync(MlOpsClient client, string file, List<FlightRow> rows, bool quick)
    {
        var count = quick ? 200_000 : 1_000_000;
        using var predictor = await client.Models.LoadPredictorAsync<FlightRow, Delay>("models:/flight-delays@champion");
        var rawContext = new MLContext();
        var rawModel = rawContext.Model.Load(file, out var schema);
        using var engine = rawContext.Model.CreatePredictionEngine<FlightRow, Delay>(rawModel, schema);
        var inputs = rows.Take(4096).ToArray();

        double Run(Func<FlightRow, Delay> predict, int n)
        {
            var watch = Stopwatch.StartNew();
            var sink = 0f;
            for (var i = 0; i < n; i++)
            {
                sink += predict(inputs[i & 4095]).Score;
            }

            GC.KeepAlive(sink);
            return n / watch.Elapsed.TotalSeconds;
        }

        Run(predictor.Predict, 20_000);
        Run(engine.Predict, 20_000);
        var ours = new List<double>();
        var raw = new List<double>();
        var ratios = new List<double>();
        for (var round = 0; round < (quick ? 5 : 9); round++)
        {
            var a = round % 2 == 0 ? Run(predictor.Predict, count / 5) : 0;
            var b = Run(engine.Predict, count / 5);
            if (round % 2 == 1)
            {
                a = Run(predictor.Predict, count / 5);
            }

            ours.Add(a);
            raw.Add(b);
            ratios.Add(a / b);
        }

        Report.Bench("predictor_predict_per_s", Median(ours), "predictions/s");
        Report.Bench("raw_engine_predict_per_s", Median(raw), "predictions/s");
        Report.Ratio("predictor_vs_raw_engine", Median(ratios));

        // Two threads on the same predictor, each with its own engine, against one.
        double Threads(int threads)
        {
            var each = count / 5;
            var start = new Barrier(threads + 1);
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                var sink = 0f;
                for (var i = 0; i < each; i++)
                {
                    sink += predictor.Predict(inputs[(i + (t * 997)) & 4095]).Score;
                }

                GC.KeepAlive(sink);
            })).ToList();
            workers.ForEach(w => w.Start());
            start.SignalAndWait();
            var watch = Stopwatch.StartNew();
            workers.ForEach(w => w.Join());
            return threads * each / watch.Elapsed.TotalSeconds;
        }

        Threads(2);
        var scaling = new List<double>();
        for (var round = 0; round < (quick ? 3 : 5); round++)
        {
            var one = Threads(1);
            var two = Threads(2);
            scaling.Add(two / one);
        }

        Report.Ratio("predictor_2threads_scaling", Median(scaling));
    }

    private static async Task LoadAsync(MlOpsClient client, string file, bool quick)
    {
        // Warm both: JIT, ML.NET's loaders, the page cache.
        for (var i = 0; i < 3; i++)
        {
            await client.Models.LoadAsync("models:/flight-delays@champion");
            new MLContext().Model.Load(file, out _);
        }

        var ratios = new List<double>();
        var ours = new List<TimeSpan>();
        var raw = new List<TimeSpan>();
        for (var round = 0; round < (quick ? 10 : 30); round++)
        {
            var watch = Stopwatch.StartNew();
            await client.Models.LoadAsync("models:/flight-delays@champion");
            var a = watch.Elapsed;
            watch.Restart();
            new MLContext().Model.Load(file, out _);
            var b = watch.Elapsed;
            ours.Add(a);
            raw.Add(b);
            ratios.Add(a / b);
        }

        Report.Bench("model_load_by_alias_ms", Report.Median(ours).TotalMilliseconds, "ms");
        Report.Bench("model_load_raw_mlnet_ms", Report.Median(raw).TotalMilliseconds, "ms");
        Report.Ratio("load_vs_raw_mlnet_load", Median(ratios));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    internal static List<FlightRow> LoadFlights(int count)
    {
        using var stream = File.OpenRead(Path.Combine(RepositoryPaths.VegaData, "flights-200k.json"));
        using var document = JsonDocument.Parse(stream);
        return document.RootElement.EnumerateArray().Take(count).Select(e => new FlightRow
        {
            Distance = e.GetProperty("distance").GetSingle(),
            Time = e.GetProperty("time").GetSingle(),
            Label = e.GetProperty("delay").GetSingle() > 15,
        }).ToList();
    }

    /// <summary>A flight: distance (miles), time of day (hours), and whether it left more than 15 minutes late.</summary>
    public sealed class FlightRow
    {
        public float Distance { get; set; }

        public float Time { get; set; }

        public bool Label { get; set; }
    }

    public sealed class Delay
    {
        public bool PredictedLabel { get; set; }

        public float Score { get; set; }

        public float Probability { get; set; }
    }
}
