// MlOps.Sdk benchmarks: build/bench.sh [--quick]. Prints BENCH/RATIO lines on stdout, notes on stderr.
using MlOps.Sdk.Benchmarks;
using MlOps.Sdk.Testing;

var quick = args.Contains("--quick");
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
bool Selected(string name) => only is null || name.Contains(only, StringComparison.OrdinalIgnoreCase);

// Under the repository, where a project's .mlops/ store lives, rather than /tmp: on some machines /tmp sits on a
// differently tuned file system (here file creation in /tmp was 40x slower than elsewhere on the same disk).
var scratch = Path.Combine(RepositoryPaths.Root, "artifacts", "bench-scratch", Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(scratch);
Report.Note($"{(quick ? "quick" : "full")} run on {Environment.ProcessorCount} cores, .NET {Environment.Version}, scratch {scratch}");
AzuriteServer? azurite = null;
try
{
    azurite = await AzuriteServer.StartAsync();
    Report.Note($"Azurite listening on {azurite.BlobEndpoint}");

    if (Selected("content"))
    {
        await ContentPutBenchmark.RunAsync(scratch, quick);
    }

    if (Selected("azure"))
    {
        await AzurePutBenchmark.RunAsync(azurite, scratch, quick);
    }

    if (Selected("records"))
    {
        await RecordBenchmark.RunAsync(azurite, scratch, quick);
    }

    await TrackingBenchmark.RunAsync(azurite, scratch, quick, Selected);

    await DatasetBenchmark.RunAsync(scratch, quick, Selected);

    if (Selected("models"))
    {
        await ModelBenchmark.RunAsync(scratch, quick);
    }

    if (Selected("serving"))
    {
        await ServingBenchmark.RunAsync(scratch, quick);
    }

    if (Selected("monitoring"))
    {
        await MonitoringBenchmark.RunAsync(scratch, quick);
    }

    if (Selected("pipeline"))
    {
        await PipelineBenchmark.RunAsync(scratch, quick);
    }

    if (Selected("search-study"))
    {
        await StudyBenchmark.RunAsync(azurite, scratch, quick);
    }

    if (Selected("search-tpe"))
    {
        await SamplerBenchmark.RunAsync(quick);
    }

    return 0;
}
finally
{
    if (azurite is not null)
    {
        await azurite.DisposeAsync();
    }

    Directory.Delete(scratch, recursive: true);
}
