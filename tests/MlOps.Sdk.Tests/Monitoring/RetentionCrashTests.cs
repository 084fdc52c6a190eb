using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using static MlOps.Sdk.Tests.Monitoring.RetentionTestLogs;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>A compaction killed (a real OS process, SIGKILL) after writing its new files and before or while deleting the old ones.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.Shared))]
public sealed class RetentionCrashTests(StoreKind kind)
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

    [TestCase(0, TestName = "{m}(killed before any delete)")]
    [TestCase(3, TestName = "{m}(killed after 3 of 6 deletes)")]
    public async Task Compact_KilledMidway_NoRowLostNoneDoubled_NextCompactionLeavesOneFile(int deletes)
    {
        var day = Today.AddDays(-3);
        var rows = Rows(day.AddHours(6), 60);
        await WriteInFilesAsync(_client, rows, 10);
        foreach (var row in rows.Take(20))
        {
            await _client.Monitoring.RecordFeedbackAsync(Guid.Parse(row.Id), row.Timestamp.Second % 2 == 0);
        }

        using (var worker = WorkerProcess.Start("compact-and-hang", kind, _test.Target!, ("deletes", deletes)))
        {
            await worker.WaitForLineAsync("HANGING", TimeSpan.FromMinutes(1));
            worker.Kill();
        }

        var keys = await KeysAsync(_test.Store, PredictionPartition("delays", day));
        Assert.That(keys.Count(k => k.Contains("/compacted-", StringComparison.Ordinal)), Is.EqualTo(1), "the new file was written before the kill");
        Assert.That(keys, Has.Count.EqualTo(1 + 6 - deletes), "the old files not yet deleted are still there");

        var read = await _client.Monitoring.ReadPredictionsAsync("delays");
        Assert.That(read.Select(p => p.Id.ToString("N")), Is.EqualTo(rows.Select(r => r.Id)), "no row lost, none doubled");
        Assert.That(read.Count(p => p.HasFeedback), Is.EqualTo(20));

        var again = await _client.Monitoring.CompactAsync();

        keys = await KeysAsync(_test.Store, PredictionPartition("delays", day));
        Assert.That(keys, Has.Count.EqualTo(1));
        var raw = await ReadParquetAsync<PredictionLogRow>(_test.Store, keys[0]);
        Assert.That(raw.Select(r => r.Id), Is.EquivalentTo(rows.Select(r => r.Id)), "one file, each row once");
        Assert.That(again.RowsRead - again.RowsWritten, Is.EqualTo(60L - (10 * deletes)), "the duplicates the crash left (the rows of the old files still there)");
        Assert.That(await KeysAsync(_test.Store, FeedbackPartition(day)), Has.Count.EqualTo(1));
        Assert.That((await _client.Monitoring.ReadPredictionsAsync("delays")).Count(p => p.HasFeedback), Is.EqualTo(20));
    }
}
