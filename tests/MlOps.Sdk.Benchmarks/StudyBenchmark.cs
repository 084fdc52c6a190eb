using System.Diagnostics;
using MlOps.Sdk.Search;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Benchmarks;

/// <summary>
/// What the study machinery costs per trial with a trivial objective (two suggested floats, their sum), on the
/// file-system store and on Azurite: each trial's record created and ended, its run started and ended, the trials
/// re-listed before each ask. The baseline is the same number of plain child runs (start, log two parameters and a
/// metric, complete) on the same store, measured in the same run.
/// </summary>
internal static class StudyBenchmark
{
    public static async Task RunAsync(AzuriteServer? azurite, string scratch, bool quick)
    {
        var trials = quick ? 100 : 400;
        var fs = new FileSystemObjectStore(Path.Combine(scratch, "study"));
        var client = new MlOpsClient(fs, Options());

        // Warm-up: the JIT (tiered compilation takes a few seconds of work to optimize TPE's loops), the store's folders.
        await MeasureStudyAsync(client, "warm-up", quick ? 150 : 300, parallelism: 1);
        await MeasurePlainRunsAsync(client, "warm-up-plain", 100);

        // Interleaved, so that a slow spell of the shared disk hits both.
        var studies = new double[3];
        var plains = new double[3];
        for (var i = 0; i < 3; i++)
        {
            studies[i] = await MeasureStudyAsync(client, $"overhead-{i}", trials, parallelism: 1);
            plains[i] = await MeasurePlainRunsAsync(client, $"plain-{i}", trials);
        }

        var study = Median(studies);
        var plain = Median(plains);
        Report.Bench("study_overhead_ms_per_trial", study, "ms");
        Report.Bench("plain_child_run_ms", plain, "ms");
        Report.Ratio("study_trial_vs_plain_child_run", study / plain);

        var parallel = await MeasureStudyAsync(client, "parallel", trials, parallelism: 4);
        Report.Bench("study_overhead_ms_per_trial_parallelism_4", parallel, "ms");

        // A study that already holds many trials: the per-ask listing and TPE over the history.
        var large = quick ? 300 : 1000;
        var grown = await MeasureStudyAsync(client, "large", large, parallelism: 1);
        var atEnd = await MeasureStudyAsync(client, "large", 50, parallelism: 1);
        Report.Note($"a study growing to {large} trials: {grown:0.###} ms per trial on average; the next 50 trials: {atEnd:0.###} ms per trial");
        Report.Bench($"study_overhead_ms_per_trial_at_{large}_trials", atEnd, "ms");

        if (azurite is not null)
        {
            var azure = new AzureBlobObjectStore(azurite.ConnectionString, "study-" + Guid.NewGuid().ToString("N")[..12]);
            var remote = new MlOpsClient(azure, Options());
            await MeasureStudyAsync(remote, "warm-up", 10, parallelism: 1);
            var onAzure = await MeasureStudyAsync(remote, "azure", quick ? 40 : 100, parallelism: 1);
            var plainAzure = await MeasurePlainRunsAsync(remote, "azure-plain", quick ? 40 : 100);
            Report.Bench("study_overhead_ms_per_trial_azurite", onAzure, "ms");
            Report.Ratio("study_trial_vs_plain_child_run_azurite", onAzure / plainAzure);
            await azure.Container.DeleteAsync();
        }
    }

    private static async Task<double> MeasureStudyAsync(MlOpsClient client, string name, int trials, int parallelism)
    {
        var study = await client.Studies.OpenAsync(name, new StudyOptions { Sampler = new TpeSampler(new TpeSamplerOptions { Seed = 1 }) });
        var watch = Stopwatch.StartNew();
        var result = await study.OptimizeAsync(
            (trial, _) => Task.FromResult(trial.SuggestFloat("x", -5, 5) + trial.SuggestFloat("y", -5, 5)),
            new SearchBudget { Trials = trials, Parallelism = parallelism });
        watch.Stop();
        if (result.Complete != trials)
        {
            throw new InvalidOperationException($"{result.Complete} of {trials} trials completed.");
        }

        return watch.Elapsed.TotalMilliseconds / trials;
    }

    private static async Task<double> MeasurePlainRunsAsync(MlOpsClient client, string name, int runs)
    {
        var parent = await client.Runs.StartAsync(name);
        var random = new Random(1);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++)
        {
            await using var run = await parent.StartChildAsync($"run {i}");
            var x = (random.NextDouble() * 10) - 5;
            var y = (random.NextDouble() * 10) - 5;
            run.LogParameter("x", x);
            run.LogParameter("y", y);
            run.LogMetric("value", x + y);
            await run.CompleteAsync();
        }

        watch.Stop();
        await parent.CompleteAsync();
        return watch.Elapsed.TotalMilliseconds / runs;
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        return values[values.Length / 2];
    }

    private static MlOpsOptions Options()
    {
        var options = new MlOpsOptions { Environment = "development" };
        options.ContentCache.Enabled = false;
        options.Tracking.CaptureGit = false;
        return options;
    }
}
