using System.Globalization;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Tracking;

/// <summary>Runs recorded by real OS processes sharing one store: crashes and concurrency.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.Shared))]
public sealed class RunProcessTests(StoreKind kind)
{
    private TestStore _test = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _client = TrackingClients.Create(_test.Store);
    }

    [TearDown]
    public async Task TearDown() => await _test.DisposeAsync();

    [Test]
    public async Task Run_ProcessKilledWithSigkill_IsReportedCrashedAfterTheGracePeriod()
    {
        using var worker = WorkerProcess.Start("track-and-hang", kind, _test.Target!, ("experiment", "crashes"));
        await worker.WaitForLineAsync("RUN ", TimeSpan.FromMinutes(2));
        var runId = worker.Lines.First(l => l.StartsWith("RUN ", StringComparison.Ordinal))[4..];
        Assert.That((await _client.Runs.GetAsync(runId)).Status, Is.EqualTo(RunStatus.Running), "alive while its process runs");

        worker.Kill(); // SIGKILL: no finally, no dispose, no last flush
        var killedAt = DateTime.UtcNow;
        RunInfo info;
        do
        {
            await Task.Delay(250);
            info = await _client.Runs.GetAsync(runId);
        }
        while (info.Status == RunStatus.Running && DateTime.UtcNow - killedAt < TimeSpan.FromSeconds(30));

        Assert.That(info.Status, Is.EqualTo(RunStatus.Crashed), "not Running forever, not Finished");
        Assert.That(DateTime.UtcNow - killedAt, Is.GreaterThan(TimeSpan.FromSeconds(1)), "not before the grace period");
        Assert.That(info.EndTime, Is.Null);
        Assert.That(info.LastHeartbeat, Is.Not.Null);
        Assert.That(info.Metrics["loss"].Count, Is.GreaterThanOrEqualTo(5), "what was flushed before the kill is kept");
        var found = await _client.Runs.SearchAsync(new RunQuery { Filter = "attributes.status = 'Crashed'" }).Select(r => r.Id).ToListAsync();
        Assert.That(found, Does.Contain(runId));

        // A crashed run can be taken up again.
        await using (var resumed = await _client.Runs.ResumeAsync(runId))
        {
            resumed.LogMetric("loss", 0.001, step: 10_000);
        }

        Assert.That((await _client.Runs.GetAsync(runId)).Status, Is.EqualTo(RunStatus.Finished));
    }

    [Test]
    public async Task Runs_LoggedByParallelProcesses_AreAllRecordedAndSearchable()
    {
        const int Processes = 4;
        const int RunsEach = 5;
        var go = Path.Combine(Path.GetTempPath(), $"mlops-go-{Guid.NewGuid():N}");
        var workers = Enumerable.Range(1, Processes)
            .Select(i => WorkerProcess.Start("track-runs", kind, _test.Target!, ("experiment", "parallel"), ("runs", RunsEach), ("id", i), ("go", go)))
            .ToList();
        try
        {
            await WorkerProcess.RunTogetherAsync(workers, go, TimeSpan.FromMinutes(3));
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
            File.Delete(go);
        }

        var runs = await _client.Runs.SearchAsync(new RunQuery { Experiments = { "parallel" }, OrderBy = "metrics.score" }).ToListAsync();

        Assert.That(runs, Has.Count.EqualTo(Processes * RunsEach));
        Assert.That(runs, Has.All.Matches<RunInfo>(r => r.Status == RunStatus.Finished && r.Metrics["loss"].Count == 20));
        Assert.That(runs.Select(r => r.Metrics["score"].Last), Is.Ordered);
        Assert.That(runs.Select(r => r.Parameters["worker"]).Distinct().Count(), Is.EqualTo(Processes));
        Assert.That(runs.Select(r => r.Source.ProcessId).Distinct().Count(), Is.EqualTo(Processes));
        var oneWorker = await _client.Runs.SearchAsync(new RunQuery { Filter = "params.worker = '2' AND params.index >= 3" }).ToListAsync();
        Assert.That(oneWorker.Select(r => r.Name), Is.EquivalentTo(new[] { "2-3", "2-4" }));
    }
}
