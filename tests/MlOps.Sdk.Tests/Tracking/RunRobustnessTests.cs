using MlOps.Sdk.Storage;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Tracking;

/// <summary>
/// Runs under outages, races and odd endings: regressions for what a review of the tracking feature found, each of
/// which failed before its fix.
/// </summary>
public sealed class RunRobustnessTests
{
    [Test]
    public async Task BackgroundWriter_ContinuousLoggingToASlowStore_KeepsTheHeartbeatAndSummaries()
    {
        // Regression: a flush took batches until the buffer was empty, so with steady logging and slow writes it never
        // returned, the heartbeat went stale and a live run was reported Crashed, with no metric summary stored.
        var store = new FaultInjectingObjectStore(new InMemoryObjectStore()) { WriteDelay = TimeSpan.FromMilliseconds(30) };
        var client = TrackingClients.Create(store);
        await using var run = await client.Runs.StartAsync("steady");
        var until = DateTime.UtcNow.AddSeconds(4);
        for (var i = 0; DateTime.UtcNow < until; i++)
        {
            run.LogMetric("loss", i, i);
            await Task.Delay(2);
        }

        var info = await client.Runs.GetAsync(run.Id);
        var heartbeat = await store.GetPropertiesAsync($"heartbeats/{run.Id}");
        Assert.That(info.Status, Is.EqualTo(RunStatus.Running));
        Assert.That(await store.GetCurrentTimeAsync() - heartbeat!.LastModified, Is.LessThan(TimeSpan.FromSeconds(2)));
        Assert.That(info.Metrics["loss"].Count, Is.GreaterThan(0), "summaries are stored while logging goes on");
    }

    [Test]
    public async Task BackgroundWriter_UnexpectedFailure_KeepsRunningAndReportsItAtTheEnd()
    {
        // Regression: a failure other than an outage (here: conflicts that never end) killed the writer silently; no more
        // heartbeats or flushes, and the live run was reported Crashed.
        var store = new FaultInjectingObjectStore(new InMemoryObjectStore());
        var client = TrackingClients.Create(store, options => options.ConflictRetry.MaxRetryAttempts = 1);
        var run = await client.Runs.StartAsync("conflicts");
        store.FailWrite = key => key.EndsWith("run.json", StringComparison.Ordinal) ? new PreconditionFailedException(key, WriteCondition.IfNotExists) : null;
        run.LogMetric("x", 1);
        await Task.Delay(1000);
        store.FailWrite = null;
        run.LogMetric("x", 2);
        await Task.Delay(1000);

        var info = await client.Runs.GetAsync(run.Id);
        Assert.That(info.Status, Is.EqualTo(RunStatus.Running), "heartbeats went on");
        Assert.ThrowsAsync<PreconditionFailedException>(() => run.CompleteAsync(), "the failure is reported, not swallowed");
        await run.CompleteAsync();
        Assert.That((await client.Runs.GetAsync(run.Id)).Metrics["x"].Count, Is.EqualTo(2));
    }

    [Test]
    public async Task CompleteAsync_StoreDown_LeavesTheRunUsableAndLoggingDoesNotHang()
    {
        // Regression: a failed end stopped the writer for good; once the buffer filled, LogMetric waited forever.
        var store = new FaultInjectingObjectStore(new InMemoryObjectStore());
        var client = TrackingClients.Create(store, t => t.MetricBufferCapacity = 1000);
        var run = await client.Runs.StartAsync("outage");
        store.FailWrite = key => key.EndsWith("run.json", StringComparison.Ordinal) ? new ObjectStoreException(key, "down") : null;
        run.LogMetric("x", 0);
        Assert.ThrowsAsync<ObjectStoreException>(() => run.CompleteAsync());
        store.FailWrite = null;

        var logging = Task.Run(() =>
        {
            for (var i = 1; i < 3000; i++)
            {
                run.LogMetric("x", i, i);
            }
        });
        Assert.That(await Task.WhenAny(logging, Task.Delay(TimeSpan.FromSeconds(10))), Is.SameAs(logging), "logging went on");
        await run.CompleteAsync();

        var info = await client.Runs.GetAsync(run.Id);
        Assert.That(info.Status, Is.EqualTo(RunStatus.Finished));
        Assert.That(info.Metrics["x"].Count, Is.EqualTo(3000), "nothing logged before or after the failed end was lost");
    }

    [Test]
    public async Task Ends_ConcurrentCompleteAndFail_EndTheRunOnce()
    {
        // Regression: both ends were written, the second overwriting the first.
        var store = new FaultInjectingObjectStore(new InMemoryObjectStore()) { WriteDelay = TimeSpan.FromMilliseconds(5) };
        var client = TrackingClients.Create(store);
        var run = await client.Runs.StartAsync("race");

        await Task.WhenAll(run.CompleteAsync(), run.FailAsync(new InvalidOperationException("x")), run.KillAsync());

        var info = await client.Runs.GetAsync(run.Id);
        Assert.That(info.Status, Is.EqualTo(RunStatus.Finished), "the first end wins");
        Assert.That(run.Status, Is.EqualTo(RunStatus.Finished));
        Assert.That(info.Failure, Is.Null);
    }

    [Test]
    public async Task Logging_WhileTheRunEnds_IsRefusedNotLost()
    {
        var store = new FaultInjectingObjectStore(new InMemoryObjectStore()) { WriteDelay = TimeSpan.FromMilliseconds(20) };
        var client = TrackingClients.Create(store);
        var run = await client.Runs.StartAsync("ending");
        var accepted = 0;
        var refused = 0;
        var logging = Task.Run(() =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                try
                {
                    run.LogMetric("x", i, i);
                    accepted++;
                }
                catch (RunNotActiveException)
                {
                    refused++;
                    return;
                }
            }
        });
        await Task.Delay(50);
        await run.CompleteAsync();
        await logging;

        var info = await client.Runs.GetAsync(run.Id);
        Assert.That(info.Metrics["x"].Count, Is.EqualTo(accepted), "every point accepted is stored; the rest were refused");
    }

    [Test]
    public async Task Flush_StoreAnswerLost_AppliesTheChangeOnce()
    {
        // Regression: when the record had been written but the caller saw a failure, the change was queued again and
        // its metric summaries counted twice.
        var lose = 1;
        var inner = new InMemoryObjectStore();
        var lossy = new AnswerLosingStore(inner, () => Interlocked.Exchange(ref lose, 0) == 1);
        var client = TrackingClients.Create(lossy, t => t.FlushInterval = TimeSpan.FromMinutes(1));
        var run = await client.Runs.StartAsync("lost-answer");
        lossy.LoseAnswerFor = $"runs/{run.Id}/run.json";
        run.LogMetric("y", 1);

        Assert.ThrowsAsync<ObjectStoreException>(() => run.FlushAsync(), "the write landed, but its answer was lost");
        await run.CompleteAsync();

        var info = await TrackingClients.Create(inner).Runs.GetAsync(run.Id);
        Assert.That(info.Metrics["y"].Count, Is.EqualTo(1), "applied once although written twice");
        Assert.That(lose, Is.Zero, "the answer was really lost once");
    }

    [Test]
    public async Task Run_EndedByAnotherProcess_RefusesFurtherLoggingInsteadOfHanging()
    {
        var store = new InMemoryObjectStore();
        var client = TrackingClients.Create(store, t => t.MetricBufferCapacity = 1000);
        var stale = await client.Runs.StartAsync("handover");
        await using (var other = await TrackingClients.Create(store).Runs.ResumeAsync(stale.Id))
        {
            other.LogMetric("by_other", 1);
        }

        stale.LogMetric("late", 1);
        var ex = Assert.ThrowsAsync<RunNotActiveException>(() => stale.CompleteAsync());
        Assert.Throws<RunNotActiveException>(() => stale.LogMetric("later", 2));

        Assert.That(ex!.Status, Is.EqualTo(RunStatus.Finished));
        Assert.That(stale.Status, Is.EqualTo(RunStatus.Finished));
        Assert.That((await client.Runs.GetAsync(stale.Id)).Metrics.Keys, Does.Contain("by_other"));
    }

    [Test]
    public async Task DisposeAsync_SdkCallsThatCatchTheirOwnExceptions_DoNotFailTheRun()
    {
        // Regression: an SDK call that threw and caught internally (a missing file) as the block's last statement made
        // the run Failed.
        var folder = Directory.CreateTempSubdirectory("mlops-scope-").FullName;
        try
        {
            var client = TrackingClients.Create(new FileSystemObjectStore(folder));
            string id;
            await using (var run = await client.Runs.StartAsync("quiet"))
            {
                id = run.Id;
                await client.Experiments.CreateAsync("another");
                await client.Store.ReadAsync("missing/key.json");
                await client.Content.ExistsAsync(ContentHash.Compute("nothing"u8));
            }

            Assert.That((await client.Runs.GetAsync(id)).Status, Is.EqualTo(RunStatus.Finished));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task DisposeAsync_ChildEndedWithoutDisposeOrFailedToStart_ParentStillSeesItsException()
    {
        // Regression: the child's mark stayed on the flow, so the parent's exception was noted on the ended child.
        var client = TrackingClients.Create(new InMemoryObjectStore());
        string? parentId = null;
        Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var parent = await client.Runs.StartAsync("nested");
            parentId = parent.Id;
            var child = await parent.StartChildAsync("completed");
            await child.CompleteAsync();
            Assert.ThrowsAsync<ArgumentException>(() => parent.StartChildAsync("bad", new StartRunOptions { Tags = { ["bad name!"] = "x" } }));
            throw new InvalidOperationException("the parent's own failure");
        });

        Assert.That((await client.Runs.GetAsync(parentId!)).Status, Is.EqualTo(RunStatus.Failed));
    }

    [TestCase("index/runs/")]
    [TestCase("runs/")]
    [TestCase("heartbeats/")]
    public async Task StartAsync_AWriteFails_LeavesNothingBehind(string failingPrefix)
    {
        // The summary and the record are written at the same time; whichever fails, the start leaves no trace.
        var store = new FaultInjectingObjectStore(new InMemoryObjectStore());
        var client = TrackingClients.Create(store);
        await client.Experiments.CreateAsync("outage");
        store.FailWrite = key => key.StartsWith(failingPrefix, StringComparison.Ordinal) ? new ObjectStoreException(key, "injected outage") : null;

        Assert.ThrowsAsync<ObjectStoreException>(() => client.Runs.StartAsync("outage"));
        store.FailWrite = null;

        Assert.That(await store.ListAsync("runs/").CountAsync(), Is.Zero, "no run record");
        Assert.That(await store.ListAsync("heartbeats/").CountAsync(), Is.Zero, "no heartbeat");
        Assert.That(await store.ListAsync("index/").CountAsync(), Is.Zero, "no index summary");
        Assert.That(await client.Runs.SearchAsync().CountAsync(), Is.Zero);
    }

    [Test]
    public async Task StartAsync_SummaryFailsAndSoDoesTheCleanup_LeavesNoRecordThatSearchesMiss()
    {
        // In an outage the cleanup fails too; what is left must never be a run record without its index summary (a run
        // that GetAsync shows and no search finds). The record is written only once the summary is stored.
        var store = new FaultInjectingObjectStore(new InMemoryObjectStore());
        var client = TrackingClients.Create(store);
        await client.Experiments.CreateAsync("outage");
        store.FailWrite = key => key.StartsWith("index/", StringComparison.Ordinal) ? new ObjectStoreException(key, "injected outage") : null;
        store.FailDelete = key => new ObjectStoreException(key, "injected outage");

        Assert.ThrowsAsync<ObjectStoreException>(() => client.Runs.StartAsync("outage"));

        Assert.That(await store.ListAsync("runs/").CountAsync(), Is.Zero);
    }

    [Test]
    public async Task StartChildAsync_ReusedOptions_AreNotChanged()
    {
        var client = TrackingClients.Create(new InMemoryObjectStore());
        await using var parent = await client.Runs.StartAsync("trials");
        var options = new StartRunOptions();

        await using var first = await parent.StartChildAsync("trial-1", options);
        await using var second = await parent.StartChildAsync("trial-2", options);

        Assert.That((first.Name, second.Name), Is.EqualTo(("trial-1", "trial-2")));
        Assert.That(options.Name, Is.Null);
        Assert.That(options.ParentRunId, Is.Null);
    }

    [Test]
    public async Task RunAsync_EndingFailsWhileTheBodyThrows_TheBodysExceptionIsTheOneSeen()
    {
        var store = new FaultInjectingObjectStore(new InMemoryObjectStore());
        var client = TrackingClients.Create(store);

        var ex = Assert.ThrowsAsync<FormatException>(() => client.Runs.RunAsync("outage", (run, _) =>
        {
            store.FailWrite = key => key.EndsWith("run.json", StringComparison.Ordinal) ? new ObjectStoreException(key, "down") : null;
            throw new FormatException("bad input row");
        }));

        Assert.That(ex!.Message, Is.EqualTo("bad input row"));
    }

    [Test]
    public async Task SearchAndGet_ReadOnlyStore_ReportCrashedRunsWithoutWriting()
    {
        var inner = new InMemoryObjectStore();
        var writer = TrackingClients.Create(inner);
        var run = await writer.Runs.StartAsync("readonly");
        await inner.DeleteAsync($"heartbeats/{run.Id}"); // as if its process died long ago
        var readOnly = new FaultInjectingObjectStore(inner) { FailWrite = key => new ObjectStoreException(key, "403 AuthorizationPermissionMismatch") };
        var reader = TrackingClients.Create(readOnly, t => t.IndexCompactionThreshold = 1);

        var info = await reader.Runs.GetAsync(run.Id);
        var found = await reader.Runs.SearchAsync(new RunQuery { Filter = "attributes.status = 'Crashed'" }).ToListAsync();

        Assert.That(info.Status, Is.EqualTo(RunStatus.Crashed));
        Assert.That(found.Single().Id, Is.EqualTo(run.Id));
    }

    /// <summary>Lets one write of a key land, then reports it as failed, as a timed-out request whose write went through.</summary>
    private sealed class AnswerLosingStore(ObjectStore inner, Func<bool> loseNow) : ObjectStore
    {
        public string? LoseAnswerFor { get; set; }

        public override Uri Location => inner.Location;

        public override bool IsRemote => false;

        protected override Task<DateTimeOffset> GetCurrentTimeCoreAsync(CancellationToken cancellationToken) => inner.GetCurrentTimeAsync(cancellationToken);

        protected override Task<ObjectProperties?> GetPropertiesCoreAsync(string key, CancellationToken cancellationToken) => inner.GetPropertiesAsync(key, cancellationToken);

        protected override Task<StoredObject?> ReadCoreAsync(string key, CancellationToken cancellationToken) => inner.ReadAsync(key, cancellationToken);

        protected override async Task<ObjectProperties> WriteCoreAsync(string key, BinaryData content, WriteCondition condition, CancellationToken cancellationToken)
        {
            var written = await inner.WriteAsync(key, content, condition, cancellationToken);
            if (key == LoseAnswerFor && content.ToString().Contains("\"y\"", StringComparison.Ordinal) && loseNow())
            {
                throw new ObjectStoreException(key, "the answer was lost on the way back");
            }

            return written;
        }

        protected override Task<ObjectProperties> UploadCoreAsync(string key, Stream content, WriteCondition condition, CancellationToken cancellationToken) => inner.UploadAsync(key, content, condition, cancellationToken);

        protected override Task<Stream> OpenReadCoreAsync(string key, CancellationToken cancellationToken) => inner.OpenReadAsync(key, cancellationToken);

        protected override Task<ObjectProperties> DownloadToCoreAsync(string key, Stream destination, CancellationToken cancellationToken) => inner.DownloadToAsync(key, destination, cancellationToken);

        protected override Task<ObjectPage> ListPageCoreAsync(string prefix, string? continuationToken, int pageSize, CancellationToken cancellationToken) => inner.ListPageAsync(prefix, continuationToken, pageSize, cancellationToken);

        protected override Task<bool> DeleteCoreAsync(string key, Azure.ETag? ifMatch, CancellationToken cancellationToken) => inner.DeleteAsync(key, ifMatch, cancellationToken);
    }
}
