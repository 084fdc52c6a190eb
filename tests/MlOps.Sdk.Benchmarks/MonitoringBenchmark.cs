using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Storage;
using Parquet.Serialization;

namespace MlOps.Sdk.Benchmarks;

/// <summary>
/// Monitoring over a day of logged predictions of real flights (vega-datasets' flights-3m), in files of 50,000 rows as
/// served predictors write them: reading them joined with ground truth, against the baseline of decoding the same
/// Parquet files with Parquet.Net alone; recording the ground truth in bulk; live drift against the training profile;
/// live performance by ML.NET's evaluators.
/// </summary>
internal static class MonitoringBenchmark
{
    public static async Task RunAsync(string scratch, bool quick)
    {
        var count = quick ? 200_000 : 1_000_000;
        var rows = ModelBenchmark.LoadFlights(count);
        var options = new MlOpsOptions();
        options.Store.Path = Path.Combine(scratch, "monitoring");
        options.Tracking.CaptureGit = false;
        var client = new MlOpsClient(options);
        var ml = new MLContext(seed: 1);
        await client.Datasets.RegisterDataViewAsync("flights-train", ml.Data.LoadFromEnumerable(rows.Take(50_000)), ml);

        var day = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        var step = TimeSpan.FromTicks(TimeSpan.TicksPerDay / count);
        var logged = new List<PredictionLogRow>(count);
        for (var i = 0; i < rows.Count; i++)
        {
            var at = day + (step * i);
            var probability = 1 / (1 + Math.Exp(-(rows[i].Time - 14) / 3.0));
            logged.Add(new PredictionLogRow
            {
                Id = Guid.CreateVersion7(at).ToString("N"),
                Timestamp = at.UtcDateTime,
                Model = "delays",
                Version = 1,
                Arm = "main",
                Input = string.Create(CultureInfo.InvariantCulture, $"{{\"Distance\":{rows[i].Distance},\"Time\":{rows[i].Time}}}"),
                Output = string.Create(CultureInfo.InvariantCulture, $"{{\"PredictedLabel\":{(probability > 0.5 ? "true" : "false")},\"Score\":{Math.Log(probability / (1 - probability))},\"Probability\":{probability}}}"),
                LatencyMs = 0.05,
            });
        }

        foreach (var chunk in logged.Chunk(50_000))
        {
            await client.Monitoring.WritePredictionsAsync(chunk);
        }

        var watch = Stopwatch.StartNew();
        var feedback = await client.Monitoring.RecordFeedbackAsync(logged.Select((r, i) => new PredictionFeedback<bool>(Guid.ParseExact(r.Id, "N"), rows[i].Label)));
        Report.Bench("monitoring_feedback_record", feedback.Recorded / watch.Elapsed.TotalSeconds, "rows/s");

        // Baseline: the same files decoded by Parquet.Net, nothing else.
        var files = new List<string>();
        await foreach (var file in client.Store.ListAsync("monitoring/predictions/model=delays/"))
        {
            files.Add(file.Key);
        }

        var baseline = TimeSpan.MaxValue;
        var ours = TimeSpan.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            watch.Restart();
            long decoded = 0;
            foreach (var key in files)
            {
                await using var stream = await client.Store.OpenReadAsync(key);
                decoded += (await ParquetSerializer.DeserializeAsync<PredictionLogRow>(stream)).Data.Count;
            }

            baseline = Min(baseline, watch.Elapsed);
            watch.Restart();
            var read = await client.Monitoring.ReadPredictionsAsync("delays");
            ours = Min(ours, watch.Elapsed);
            if (read.Count != count || decoded != count || !read[^1].HasFeedback)
            {
                throw new InvalidOperationException($"read {read.Count}, decoded {decoded}, of {count}");
            }
        }

        Report.Bench("monitoring_read_joined", count / ours.TotalSeconds, "rows/s");
        Report.Ratio("monitoring_read_vs_parquet_decode", ours / baseline);

        watch.Restart();
        var drift = await client.Monitoring.GetDriftAsync("delays", new DriftQuery { Reference = "datasets:/flights-train/1" });
        Report.Bench("monitoring_drift", watch.Elapsed.TotalSeconds, "s");
        watch.Restart();
        var performance = await client.Monitoring.GetPerformanceAsync("delays", new PerformanceQuery { Window = TimeSpan.FromHours(1) });
        Report.Bench("monitoring_performance_hourly", watch.Elapsed.TotalSeconds, "s");
        Report.Note($"monitoring: {count} predictions in {files.Count} files; drifted share {drift.Overall.Features.DriftedShare:F2}; auc {performance.Totals.Single().Metrics["auc"]:F3} over {performance.Windows.Count} windows");
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
