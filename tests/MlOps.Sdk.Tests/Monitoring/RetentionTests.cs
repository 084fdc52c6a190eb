using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using static MlOps.Sdk.Tests.Monitoring.RetentionTestLogs;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>Compaction of closed day partitions and deletion of old ones, on every store.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class RetentionTests(StoreKind kind)
{
    private TestStore _test = null!;
    private FakeTimeProvider _clock = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _client = new MlOpsClient(_test.Store, new MlOpsOptions { Environment = "test" }, timeProvider: _clock);
    }

    [TearDown]
    public async Task TearDown() => await _test.DisposeAsync();

    [Test]
    public async Task Compact_ClosedPartitions_OneFileEach_EveryRowOnce_LatestFeedback()
    {
        var day = Today.AddDays(-3);
        var delays = Rows(day.AddHours(8), 40);
        var other = Rows(day.AddHours(9), 9, "other");
        var live = Rows(Today.AddMinutes(1), 8);
        await WriteInFilesAsync(_client, delays, 5);                 // 8 files
        await WriteInFilesAsync(_client, [delays[3], delays[17]], 2); // the same two predictions again: duplicates
        await WriteInFilesAsync(_client, other, 3);                   // 3 files
        await WriteInFilesAsync(_client, live, 2);                    // today's partition: open, left alone
        for (var i = 0; i < 10; i++)
        {
            await _client.Monitoring.RecordFeedbackAsync(Guid.Parse(delays[i].Id), i % 2 == 0);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        for (var i = 0; i < 4; i++)
        {
            // Changed minds: the later feedback must win.
            await _client.Monitoring.RecordFeedbackAsync(Guid.Parse(delays[i].Id), i % 2 != 0);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        var before = await ReadAllAsync();

        var result = await _client.Monitoring.CompactAsync();

        Assert.That(await KeysAsync(_test.Store, PredictionPartition("delays", day)), Has.Count.EqualTo(1).And.All.Contains("/compacted-"));
        Assert.That(await KeysAsync(_test.Store, PredictionPartition("other", day)), Has.Count.EqualTo(1));
        Assert.That(await KeysAsync(_test.Store, PredictionPartition("delays", Today)), Has.Count.EqualTo(4), "today's partition is open");
        Assert.That(await KeysAsync(_test.Store, FeedbackPartition(day)), Has.Count.EqualTo(1));
        Assert.That(await ReadAllAsync(), Is.EqualTo(before), "every prediction, once, with the same feedback");

        var rawPredictions = await ReadRawAsync<PredictionLogRow>(PredictionPartition("delays", day));
        Assert.That(rawPredictions.Select(r => r.Id), Is.EquivalentTo(delays.Select(r => r.Id)), "the duplicates are gone from the files");
        var rawFeedback = await ReadRawAsync<FeedbackRow>(FeedbackPartition(day));
        Assert.That(rawFeedback, Has.Count.EqualTo(10));
        Assert.That(rawFeedback.Single(f => f.PredictionId == delays[0].Id).Actual, Is.EqualTo("false"), "recorded true, then false");
        Assert.That(rawFeedback.Single(f => f.PredictionId == delays[1].Id).Actual, Is.EqualTo("true"), "recorded false, then true");

        // 8 + 1 + 3 prediction files and 14 feedback files read; 40 + 2 + 9 prediction rows and 14 feedback rows.
        Assert.That(result, Is.EqualTo(new CompactionResult(Partitions: 3, FilesRead: 8 + 1 + 3 + 14, FilesWritten: 3, FilesDeleted: 26, RowsRead: 42 + 9 + 14, RowsWritten: 40 + 9 + 10)));
        Assert.That((await _client.Monitoring.CompactAsync()).Partitions, Is.Zero, "nothing left to compact");
    }

    [Test]
    public async Task Compact_AServedRowAndItsShadow_ShareAnId_BothAreKept()
    {
        var day = Today.AddDays(-3);
        var served = Rows(day.AddHours(8), 5);
        var shadows = served.Select(r => Row(r.Timestamp, version: 2, arm: "shadow")).ToList();
        for (var i = 0; i < shadows.Count; i++)
        {
            shadows[i].Id = served[i].Id;
        }

        await WriteInFilesAsync(_client, served, 5);
        await WriteInFilesAsync(_client, shadows, 5);
        await WriteInFilesAsync(_client, [shadows[2]], 1); // a duplicate
        var before = await ReadAllAsync();

        await _client.Monitoring.CompactAsync();

        var raw = await ReadRawAsync<PredictionLogRow>(PredictionPartition("delays", day));
        Assert.That(raw.Select(r => (r.Id, r.Arm)), Is.EquivalentTo(served.Concat(shadows).Select(r => (r.Id, r.Arm))), "each id once per arm");
        Assert.That(before.Count(p => p.Contains("(shadow)", StringComparison.Ordinal)), Is.EqualTo(5));
        Assert.That(await ReadAllAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Compact_MaxRowsPerFile_SplitsAndStaysStable()
    {
        var day = Today.AddDays(-2);
        var rows = Rows(day.AddHours(1), 25);
        await WriteInFilesAsync(_client, rows, 5);

        var result = await _client.Monitoring.CompactAsync(new CompactionOptions { MaxRowsPerFile = 10 });

        var keys = await KeysAsync(_test.Store, PredictionPartition("delays", day));
        var counts = new List<int>();
        foreach (var key in keys)
        {
            counts.Add((await ReadParquetAsync<PredictionLogRow>(_test.Store, key)).Count);
        }

        Assert.That(counts, Is.EquivalentTo(new[] { 10, 10, 5 }));
        Assert.That((result.FilesRead, result.FilesWritten, result.RowsWritten), Is.EqualTo((5, 3, 25L)));
        Assert.That((await _client.Monitoring.CompactAsync(new CompactionOptions { MaxRowsPerFile = 10 })).Partitions, Is.Zero, "three files are as few as 25 rows of 10 allow");
    }

    [Test]
    public async Task Compact_GracePeriod_LeavesYesterdayUntilItPasses()
    {
        var yesterday = Today.AddDays(-1);
        await WriteInFilesAsync(_client, Rows(yesterday.AddHours(23), 6), 2);

        var waiting = await _client.Monitoring.CompactAsync(new CompactionOptions { GracePeriod = TimeSpan.FromDays(2) });
        Assert.That(waiting.Partitions, Is.Zero);
        Assert.That(await KeysAsync(_test.Store, PredictionPartition("delays", yesterday)), Has.Count.EqualTo(3));

        var closed = await _client.Monitoring.CompactAsync(new CompactionOptions { GracePeriod = TimeSpan.Zero });
        Assert.That(closed.Partitions, Is.EqualTo(1));
        Assert.That(await KeysAsync(_test.Store, PredictionPartition("delays", yesterday)), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Compact_ReaderThatListedBeforeIt_StillReadsEveryRow()
    {
        var day = Today.AddDays(-3);
        var rows = Rows(day.AddHours(1), 30);
        await WriteInFilesAsync(_client, rows, 3);

        // The reader lists the 10 small files; the first read waits while another client compacts and deletes them all.
        var compaction = new Lazy<CompactionResult>(() => _client.Monitoring.CompactAsync().GetAwaiter().GetResult());
        var racing = new FaultInjectingObjectStore(_test.Store)
        {
            FailRead = key =>
            {
                _ = key.Contains("/predictions/", StringComparison.Ordinal) ? compaction.Value : null;
                return null;
            },
        };
        var reader = new MlOpsClient(racing, new MlOpsOptions { Environment = "test" });

        var read = await reader.Monitoring.ReadPredictionsAsync("delays");

        Assert.That(compaction.IsValueCreated && compaction.Value.FilesDeleted == 10, "the compaction ran between the listing and the reads");
        Assert.That(read.Select(p => p.Id.ToString("N")), Is.EqualTo(rows.Select(r => r.Id)), "every row, once, in order");
    }

    [Test]
    public async Task ApplyRetention_DeletesPartitionsOlderThanMaxAge_PredictionsAndFeedback()
    {
        var days = new[] { -40, -31, -29, -1 }.Select(d => Today.AddDays(d)).ToArray();
        var written = new List<PredictionLogRow>();
        foreach (var day in days)
        {
            foreach (var model in new[] { "delays", "other" })
            {
                var rows = Rows(day.AddHours(12), 4, model);
                await WriteInFilesAsync(_client, rows, 2);
                await _client.Monitoring.RecordFeedbackAsync(Guid.Parse(rows[0].Id), 1.0);
                written.AddRange(rows);
            }
        }

        var result = await _client.Monitoring.ApplyRetentionAsync(new RetentionOptions { MaxAge = TimeSpan.FromDays(30) });

        // The cutoff by hand: a day partition goes when its whole day ends before now - 30 days.
        var cutoff = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-30));
        Assert.That(result.Cutoff, Is.EqualTo(cutoff));
        Assert.That((result.Partitions, result.Files), Is.EqualTo((2 * 3, (2 * 2 * 2) + (2 * 2))), "2 old days x (2 models + feedback); 2 files per model-day, 2 feedback files per day (one per model)");
        Assert.That(result.Bytes, Is.GreaterThan(0));
        var kept = written.Where(r => DateOnly.FromDateTime(r.Timestamp) >= cutoff).Select(r => r.Id).ToList();
        var read = (await _client.Monitoring.ReadPredictionsAsync("delays")).Concat(await _client.Monitoring.ReadPredictionsAsync("other"));
        Assert.That(read.Select(p => p.Id.ToString("N")), Is.EquivalentTo(kept));
        var feedbackKeys = await KeysAsync(_test.Store, "monitoring/feedback/");
        Assert.That(feedbackKeys, Has.Count.EqualTo(2 * 2));
        Assert.That(feedbackKeys, Has.None.Contains($"date={days[0]:yyyy-MM-dd}").And.None.Contains($"date={days[1]:yyyy-MM-dd}"));
        Assert.That((await _client.Monitoring.ApplyRetentionAsync(new RetentionOptions { MaxAge = TimeSpan.FromDays(30) })).Files, Is.Zero);
    }

    [Test]
    public void Options_Invalid_Throw()
    {
        Assert.ThrowsAsync<OptionsValidationException>(() => _client.Monitoring.ApplyRetentionAsync(new RetentionOptions { MaxAge = TimeSpan.Zero }));
        Assert.ThrowsAsync<OptionsValidationException>(() => _client.Monitoring.ApplyRetentionAsync(new RetentionOptions { MaxAge = TimeSpan.FromDays(-1) }));
        Assert.ThrowsAsync<OptionsValidationException>(() => _client.Monitoring.ApplyRetentionAsync(new RetentionOptions { MaxAge = TimeSpan.FromHours(3) }));
        Assert.ThrowsAsync<ArgumentNullException>(() => _client.Monitoring.ApplyRetentionAsync(null!));
        Assert.ThrowsAsync<OptionsValidationException>(() => _client.Monitoring.CompactAsync(new CompactionOptions { MaxRowsPerFile = 0 }));
        Assert.ThrowsAsync<OptionsValidationException>(() => _client.Monitoring.CompactAsync(new CompactionOptions { GracePeriod = TimeSpan.FromHours(-1) }));
    }

    private async Task<List<string>> ReadAllAsync()
    {
        var all = new List<string>();
        foreach (var model in new[] { "delays", "other" })
        {
            all.AddRange((await _client.Monitoring.ReadPredictionsAsync(model)).Select(p => $"{p}|{p.Input.GetRawText()}|{p.RoutingKey}|{p.LatencyMs}|{p.FeedbackAt:O}"));
        }

        return all;
    }

    private async Task<List<T>> ReadRawAsync<T>(string partition)
        where T : class, new()
    {
        var rows = new List<T>();
        foreach (var key in await KeysAsync(_test.Store, partition))
        {
            rows.AddRange(await ReadParquetAsync<T>(_test.Store, key));
        }

        return rows;
    }
}
