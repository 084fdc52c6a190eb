using System.Diagnostics;
using Azure;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Tracking;

/// <summary>The background metric writer: non-blocking, bounded, flushed on time and on dispose.</summary>
public sealed class MetricWriterTests
{
    [Test]
    public async Task LogMetric_SlowStore_BlocksAtTheCapacityInsteadOfGrowing()
    {
        var slow = new SlowStore(new InMemoryObjectStore(), TimeSpan.FromMilliseconds(300));
        var client = TrackingClients.Create(slow, t => t.MetricBufferCapacity = 1_000);
        string id;
        var watch = Stopwatch.StartNew();
        await using (var run = await client.Runs.StartAsync("pressure"))
        {
            id = run.Id;
            watch.Restart();
            for (var i = 0; i < 5_000; i++)
            {
                run.LogMetric("x", i, i);
                // Logged but not yet in the store: at most the buffer and the batch being written.
                Assert.That(i + 1 - slow.WrittenPoints, Is.LessThanOrEqualTo(2_000));
            }

            watch.Stop();
        }

        var history = await client.Runs.GetMetricHistoryAsync(id, "x");
        TestContext.Out.WriteLine($"{history.Count} points; first differences: {string.Join(", ", history.Select((p, i) => (p, i)).Where(x => x.p.Value != x.i).Take(5).Select(x => $"[{x.i}]={x.p.Value}@{x.p.Step}"))}");
        Assert.That(watch.Elapsed, Is.GreaterThan(TimeSpan.FromMilliseconds(500)), "logging waited for the slow writer");
        Assert.That(history.Select(p => p.Value), Is.EqualTo(Enumerable.Range(0, 5_000).Select(i => (double)i)), "every point, in order");
    }

    [Test]
    public async Task LogMetric_ReturnsAtOnceWhenThereIsRoom()
    {
        var client = TrackingClients.Create(new InMemoryObjectStore());
        await using var run = await client.Runs.StartAsync("fast");

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 200_000; i++)
        {
            run.LogMetric("x", i, i);
        }

        watch.Stop();
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), $"{watch.Elapsed} for 200,000 points");
    }

    [Test]
    public async Task DisposeAsync_FlushesWhatWasLoggedLast()
    {
        var store = new InMemoryObjectStore();
        var client = TrackingClients.Create(store, t => t.FlushInterval = TimeSpan.FromMinutes(1));
        string id;
        await using (var run = await client.Runs.StartAsync("last"))
        {
            id = run.Id;
            run.LogMetric("final", 42);
            run.LogParameter("p", 1);
        }

        var info = await client.Runs.GetAsync(id);
        Assert.That(info.Metrics["final"].Last, Is.EqualTo(42));
        Assert.That(info.Parameters["p"], Is.EqualTo("1"));
    }

    [Test]
    public async Task BackgroundWriter_StoresWithinTheFlushInterval()
    {
        var store = new InMemoryObjectStore();
        var client = TrackingClients.Create(store, t => t.FlushInterval = TimeSpan.FromMilliseconds(200));
        await using var run = await client.Runs.StartAsync("interval");
        run.LogMetric("loss", 0.5);
        run.LogParameter("lr", 0.1);

        var deadline = Stopwatch.StartNew();
        RunInfo info;
        do
        {
            await Task.Delay(50);
            info = await client.Runs.GetAsync(run.Id);
        }
        while (!info.Metrics.ContainsKey("loss") && deadline.Elapsed < TimeSpan.FromSeconds(5));

        Assert.That(info.Metrics["loss"].Last, Is.EqualTo(0.5));
        Assert.That(info.Parameters["lr"], Is.EqualTo("0.1"));
        Assert.That(deadline.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "without an explicit flush");
    }

    [Test]
    public async Task LogMetric_WithKatibOption_WritesNameEqualsValueToStandardOutput()
    {
        var client = TrackingClients.Create(new InMemoryObjectStore(), t => t.WriteMetricsToStandardOutput = true);
        var previous = Console.Out;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            await using var run = await client.Runs.StartAsync("katib");
            run.LogMetric("accuracy", 0.875);
            await run.LogMetricAsync("loss", 0.25, step: 3);
        }
        finally
        {
            Console.SetOut(previous);
        }

        Assert.That(captured.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "accuracy=0.875", "loss=0.25" }));
    }

    /// <summary>A store whose writes of metric segments take a while, counting what waits in the run's buffer.</summary>
    private sealed class SlowStore(ObjectStore inner, TimeSpan delay) : ObjectStore
    {
        private long _written;

        public override Uri Location => inner.Location;

        public long WrittenPoints => Interlocked.Read(ref _written);

        protected override Task<DateTimeOffset> GetCurrentTimeCoreAsync(CancellationToken cancellationToken) => inner.GetCurrentTimeAsync(cancellationToken);

        protected override Task<ObjectProperties?> GetPropertiesCoreAsync(string key, CancellationToken cancellationToken) => inner.GetPropertiesAsync(key, cancellationToken);

        protected override Task<StoredObject?> ReadCoreAsync(string key, CancellationToken cancellationToken) => inner.ReadAsync(key, cancellationToken);

        protected override async Task<ObjectProperties> WriteCoreAsync(string key, BinaryData content, WriteCondition condition, CancellationToken cancellationToken)
        {
            if (key.Contains("/metrics/", StringComparison.Ordinal))
            {
                await Task.Delay(delay, cancellationToken);
                Interlocked.Add(ref _written, content.ToString().Count(c => c == '\n') - 1);
            }

            return await inner.WriteAsync(key, content, condition, cancellationToken);
        }

        protected override Task<ObjectProperties> UploadCoreAsync(string key, Stream content, WriteCondition condition, CancellationToken cancellationToken) => inner.UploadAsync(key, content, condition, cancellationToken);

        protected override Task<Stream> OpenReadCoreAsync(string key, CancellationToken cancellationToken) => inner.OpenReadAsync(key, cancellationToken);

        protected override Task<ObjectProperties> DownloadToCoreAsync(string key, Stream destination, CancellationToken cancellationToken) => inner.DownloadToAsync(key, destination, cancellationToken);

        protected override Task<ObjectPage> ListPageCoreAsync(string prefix, string? continuationToken, int pageSize, CancellationToken cancellationToken) => inner.ListPageAsync(prefix, continuationToken, pageSize, cancellationToken);

        protected override Task<bool> DeleteCoreAsync(string key, ETag? ifMatch, CancellationToken cancellationToken) => inner.DeleteAsync(key, ifMatch, cancellationToken);
    }
}
