using System.Diagnostics;
using System.Globalization;
using FlightDelays;
using MlOps.Sdk.Pipelines;
using MlOps.Sdk.Testing;
using Parquet;

namespace MlOps.Sdk.Benchmarks;

/// <summary>
/// A fully cached rerun of the sample pipeline (<see cref="FlightDelayPipeline.Create"/>: clean -> train-set, test-set ->
/// train (featurization and LightGBM, 50 iterations) -> evaluate) against its cold run, on the first 200,000 flights of
/// vega-datasets' flights-3m.parquet registered as the CSV dataset <c>flights</c> (file-system store). The cold run
/// runs every step; a rerun resolves <c>datasets:/flights@latest</c>, finds every step's key in the cache, and records
/// a run per step without running any.
/// </summary>
internal static class PipelineBenchmark
{
    private const int Rows = 200_000;

    public static async Task RunAsync(string scratch, bool quick)
    {
        var options = new MlOpsOptions();
        options.Store.Path = Path.Combine(scratch, "pipeline");
        options.Tracking.CaptureGit = false;
        var client = new MlOpsClient(options);
        var data = Path.Combine(scratch, "pipeline-data");
        Directory.CreateDirectory(data);

        // The sample's CSV layout (samples/QuickStart/data/flights-20k.csv): the first 200,000 rows of the 3 million,
        // and, for the warm-up, the next 20,000 as a dataset of their own.
        var watch = Stopwatch.StartNew();
        var flights = await LoadFlightsAsync(Rows + 20_000);
        var file = WriteCsv(Path.Combine(data, "flights-200k.csv"), flights.Take(Rows));
        var warmUpFile = WriteCsv(Path.Combine(data, "flights-warm-up.csv"), flights.Skip(Rows));
        await client.Datasets.RegisterFileAsync("flights", file);
        await client.Datasets.RegisterFileAsync("flights-warm-up", warmUpFile);
        Report.Note($"pipeline: {Rows:N0} flights from flights-3m.parquet written and registered in {watch.Elapsed.TotalSeconds:F1} s");

        var pipeline = FlightDelayPipeline.Create();

        // Warm-up on the small dataset (the JIT, ML.NET's and LightGBM's first use) and its cached rerun, then the
        // measured cold run on the 200k rows, with a seed of its own so that no step's key is in the cache.
        var warmUp = new FlightOptions { Data = "datasets:/flights-warm-up@latest" };
        Check(await client.Pipelines.RunAsync(pipeline, warmUp), StepStatus.Ran, "warm-up run");
        Check(await client.Pipelines.RunAsync(pipeline, warmUp), StepStatus.Reused, "warm-up rerun");

        var run = new PipelineRunOptions { Seed = 2 };
        var cold = Stopwatch.StartNew();
        var first = await client.Pipelines.RunAsync(pipeline, new FlightOptions(), run);
        cold.Stop();
        Check(first, StepStatus.Ran, "cold run");
        var metrics = await first.GetAsync(pipeline.GetOutput<Dictionary<string, double>>(FlightDelayPipeline.Evaluation));
        Report.Note($"pipeline cold run: {string.Join(", ", first.Steps.Skip(1).Select(s => $"{s.Name} {s.Duration.TotalMilliseconds:F0} ms"))}; test AUC {metrics["test.auc"]:F3}");

        var reruns = new List<TimeSpan>();
        for (var i = 0; i < (quick ? 5 : 11); i++)
        {
            watch.Restart();
            var again = await client.Pipelines.RunAsync(pipeline, new FlightOptions(), run);
            reruns.Add(watch.Elapsed);
            Check(again, StepStatus.Reused, "rerun");
        }

        Report.Note($"pipeline cached reruns: {string.Join(", ", reruns.Select(r => $"{r.TotalMilliseconds:F1}"))} ms");
        var cached = Report.Median(reruns);
        Report.Bench("pipeline_cold_run_ms", cold.Elapsed.TotalMilliseconds, "ms");
        Report.Bench("pipeline_cached_rerun_ms", cached.TotalMilliseconds, "ms");
        Report.Ratio("pipeline_cached_rerun", cached / cold.Elapsed);
    }

    private static void Check(PipelineResult result, StepStatus expected, string what)
    {
        var steps = result.Steps.Where(s => s.Name != "flights").ToList(); // the dataset comes first, resolved
        if (steps.Count != 5 || steps.Any(s => s.Status != expected))
        {
            throw new InvalidOperationException($"The {what} did not have every step {expected}: {string.Join(", ", steps.Select(s => $"{s.Name} {s.Status}"))}");
        }
    }

    /// <summary>The first flights of flights-3m.parquet (date a timestamp, delay and distance integers, airports strings).</summary>
    private static async Task<List<Flight>> LoadFlightsAsync(int count)
    {
        await using var reader = await ParquetReader.CreateAsync(Path.Combine(RepositoryPaths.VegaData, "flights-3m.parquet"));
        var fields = reader.Schema.GetDataFields().ToDictionary(f => f.Name);
        var flights = new List<Flight>(count);
        for (var group = 0; group < reader.RowGroupCount && flights.Count < count; group++)
        {
            using var rows = reader.OpenRowGroupReader(group);
            var n = checked((int)rows.RowCount);
            var dates = new DateTime?[n];
            var delays = new long?[n];
            var distances = new long?[n];
            var origins = new string?[n];
            var destinations = new string?[n];
            await rows.ReadAsync(fields["date"], dates.AsMemory());
            await rows.ReadAsync(fields["delay"], delays.AsMemory());
            await rows.ReadAsync(fields["distance"], distances.AsMemory());
            await rows.ReadAsync(fields["origin"], origins.AsMemory());
            await rows.ReadAsync(fields["destination"], destinations.AsMemory());
            for (var i = 0; i < n && flights.Count < count; i++)
            {
                flights.Add(new Flight
                {
                    // A timestamp without a time zone: Parquet.Net gives the wall-clock time whatever the machine's zone.
                    Date = dates[i]!.Value.ToString("yyyy/MM/dd HH:mm", CultureInfo.InvariantCulture),
                    Delay = delays[i]!.Value,
                    Distance = distances[i]!.Value,
                    Origin = origins[i]!,
                    Destination = destinations[i]!,
                });
            }
        }

        return flights.Count == count ? flights : throw new InvalidOperationException($"flights-3m.parquet has only {flights.Count} rows");
    }

    private static string WriteCsv(string path, IEnumerable<Flight> flights)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine("date,delay,distance,origin,destination");
        foreach (var f in flights)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{f.Date},{f.Delay},{f.Distance},{f.Origin},{f.Destination}"));
        }

        return path;
    }
}
