using MlOps.Sdk.Data;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Data;

/// <summary>The hash cache, and files that change while they are registered (local files: the file-system store is enough).</summary>
public sealed class DatasetHashingTests
{
    private TestStore _test = null!;
    private DataSandbox _sandbox = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(StoreKind.FileSystem);
        _sandbox = new DataSandbox();
        _client = _sandbox.CreateClient(_test.Store);
    }

    [TearDown]
    public async Task TearDown()
    {
        _sandbox.Dispose();
        await _test.DisposeAsync();
    }

    [Test]
    public async Task ReRegistering_UnchangedFiles_ReadsNoneOfThem()
    {
        WriteOld(40);
        await _client.Datasets.RegisterDirectoryAsync("cached", _sandbox.Source);
        _sandbox.Logs.Clear();

        var again = await _client.Datasets.RegisterDirectoryAsync("cached", _sandbox.Source);

        Assert.That(again.Created, Is.False);
        Assert.That(HashedMessage(), Does.Contain("40 files").And.Contain(": 0 read, 40 answered by the hash cache"));
    }

    [Test]
    public async Task HashCache_FileWithNewModificationTime_IsReadAgain()
    {
        WriteOld(10);
        await _client.Datasets.RegisterDirectoryAsync("touched", _sandbox.Source);
        File.SetLastWriteTimeUtc(Path.Combine(_sandbox.Source, "f03.bin"), DateTime.UtcNow.AddMinutes(-1));
        _sandbox.Logs.Clear();

        var again = await _client.Datasets.RegisterDirectoryAsync("touched", _sandbox.Source);

        Assert.That(HashedMessage(), Does.Contain(": 1 read, 9 answered"));
        Assert.That(again.Version, Is.EqualTo(1), "the bytes are the same, so is the version");
    }

    [Test]
    public async Task HashCache_FileWithNewSize_IsReadAgainAndMakesANewVersion()
    {
        WriteOld(10);
        await _client.Datasets.RegisterDirectoryAsync("grown", _sandbox.Source);
        var path = Path.Combine(_sandbox.Source, "f05.bin");
        var mtime = File.GetLastWriteTimeUtc(path);
        await File.AppendAllTextAsync(path, "!");
        File.SetLastWriteTimeUtc(path, mtime);
        _sandbox.Logs.Clear();

        var again = await _client.Datasets.RegisterDirectoryAsync("grown", _sandbox.Source);

        Assert.That(HashedMessage(), Does.Contain(": 1 read, 9 answered"));
        Assert.That(again.Version, Is.EqualTo(2));
    }

    [Test]
    [Platform("Linux")]
    public async Task HashCache_SameSizeAndModificationTimeButRewritten_IsCaughtByTheChangeTime()
    {
        // What cp -p or a careless tool does: new bytes, same size, the old modification time put back.
        WriteOld(10);
        await _client.Datasets.RegisterDirectoryAsync("sneaky", _sandbox.Source);
        var path = Path.Combine(_sandbox.Source, "f07.bin");
        var mtime = File.GetLastWriteTimeUtc(path);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[0] ^= 0xFF;
        await File.WriteAllBytesAsync(path, bytes);
        File.SetLastWriteTimeUtc(path, mtime);

        var again = await _client.Datasets.RegisterDirectoryAsync("sneaky", _sandbox.Source);

        Assert.That(again.Version, Is.EqualTo(2), "statx's change time and inode reveal the rewrite");
    }

    [Test]
    public async Task HashCache_FilesWrittenJustNow_AreNotTrustedYet()
    {
        // Written this instant: a write in the same clock tick could keep the modification time, so they are read again next time.
        for (var i = 0; i < 5; i++)
        {
            _sandbox.Write($"new{i}.bin", DatasetRegistrationTests.RandomBytes(100, i));
        }

        await _client.Datasets.RegisterDirectoryAsync("fresh", _sandbox.Source);
        _sandbox.Logs.Clear();
        await _client.Datasets.RegisterDirectoryAsync("fresh", _sandbox.Source);

        Assert.That(HashedMessage(), Does.Contain(": 5 read, 0 answered"));
    }

    [Test]
    public async Task HashCache_Disabled_ReadsEverythingEveryTime()
    {
        var client = _sandbox.CreateClient(_test.Store, o => o.Datasets.HashCacheEnabled = false);
        WriteOld(5);
        await client.Datasets.RegisterDirectoryAsync("uncached", _sandbox.Source);
        _sandbox.Logs.Clear();
        await client.Datasets.RegisterDirectoryAsync("uncached", _sandbox.Source);

        Assert.That(HashedMessage(), Does.Contain(": 5 read, 0 answered"));
        Assert.That(Directory.Exists(Path.Combine(_sandbox.Root, "hash-cache")), Is.False);
    }

    [Test]
    public async Task HashCache_DamagedCacheFile_IsIgnored()
    {
        WriteOld(5);
        await _client.Datasets.RegisterDirectoryAsync("damaged", _sandbox.Source);
        foreach (var file in Directory.GetFiles(Path.Combine(_sandbox.Root, "hash-cache")))
        {
            await File.WriteAllBytesAsync(file, [.. "MLHC0001"u8, 0xFF, 0xFF, 0x00, 0x00, 1, 2, 3]);
        }

        _sandbox.Logs.Clear();
        var again = await _client.Datasets.RegisterDirectoryAsync("damaged", _sandbox.Source);

        Assert.That(again.Version, Is.EqualTo(1));
        Assert.That(HashedMessage(), Does.Contain(": 5 read, 0 answered"));
    }

    [Test]
    public async Task RegisterFileAsync_FileWrittenWhileHashed_IsRefusedAndNothingIsRegistered()
    {
        var path = _sandbox.Write("growing.log", DatasetRegistrationTests.RandomBytes(64 * 1024 * 1024, 5));
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            await using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            while (!stop.IsCancellationRequested)
            {
                stream.Write("more\n"u8);
                stream.Flush();
                await Task.Delay(1);
            }
        });

        try
        {
            var ex = Assert.ThrowsAsync<DatasetSourceChangedException>(() => _client.Datasets.RegisterFileAsync("live", path));
            Assert.That(ex!.FilePath, Is.EqualTo(path));
            Assert.That(ex.Message, Does.Contain("changed while it was being registered"));
        }
        finally
        {
            await stop.CancelAsync();
            await writer;
        }

        Assert.That(await _client.Datasets.ListNamesAsync(), Is.Empty, "no version");
        await foreach (var item in _test.Store.ListAsync("datasets/"))
        {
            Assert.Fail($"nothing about the dataset is stored, found {item.Key}");
        }
    }

    [Test]
    public void PackReadStream_FileChangedAfterItWasHashed_FailsTheUpload()
    {
        var a = _sandbox.Write("a.bin", DatasetRegistrationTests.RandomBytes(1000, 1));
        var b = _sandbox.Write("b.bin", DatasetRegistrationTests.RandomBytes(1000, 2));
        var files = new[] { a, b }.Select(p => new HashedFile(p, Path.GetFileName(p), FileStat.Read(p)!.Value, ContentHash.Compute(File.ReadAllBytes(p)), Trusted: false)).ToList();
        File.WriteAllBytes(b, DatasetRegistrationTests.RandomBytes(1000, 3));

        using var pack = new PackReadStream(files);
        var ex = Assert.Throws<DatasetSourceChangedException>(() => pack.CopyTo(Stream.Null));
        Assert.That(ex!.FilePath, Is.EqualTo(b));
    }

    [Test]
    public async Task RegisterDirectoryAsync_FileChangedBetweenHashingAndStoring_StoresNoVersion()
    {
        // A store that rewrites a source file right before the pack upload reads it: the pack stream notices.
        WriteOld(3);
        var victim = Path.Combine(_sandbox.Source, "f01.bin");
        var store = new FaultInjectingObjectStore(_test.Store)
        {
            BeforeUpload = key =>
            {
                if (key.StartsWith("cas/packs/", StringComparison.Ordinal))
                {
                    File.WriteAllBytes(victim, DatasetRegistrationTests.RandomBytes(1000, 777));
                }
            },
        };
        var client = _sandbox.CreateClient(store);

        var ex = Assert.ThrowsAsync<DatasetSourceChangedException>(() => client.Datasets.RegisterDirectoryAsync("racy", _sandbox.Source));

        Assert.That(ex!.FilePath, Is.EqualTo(victim));
        Assert.That(await client.Datasets.ListNamesAsync(), Is.Empty);
        await foreach (var item in _test.Store.ListAsync("cas/packs/"))
        {
            Assert.Fail($"no pack is stored, found {item.Key}");
        }
    }

    [Test]
    public void HashCache_WholeSecondTimes_AreTrustedOnlyWhenSecondsOld()
    {
        // A file system with whole-second time stamps (FAT, exFAT, HFS+): a rewrite within the same second keeps them.
        var cache = HashCache.Open(null, "/nowhere");
        long WholeSecondsAgo(double seconds) => (DateTimeOffset.UtcNow.AddSeconds(-seconds).ToUnixTimeSeconds()) * 1_000_000_000L;

        Assert.That(cache.IsTrusted(new FileStat(10, WholeSecondsAgo(1), WholeSecondsAgo(1), 5, 1)), Is.False, "1 s old, whole seconds");
        Assert.That(cache.IsTrusted(new FileStat(10, WholeSecondsAgo(5), WholeSecondsAgo(5), 5, 1)), Is.True, "5 s old");
        var fine = (DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds() * 1_000_000L) + 123_456;
        Assert.That(cache.IsTrusted(new FileStat(10, fine, fine, 5, 1)), Is.True, "nanosecond times, 1 s old");
    }

    [Test]
    public void Stat_VanishedFile_IsAChangeButALinkToNothingIsNotFound()
    {
        var gone = Path.Combine(_sandbox.Source, "gone.bin");
        var link = Path.Combine(_sandbox.Source, "link.bin");
        File.CreateSymbolicLink(link, gone);

        Assert.That(Assert.Throws<DatasetSourceChangedException>(() => DatasetHasher.Stat(gone))!.Message, Does.Contain("deleted"));
        Assert.That(Assert.Throws<FileNotFoundException>(() => DatasetHasher.Stat(link))!.Message, Does.Contain("a link to"));
    }

    [Test]
    public async Task MaterializeAsync_DuplicateFileChangedOnDisk_IsWrittenAgain()
    {
        var bytes = DatasetRegistrationTests.RandomBytes(2000, 42);
        _sandbox.Write("a.bin", bytes);
        _sandbox.Write("b.bin", bytes);
        var version = await _client.Datasets.RegisterDirectoryAsync("twins", _sandbox.Source);
        var target = await version.MaterializeAsync(Path.Combine(_sandbox.Root, "out"));
        await File.WriteAllTextAsync(Path.Combine(target, "b.bin"), "edited");
        File.Delete(Path.Combine(target, "a.bin"));

        await version.MaterializeAsync(target);

        Assert.That(await File.ReadAllBytesAsync(Path.Combine(target, "a.bin")), Is.EqualTo(bytes));
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(target, "b.bin")), Is.EqualTo(bytes), "the edited duplicate is restored too");
    }

    [Test]
    public async Task MaterializeAsync_WithoutHashCache_VerifiesAndRewritesEverything()
    {
        var client = _sandbox.CreateClient(_test.Store, o => o.Datasets.HashCacheEnabled = false);
        _sandbox.Write("x.bin", DatasetRegistrationTests.RandomBytes(3000, 1));
        var version = await client.Datasets.RegisterDirectoryAsync("plain", _sandbox.Source);
        var target = await version.MaterializeAsync(Path.Combine(_sandbox.Root, "out"));
        await File.WriteAllBytesAsync(Path.Combine(target, "x.bin"), new byte[3000]);

        await version.MaterializeAsync(target);

        Assert.That(await File.ReadAllBytesAsync(Path.Combine(target, "x.bin")), Is.EqualTo(DatasetRegistrationTests.RandomBytes(3000, 1)));
    }

    private void WriteOld(int count)
    {
        var old = DateTime.UtcNow.AddMinutes(-10);
        for (var i = 0; i < count; i++)
        {
            var path = _sandbox.Write($"f{i:D2}.bin", DatasetRegistrationTests.RandomBytes(1000, i));
            File.SetLastWriteTimeUtc(path, old);
        }

        Thread.Sleep(HashCache.RacyWindow + TimeSpan.FromMilliseconds(50)); // change times older than the racy window
    }

    private string HashedMessage()
        => _sandbox.Logs.Messages.LastOrDefault(m => m.EventId == 3003).Message ?? "(no message)";
}
