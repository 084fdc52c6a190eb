using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Benchmarks;

/// <summary>What tracking costs: metric logging throughput, the overhead on a real training job, and search over 10,000 runs.</summary>
internal static class TrackingBenchmark
{
    /// <summary>Runs the parts whose names (<c>tracking-metrics</c>, <c>tracking-overhead</c>, <c>tracking-search</c>) are selected.</summary>
    public static async Task RunAsync(AzuriteServer? azurite, string scratch, bool quick, Func<string, bool> selected)
    {
        if (selected("tracking-metrics"))
        {
            await LogMetricThroughputAsync(scratch, quick);
        }

        if (selected("tracking-overhead"))
        {
            await TrackingOverheadAsync(scratch, quick);
        }

        if (!selected("tracking-search"))
        {
            return;
        }

        await SearchAsync("fs", new FileSystemObjectStore(Path.Combine(scratch, "search")), quick);
        if (azurite is not null)
        {
            var azure = new AzureBlobObjectStore(azurite.ConnectionString, "search-" + Guid.NewGuid().ToString("N")[..12]);
            await SearchAsync("azure", azure, quick);
            await azure.Container.DeleteAsync();
        }
    }

    /// <summary>Points per second from the first <c>LogMetric</c> until <c>CompleteAsync</c> has stored them all, into a file-system store.</summary>
    private static async Task LogMetricThroughputAsync(string scratch, bool quick)
    {
        var points = quick ? 3_000_000 : 10_000_000;
        var client = new MlOpsClient(new FileSystemObjectStore(Path.Combine(scratch, "metrics")), Options());
        var names = new[] { "loss", "accuracy", "learning_rate" };
        await using var run = await client.Runs.StartAsync("throughput");
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < points; i++)
        {
            run.LogMetric(names[i % 3], i * 0.001, i / 3);
        }

        await run.CompleteAsync();
        watch.Stop();
        var stored = (await client.Runs.GetAsync(run.Id)).Metrics.Values.Sum(m => m.Count);
        if (stored != points)
        {
            throw new InvalidOperationException($"Stored {stored} of {points} points.");
        }

        Report.Bench("log_metric_points_per_s", points / watch.Elapsed.TotalSeconds, "points/s");
    }

    /// <summary>
    /// LightGBM on 100k flights (vega-datasets' flights-200k: delay over 15 minutes from distance and time of day), untracked (fit and evaluate) against tracked (the same, inside a run: trainer and
    /// options, rows, fit time, one metric point per boosting iteration, evaluation metrics), alternating.
    /// </summary>
    private static async Task TrackingOverheadAsync(string scratch, bool quick)
    {
        var ml = new MLContext(seed: 1);
        var flights = LoadFlights(100_000);
        var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(flights), testFraction: 0.2, seed: 1);
        var train = ml.Data.Cache(split.TrainSet);
        var test = ml.Data.Cache(split.TestSet);
        const int Iterations = 100;
        var pipeline = ml.Transforms.CustomMapping<Flight, Features>(Features.From, contractName: null)
            .Append(ml.Transforms.Concatenate("Features", "Distance", "Time"))
            .Append(ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options { NumberOfIterations = Iterations, NumberOfLeaves = 31, NumberOfThreads = 1, Seed = 1, Deterministic = true }));
        var client = new MlOpsClient(new FileSystemObjectStore(Path.Combine(scratch, "overhead")), Options());

        var untracked = new List<TimeSpan>();
        var tracked = new List<TimeSpan>();
        async Task<TimeSpan> UntrackedAsync()
        {
            var watch = Stopwatch.StartNew();
            var plain = pipeline.Fit(train);
            ml.BinaryClassification.Evaluate(plain.Transform(test));
            await Task.CompletedTask;
            return watch.Elapsed;
        }

        async Task<TimeSpan> TrackedAsync()
        {
            var watch = Stopwatch.StartNew();
            await using (var run = await client.Runs.StartAsync("flight-delays"))
            {
                var model = run.Fit(pipeline, train);
                var trees = model.LastTransformer.Model.SubModel.TrainedTreeEnsemble.Trees;
                for (var iteration = 0; iteration < trees.Count; iteration++)
                {
                    run.LogMetric("tree_leaves", trees[iteration].NumberOfLeaves, iteration);
                }

                run.LogMetrics(ml.BinaryClassification.Evaluate(model.Transform(test)), "test.");
            }

            return watch.Elapsed;
        }

        // Warm up both paths (JIT, native LightGBM, the page cache, the store), then alternate which goes first.
        for (var i = 0; i < 2; i++)
        {
            await UntrackedAsync();
            await TrackedAsync();
        }

        for (var i = 0; i < (quick ? 8 : 20); i++)
        {
            if (i % 2 == 0)
            {
                untracked.Add(await UntrackedAsync());
                tracked.Add(await TrackedAsync());
            }
            else
            {
                tracked.Add(await TrackedAsync());
                untracked.Add(await UntrackedAsync());
            }
        }

        // What tracking itself costs, without the training: the same run around an already trained model.
        var model = pipeline.Fit(train);
        var predictions = model.Transform(test);
        var metrics = ml.BinaryClassification.Evaluate(predictions);
        async Task<TimeSpan> TrackingOnlyAsync(MlOpsClient on)
        {
            var samples = new List<TimeSpan>();
            for (var i = 0; i < 20; i++)
            {
                var watch = Stopwatch.StartNew();
                await using (var run = await on.Runs.StartAsync("flight-delays"))
                {
                    run.LogEstimator(pipeline);
                    for (var iteration = 0; iteration < Iterations; iteration++)
                    {
                        run.LogMetric("tree_leaves", 31, iteration);
                    }

                    run.LogMetrics(metrics, "test.");
                }

                samples.Add(watch.Elapsed);
            }

            return Report.Median(samples.Skip(2));
        }

        var trackingOnly = await TrackingOnlyAsync(client);
        if (Directory.Exists("/dev/shm"))
        {
            // The same on tmpfs: the SDK's own cost, without this disk's slow file creation.
            var shm = Path.Combine("/dev/shm", $"mlops-bench-{Guid.NewGuid():N}");
            try
            {
                Report.Bench("tracking_only_run_tmpfs_ms", (await TrackingOnlyAsync(new MlOpsClient(new FileSystemObjectStore(shm), Options()))).TotalMilliseconds, "ms");
            }
            finally
            {
                Directory.Delete(shm, recursive: true);
            }
        }

        // Each pair ran back to back, so its ratio is the least disturbed by the machine's speed drifting; the median of
        // the pairs' ratios is the figure.
        var plainMedian = Report.Median(untracked);
        var trackedMedian = Report.Median(tracked);
        var ratios = tracked.Zip(untracked, (t, u) => t / u).Order().ToList();
        Report.Note($"tracking overhead per pair: {string.Join(" ", ratios.Select(r => r.ToString("F3", CultureInfo.InvariantCulture)))}");
        Report.Bench("lightgbm_100k_untracked", plainMedian.TotalMilliseconds, "ms");
        Report.Bench("lightgbm_100k_tracked", trackedMedian.TotalMilliseconds, "ms");
        Report.Bench("tracking_only_run_ms", trackingOnly.TotalMilliseconds, "ms");
        Report.Ratio("tracking_overhead", (ratios[(ratios.Count - 1) / 2] + ratios[ratios.Count / 2]) / 2);
    }

    /// <summary>A filter and an order over 10,000 finished runs, as the index holds them after compaction.</summary>
    private static async Task SearchAsync(string name, ObjectStore store, bool quick)
    {
        const string Experiment = "search-bench";
        var options = Options();
        var records = new RecordStore(store, new ConflictRetry(new ConflictRetryOptions(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
        await records.CreateAsync(TrackingKeys.Experiment(Experiment), new ExperimentRecord { Name = Experiment, CreatedBy = "bench", CreatedAt = DateTimeOffset.UtcNow }, TrackingJsonContext.Default.ExperimentRecord, CancellationToken.None);
        await store.WriteAsync(TrackingKeys.IndexSnapshot(Experiment), RunSnapshot.Serialize(GenerateRuns(Experiment, 10_000).Select(r => IndexedRun.FromRecord(r)).ToList()));
        var query = new RunQuery
        {
            Filter = "params.trainer = 'LightGbm' AND metrics.auc > 0.7 AND (tags.team = 'forecasting' OR params.leaves >= 64)",
            OrderBy = "metrics.auc DESC",
            MaxResults = 100,
        };

        for (var i = 0; i < 3; i++)
        {
            var w = Stopwatch.StartNew();
            var raw = await store.ReadAsync(TrackingKeys.IndexSnapshot(Experiment));
            var readMs = w.ElapsedMilliseconds;
            var parsed = RunSnapshot.Parse("x", raw!.Content);
            var parseMs = w.ElapsedMilliseconds - readMs;
            w.Restart();
            var filter = RunFilter.Parse(query.Filter);
            var ordering = RunOrdering.Parse(query.OrderBy);
            var matching = parsed.Where(filter.Matches).ToList();
            var filterMs = w.Elapsed.TotalMilliseconds;
            matching.Sort(ordering.Compare);
            var sortMs = w.Elapsed.TotalMilliseconds - filterMs;
            w.Restart();
            var infos = matching.Take(100).Select(r => r.ToInfo()).Count();
            Report.Note($"{name}: snapshot {raw.Content.ToMemory().Length / 1e6:F1} MB read {readMs} ms, parse {parseMs} ms ({parsed.Length} runs), filter {filterMs:F1} ms ({matching.Count}), sort {sortMs:F1} ms, materialize {w.Elapsed.TotalMilliseconds:F1} ms");
        }

        // Cold: a new client, which downloads and parses the index; warm: the same client, which revalidates it by ETag.
        var cold = new List<TimeSpan>();
        var warm = new List<TimeSpan>();
        var found = 0;
        for (var i = 0; i < (quick ? 4 : 8); i++)
        {
            var fresh = new MlOpsClient(store, options);
            var (gen0, gen2, pause) = (GC.CollectionCount(0), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            var watch = Stopwatch.StartNew();
            found = await fresh.Runs.SearchAsync(query).CountAsync();
            cold.Add(watch.Elapsed);
            Report.Note($"{name}: cold search {watch.Elapsed.TotalMilliseconds:F0} ms, {GC.CollectionCount(0) - gen0} GCs ({GC.CollectionCount(2) - gen2} full), {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F0} ms paused, heap {GC.GetTotalMemory(false) / 1e6:F0} MB");
            watch.Restart();
            found = await fresh.Runs.SearchAsync(query).CountAsync();
            warm.Add(watch.Elapsed);
        }

        if (found != 100)
        {
            throw new InvalidOperationException($"The search found {found} runs, not 100.");
        }

        Report.Bench($"search_runs_10k_{name}_ms", Report.Median(cold.Skip(1)).TotalMilliseconds, "ms");
        Report.Bench($"search_runs_10k_{name}_warm_ms", Report.Median(warm.Skip(1)).TotalMilliseconds, "ms");
    }

    private static List<RunRecord> GenerateRuns(string experiment, int count)
    {
        var random = new Random(1);
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        var trainers = new[] { "LightGbm", "FastTree", "Sdca", "LightGbm" };
        var teams = new[] { "forecasting", "research", "ops" };
        return Enumerable.Range(0, count).Select(i =>
        {
            var started = start.AddMinutes(i * 3);
            var auc = 0.5 + (random.NextDouble() * 0.45);
            return new RunRecord
            {
                Id = Guid.CreateVersion7(started).ToString("N"),
                Experiment = experiment,
                Name = $"trial-{i}",
                Status = RunStatus.Finished,
                StartTime = started,
                EndTime = started.AddMinutes(2),
                Revision = 3,
                Source = new RunSourceRecord { User = "bench", Machine = "bench", Environment = "development", GitCommit = "0123456789abcdef0123456789abcdef01234567", ProcessId = 1 },
                Parameters = new Dictionary<string, string>
                {
                    ["trainer"] = trainers[i % trainers.Length],
                    ["lr"] = (random.NextDouble() * 0.3).ToString("R", CultureInfo.InvariantCulture),
                    ["leaves"] = (8 << random.Next(0, 5)).ToString(CultureInfo.InvariantCulture),
                    ["seed"] = i.ToString(CultureInfo.InvariantCulture),
                },
                Tags = new Dictionary<string, string> { ["team"] = teams[i % teams.Length] },
                Metrics = new Dictionary<string, MetricSummaryRecord>
                {
                    ["auc"] = new() { Last = auc, LastStep = 99, LastTimestamp = started.AddMinutes(2), Min = auc - 0.1, Max = auc, Count = 100 },
                    ["loss"] = new() { Last = 1 - auc, LastStep = 99, LastTimestamp = started.AddMinutes(2), Min = 1 - auc, Max = 1, Count = 100 },
                },
            };
        }).ToList();
    }

    private static MlOpsOptions Options()
    {
        var options = new MlOpsOptions { Environment = "development" };
        options.ContentCache.Enabled = false;
        return options;
    }

    private static List<Flight> LoadFlights(int count)
    {
        using var file = File.OpenRead(Path.Combine(RepositoryPaths.VegaData, "flights-200k.json"));
        using var document = JsonDocument.Parse(file);
        return document.RootElement.EnumerateArray().Take(count).Select(e => new Flight
        {
            Delay = e.GetProperty("delay").GetSingle(),
            Distance = e.GetProperty("distance").GetSingle(),
            Time = e.GetProperty("time").GetSingle(),
        }).ToList();
    }

    /// <summary>A row of vega-datasets' flights-200k: departure delay (minutes), distance (miles), time of day (hours).</summary>
    public sealed class Flight
    {
        public float Delay { get; set; }

        public float Distance { get; set; }

        public float Time { get; set; }
    }

    public sealed class Features
    {
        public bool Label { get; set; }

        public static void From(Flight flight, Features features) => features.Label = flight.Delay > 15;
    }
}
