using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using MlOps.Sdk.Pipelines;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Benchmarks;

/// <summary>
/// A fully cached rerun of a pipeline against its cold run, on the 200k-row flights data (file-system store): clean ->
/// featurize -> train (FastTree, 100 trees) -> evaluate. The cold run runs every step; the rerun resolves the dataset,
/// finds every step's key in the cache, and records a run per step without running any.
/// </summary>
internal static class PipelineBenchmark
{
    public static async Task RunAsync(string scratch, bool quick)
    {
        var rows = ModelBenchmark.LoadFlights(200_000);
        var options = new MlOpsOptions();
        options.Store.Path = Path.Combine(scratch, "pipeline");
        options.Tracking.CaptureGit = false;
        var client = new MlOpsClient(options);
        var ml = new MLContext(seed: 1);
        await client.Datasets.RegisterDataViewAsync("flights", ml.Data.LoadFromEnumerable(rows), ml);

        var pipeline = Pipeline.Create<FlightsOptions>("flights", p =>
        {
            var flights = p.Dataset("flights", o => o.Data);
            var clean = p.Step("clean", [flights], ctx => ctx.ML.Data.FilterRowsByColumn(ctx.Get(flights), "Distance", lowerBound: 1));
            var features = p.Step("featurize", [clean], ctx =>
            {
                var data = ctx.Get(clean);
                return ctx.ML.Transforms.Concatenate("Features", "Distance", "Time").Append(ctx.ML.Transforms.NormalizeMinMax("Features")).Fit(data).Transform(data);
            });
            var model = p.Step("train", [features], o => new { o.Trees }, ctx => (ITransformer)ctx.ML.BinaryClassification.Trainers
                .FastTree(new FastTreeBinaryTrainer.Options { NumberOfTrees = ctx.Parameters.Trees, NumberOfLeaves = 20, NumberOfThreads = 1 })
                .Fit(ctx.Get(features)));
            p.Step("evaluate", [model, features], ctx =>
            {
                var metrics = ctx.ML.BinaryClassification.EvaluateNonCalibrated(ctx.Get(model).Transform(ctx.Get(features)));
                return new Dictionary<string, double> { ["auc"] = metrics.AreaUnderRocCurve };
            });
        });

        // Warm-up on another parameter value (the JIT, ML.NET's first use), then the measured cold run.
        await client.Pipelines.RunAsync(pipeline, new FlightsOptions { Trees = 5 });
        var cold = Stopwatch.StartNew();
        var first = await client.Pipelines.RunAsync(pipeline, new FlightsOptions(), new PipelineRunOptions { Seed = 2 });
        cold.Stop();
        if (first.Steps.Count(s => s.Status == StepStatus.Ran) != 4)
        {
            throw new InvalidOperationException($"The cold run reused steps: {first}");
        }

        var reruns = new List<TimeSpan>();
        for (var i = 0; i < (quick ? 3 : 7); i++)
        {
            var watch = Stopwatch.StartNew();
            var again = await client.Pipelines.RunAsync(pipeline, new FlightsOptions(), new PipelineRunOptions { Seed = 2 });
            reruns.Add(watch.Elapsed);
            if (again.Steps.Any(s => s.Status == StepStatus.Ran))
            {
                throw new InvalidOperationException($"The rerun ran steps: {again}");
            }
        }

        var cached = Report.Median(reruns);
        Report.Bench("pipeline_cold_run_ms", cold.Elapsed.TotalMilliseconds, "ms");
        Report.Bench("pipeline_cached_rerun_ms", cached.TotalMilliseconds, "ms");
        Report.Ratio("pipeline_cached_rerun", cached / cold.Elapsed);
    }

    private sealed class FlightsOptions
    {
        public string Data { get; set; } = "datasets:/flights@latest";

        public int Trees { get; set; } = 100;
    }
}
