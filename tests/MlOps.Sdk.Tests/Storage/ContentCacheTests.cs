using System.Security.Cryptography;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Storage;

/// <summary>The local read-through cache in front of a remote (Azure Blob) store.</summary>
public sealed class ContentCacheTests
{
    private const long MiB = 1024 * 1024;

    private TestStore _test = null!;
    private CountingObjectStore _counting = null!;
    private string _cache = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(StoreKind.AzureBlob);
        _counting = new CountingObjectStore(_test.Store);
        _cache = Directory.CreateTempSubdirectory("mlops-cache-").FullName;
    }

    [TearDown]
    public async Task TearDown()
    {
        Directory.Delete(_cache, recursive: true);
        await _test.DisposeAsync();
    }

    [Test]
    public async Task ReadAsync_SecondRead_IsServedFromTheCache()
    {
        var content = new ContentStore(_counting, new ContentCacheOptions { Path = _cache });
        var info = await content.PutAsync(BinaryData.FromString("flights"));

        var first = await content.ReadAsync(info.Hash);
        var readsAfterFirst = _counting.Reads;
        var second = await content.ReadAsync(info.Hash);
        await using (var stream = await content.OpenReadAsync(info.Hash))
        {
            await stream.CopyToAsync(Stream.Null);
        }

        Assert.That(content.CachePath, Is.EqualTo(_cache));
        Assert.That(first.ToString(), Is.EqualTo("flights"));
        Assert.That(second.ToString(), Is.EqualTo("flights"));
        Assert.That(readsAfterFirst, Is.EqualTo(1));
        Assert.That(_counting.Reads, Is.EqualTo(1), "later reads did not reach the store");
        Assert.That(File.Exists(Path.Combine(_cache, "sha256", info.Hash.ToString()[..2], info.Hash.ToString())), Is.True);
    }

    [Test]
    public async Task ReadAsync_CorruptCachedCopy_ThrowsRemovesItAndTheNextReadRefetches()
    {
        var content = new ContentStore(_counting, new ContentCacheOptions { Path = _cache });
        var info = await content.PutAsync(BinaryData.FromString("weights"));
        await content.ReadAsync(info.Hash);
        var cached = Path.Combine(_cache, "sha256", info.Hash.ToString()[..2], info.Hash.ToString());
        await File.WriteAllTextAsync(cached, "tampered");

        var ex = Assert.ThrowsAsync<ContentIntegrityException>(() => content.ReadAsync(info.Hash));
        var again = await content.ReadAsync(info.Hash);

        Assert.That(ex!.Location, Is.EqualTo(cached));
        Assert.That(again.ToString(), Is.EqualTo("weights"));
        Assert.That(_counting.Reads, Is.EqualTo(2), "the good copy was fetched again");
    }

    [Test]
    public async Task Reads_CacheFolderUnusable_FallBackToTheStore()
    {
        // Regression: a full or unwritable cache made reads fail with a raw IOException although the store was fine.
        var content = new ContentStore(_counting, new ContentCacheOptions { Path = _cache });
        var info = await content.PutAsync(BinaryData.FromString("flights"));
        Directory.CreateDirectory(Path.Combine(_cache, "sha256"));
        Directory.Delete(Path.Combine(_cache, "sha256"));
        await File.WriteAllTextAsync(Path.Combine(_cache, "sha256"), "a file where the cache keeps its folders");

        var read = await content.ReadAsync(info.Hash);

        Assert.That(read.ToString(), Is.EqualTo("flights"));
    }

    [Test]
    public void Constructor_CacheFolderCannotBeCreated_WorksWithoutACache()
    {
        var blocker = Path.Combine(_cache, "not-a-folder");
        File.WriteAllText(blocker, "x");

        var content = new ContentStore(_counting, new ContentCacheOptions { Path = Path.Combine(blocker, "cache") });

        Assert.That(content.CachePath, Is.Null);
    }

    [Test]
    public async Task Reads_MoreThanTheLimit_EvictLeastRecentlyUsedFirst()
    {
        var content = new ContentStore(_counting, new ContentCacheOptions { Path = _cache, MaxSizeBytes = 2 * MiB });
        var items = new List<ContentInfo>();
        for (var i = 0; i < 6; i++)
        {
            items.Add(await content.PutAsync(BinaryData.FromBytes(RandomNumberGenerator.GetBytes(600_000))));
        }

        for (var i = 0; i < 6; i++)
        {
            await content.ReadAsync(items[i].Hash);
            if (i >= 1)
            {
                await Task.Delay(20);
                await content.ReadAsync(items[0].Hash); // keep the first one recently used
            }
        }

        var cachedFiles = Directory.GetFiles(Path.Combine(_cache, "sha256"), "*", SearchOption.AllDirectories);
        var cachedBytes = cachedFiles.Sum(f => new FileInfo(f).Length);
        var cachedNames = cachedFiles.Select(Path.GetFileName).ToHashSet();
        Assert.That(cachedBytes, Is.LessThanOrEqualTo(2 * MiB));
        Assert.That(cachedNames, Does.Contain(items[0].Hash.ToString()), "the most recently used stays");
        Assert.That(cachedNames, Does.Contain(items[5].Hash.ToString()), "the newest stays");
        Assert.That(cachedNames, Does.Not.Contain(items[1].Hash.ToString()), "the least recently used went first");
    }

    [Test]
    public async Task Reads_FromSeveralProcessesThroughOneSmallCache_AllVerifyAndTheCacheStaysBounded()
    {
        const int Processes = 4;
        const long Limit = 3 * MiB;
        var content = new ContentStore(_test.Store, new ContentCacheOptions { Enabled = false });
        var hashes = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            hashes.Add((await content.PutAsync(BinaryData.FromBytes(RandomNumberGenerator.GetBytes(500_000 + i)))).Hash.ToString());
        }

        var list = Path.Combine(_cache, "..", $"hashes-{Guid.NewGuid():N}.txt");
        var go = Path.Combine(Path.GetTempPath(), $"mlops-go-{Guid.NewGuid():N}");
        await File.WriteAllLinesAsync(list, hashes);
        var workers = Enumerable.Range(0, Processes).Select(i => WorkerProcess.Start(
            "cache-read", StoreKind.AzureBlob, _test.Target!, ("cache", _cache), ("cache-max", Limit), ("hashes", list), ("rounds", 3), ("seed", i), ("go", go))).ToList();
        try
        {
            await WorkerProcess.RunTogetherAsync(workers, go, TimeSpan.FromMinutes(3));
            foreach (var worker in workers)
            {
                Assert.That(worker.Lines, Does.Contain($"READ {hashes.Count * 3}"));
            }

            // Every addition by every process goes through the shared size ledger, so the bound holds for the machine.
            var cachedBytes = Directory.GetFiles(Path.Combine(_cache, "sha256"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            Assert.That(cachedBytes, Is.LessThanOrEqualTo(Limit));
            Assert.That(Directory.GetFiles(Path.Combine(_cache, "tmp")), Is.Empty, "no partial downloads left behind");
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
            File.Delete(list);
            File.Delete(go);
        }
    }
}
