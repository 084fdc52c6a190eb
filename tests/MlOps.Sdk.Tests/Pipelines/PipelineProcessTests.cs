using Microsoft.ML;
using MlOps.Sdk.Pipelines;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Pipelines;

/// <summary>The same pipeline run by two OS processes at once on one store: both finish, the cache stays whole.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.Shared))]
public sealed class PipelineProcessTests(StoreKind kind)
{
    private TestStore _test = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _client = TrackingClients.Create(_test.Store);
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 200).Select(i => new PipelineCachingTests.Point { X = i % 40, Y = (3 * (i % 40)) + 2 }).ToList();
        await _client.Datasets.RegisterDataViewAsync("points", ml.Data.LoadFromEnumerable(rows), ml);
    }

    [TearDown]
    public async Task TearDown() => await _test.DisposeAsync();

    [Test]
    public async Task TwoProcessesRunningThePipelineAtOnce_BothFinish_AndTheCacheServesAThird()
    {
        var go = Path.Combine(Path.GetTempPath(), $"mlops-go-{Guid.NewGuid():N}");
        var workers = Enumerable.Range(0, 2).Select(_ => WorkerProcess.Start("run-pipeline", kind, _test.Target!, ("go", go))).ToList();
        List<string> lines;
        try
        {
            await WorkerProcess.RunTogetherAsync(workers, go, TimeSpan.FromMinutes(3));
            lines = [.. workers.SelectMany(w => w.Lines)];
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
            File.Delete(go);
        }

        var third = WorkerProcess.Start("run-pipeline", kind, _test.Target!, ("go", go));
        List<string> thirdLines;
        try
        {
            await File.WriteAllTextAsync(go, "go");
            await third.WaitForSuccessAsync(TimeSpan.FromMinutes(2));
            thirdLines = [.. third.Lines];
        }
        finally
        {
            third.Dispose();
            File.Delete(go);
        }

        var keys = lines.Where(l => l.StartsWith("STEP train ", StringComparison.Ordinal)).Select(l => l.Split(' ')[3]).Distinct().ToList();
        var scores = lines.Concat(thirdLines).Where(l => l.StartsWith("SCORE ", StringComparison.Ordinal)).Distinct().ToList();
        var runs = await _client.Runs.SearchAsync(new RunQuery { Experiments = { "shared-pipeline" } }).ToListAsync();
        Assert.That(keys, Has.Count.EqualTo(1), "both processes computed the same key");
        Assert.That(thirdLines.Where(l => l.StartsWith("STEP ", StringComparison.Ordinal) && !l.StartsWith("STEP points", StringComparison.Ordinal)), Has.All.Contains(" Reused "), "the third reuses everything");
        Assert.That(scores, Has.Count.EqualTo(1), "every process got the same model (computed or restored)");
        Assert.That(runs.All(r => r.Status == RunStatus.Finished), Is.True);
        Assert.That(await _test.Store.ListAsync("pipelines/cache/").CountAsync(), Is.EqualTo(2), "one cache record per step");
    }
}
