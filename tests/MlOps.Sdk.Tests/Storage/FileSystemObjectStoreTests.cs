using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests.Storage;

/// <summary>What the file-system provider adds to the shared contract: layout, atomic publication, locks, clean-up.</summary>
public sealed class FileSystemObjectStoreTests
{
    private string _root = null!;

    [SetUp]
    public void SetUp() => _root = Directory.CreateTempSubdirectory("mlops-fs-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    public async Task WriteAsync_Key_IsAFileAtThatPathUnderTheRoot()
    {
        var store = new FileSystemObjectStore(_root);

        await store.WriteAsync("runs/r1/run.json", BinaryData.FromString("{}"));

        var path = Path.Combine(_root, "runs", "r1", "run.json");
        Assert.That(File.ReadAllText(path), Is.EqualTo("{}"));
        Assert.That(store.GetPath("runs/r1/run.json"), Is.EqualTo(path));
        Assert.That(store.Location, Is.EqualTo(new Uri(_root + "/")));
        Assert.That(store.IsRemote, Is.False);
    }

    [Test]
    public void Constructor_RelativePath_ResolvesAgainstTheWorkingDirectory()
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, _root);

        var store = new FileSystemObjectStore(relative);

        Assert.That(store.RootPath, Is.EqualTo(_root));
    }

    [Test]
    public async Task ReadAsync_WhileAnotherThreadRewrites_NeverSeesHalfAnObject()
    {
        var store = new FileSystemObjectStore(_root);
        var a = BinaryData.FromBytes(Enumerable.Repeat((byte)'a', 2 << 20).ToArray());
        var b = BinaryData.FromBytes(Enumerable.Repeat((byte)'b', 1 << 20).ToArray());
        await store.WriteAsync("model.zip", a);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));

        var writer = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await store.WriteAsync("model.zip", i % 2 == 0 ? b : a);
            }
        });
        var reads = 0;
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var content = (await store.ReadAsync("model.zip"))!.Content.ToArray();
                var whole = (content.Length == a.ToArray().Length && content.All(x => x == 'a'))
                    || (content.Length == b.ToArray().Length && content.All(x => x == 'b'));
                Assert.That(whole, Is.True, $"read {content.Length} bytes of mixed or partial content");
                Interlocked.Increment(ref reads);
            }
        })).ToArray();
        await Task.WhenAll(readers.Append(writer));

        Assert.That(reads, Is.GreaterThan(10));
    }

    [Test]
    public async Task WriteAsync_ManyFastWritesOfTheSameSize_EachGetsANewETag()
    {
        var store = new FileSystemObjectStore(_root);

        var etags = new HashSet<string>();
        for (var i = 0; i < 2_000; i++)
        {
            etags.Add((await store.WriteAsync("heartbeat.json", BinaryData.FromString("{\"t\":1}"))).ETag.ToString());
        }

        Assert.That(etags, Has.Count.EqualTo(2_000));
    }

    [Test]
    public async Task Constructor_OldTemporaryFiles_AreSweptAndRecentOnesKept()
    {
        _ = new FileSystemObjectStore(_root);
        var old = Path.Combine(_root, ".tmp", "abandoned.tmp");
        var recent = Path.Combine(_root, ".tmp", "in-flight.tmp");
        await File.WriteAllTextAsync(old, "x");
        await File.WriteAllTextAsync(recent, "x");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddDays(-2));

        _ = new FileSystemObjectStore(_root);

        Assert.That(File.Exists(old), Is.False);
        Assert.That(File.Exists(recent), Is.True);
    }

    [Test]
    public async Task Constructor_ProcessesOpeningTheSameFolderAtOnce_AllSucceed()
    {
        // Regression: the timestamp probe was named like a temporary file, and its deliberately old time stamp made the
        // abandoned-file sweep of a store opening at the same moment in another process delete it.
        var go = Path.Combine(Path.GetTempPath(), $"mlops-go-{Guid.NewGuid():N}");
        var workers = Enumerable.Range(0, 4).Select(_ => Infrastructure.WorkerProcess.Start("open-loop", StoreKind.FileSystem, _root, ("count", 400), ("go", go))).ToList();
        try
        {
            await Infrastructure.WorkerProcess.RunTogetherAsync(workers, go, TimeSpan.FromMinutes(2));

            Assert.That(Directory.EnumerateFiles(Path.Combine(_root, ".tmp")), Is.Empty, "no probe or temporary file left behind");
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
            File.Delete(go);
        }
    }

    [Test]
    public async Task ListAsync_SkipsTheProvidersOwnFolders()
    {
        var store = new FileSystemObjectStore(_root);
        await store.WriteAsync("a.json", BinaryData.FromString("1"));

        var keys = await store.ListAsync(string.Empty).Select(p => p.Key).ToListAsync();

        Assert.That(keys, Is.EqualTo(new[] { "a.json" }));
        Assert.That(Directory.Exists(Path.Combine(_root, ".locks")), Is.True);
    }

    [Test]
    public async Task WriteAsync_KeyUnderAnObject_ThrowsNamingTheConflict()
    {
        var store = new FileSystemObjectStore(_root);
        await store.WriteAsync("a", BinaryData.FromString("object"));

        var under = Assert.ThrowsAsync<ObjectStoreException>(() => store.WriteAsync("a/b", BinaryData.FromString("x")));
        await store.WriteAsync("c/d", BinaryData.FromString("x"));
        var over = Assert.ThrowsAsync<ObjectStoreException>(() => store.WriteAsync("c", BinaryData.FromString("x")));

        Assert.That(under!.Message, Does.Contain("'a/b'").And.Contain("folder"));
        Assert.That(over!.Message, Does.Contain("'c'").And.Contain("folder"));
        Assert.That((await store.ReadAsync("a"))!.Content.ToString(), Is.EqualTo("object"));
        Assert.That(await store.ReadAsync("c"), Is.Null, "a folder is not an object");
    }

    [Test]
    public async Task WriteAsync_LockHeldLongerThanTheTimeout_ThrowsNamingTheKey()
    {
        var store = new FileSystemObjectStore(_root, new FileSystemObjectStoreOptions { LockTimeout = TimeSpan.FromMilliseconds(200) });
        var other = new StripedFileLock(Path.Combine(_root, ".locks"));

        using (await other.AcquireAsync("aliases/production.json", TimeSpan.FromSeconds(5), CancellationToken.None))
        {
            var ex = Assert.ThrowsAsync<ObjectStoreException>(() => store.WriteAsync("aliases/production.json", BinaryData.FromString("x")));
            Assert.That(ex!.Key, Is.EqualTo("aliases/production.json"));
            Assert.That(ex.Message, Does.Contain("LockTimeout"));
        }

        await store.WriteAsync("aliases/production.json", BinaryData.FromString("x"));
    }

    [Test]
    public void Constructor_InvalidOptions_ThrowsNamingTheOption()
    {
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => _ = new FileSystemObjectStore(_root, new FileSystemObjectStoreOptions { LockTimeout = TimeSpan.Zero }));

        Assert.That(ex!.Message, Does.Contain("LockTimeout"));
    }

    [Test]
    public void Constructor_UnwritableRoot_ThrowsObjectStoreException()
    {
        var file = Path.Combine(_root, "a-file");
        File.WriteAllText(file, "not a folder");

        var ex = Assert.Throws<ObjectStoreException>(() => _ = new FileSystemObjectStore(Path.Combine(file, "store")));

        Assert.That(ex!.Message, Does.Contain(file));
    }

    [Test]
    public async Task UploadAsync_FailingSourceStream_LeavesNoObjectAndNoTemporaryFile()
    {
        var store = new FileSystemObjectStore(_root);

        Assert.ThrowsAsync<IOException>(() => store.UploadAsync("partial.bin", new FailingStream(3 << 20)));

        Assert.That(await store.ReadAsync("partial.bin"), Is.Null);
        Assert.That(Directory.EnumerateFiles(Path.Combine(_root, ".tmp")), Is.Empty);
    }

    [Test]
    public async Task WriteAsync_DeleteAndRecreateWithinOneClockTick_NeverReusesAnETag()
    {
        // Regression: ETags are time stamp + size; after a delete the "strictly later" rule started again from the clock,
        // so a re-created record of the same size could get the ETag of a version read before the delete, and a stale
        // compare-and-swap succeeded. The clock here never moves, the worst case (a coarse file system, a fast writer).
        var clock = new FrozenClock(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        var store = new FileSystemObjectStore(_root, timeProvider: clock);
        await store.WriteAsync("alias.json", BinaryData.FromString("v1"));
        var read = await store.WriteAsync("alias.json", BinaryData.FromString("v2"));

        await store.DeleteAsync("alias.json");
        var recreated = await store.WriteAsync("alias.json", BinaryData.FromString("v3"));

        Assert.That(recreated.ETag, Is.Not.EqualTo(read.ETag));
        Assert.ThrowsAsync<PreconditionFailedException>(() => store.WriteAsync("alias.json", BinaryData.FromString("lost update"), WriteCondition.IfMatch(read.ETag)));
        var reopened = new FileSystemObjectStore(_root, timeProvider: clock);
        await reopened.DeleteAsync("alias.json");
        var fromAnotherInstance = await reopened.WriteAsync("alias.json", BinaryData.FromString("v4"));
        Assert.That(new[] { read.ETag, recreated.ETag }, Has.No.Member(fromAnotherInstance.ETag), "the record of issued time stamps is shared through the lock file");
    }

    [Test]
    public async Task DeleteAsync_LastKeyOfAFolder_RemovesTheEmptyFoldersSoTheNameIsFreeAgain()
    {
        // Regression: deleting a/b left the folder a/, and writing the key a then failed as a key/folder conflict.
        var store = new FileSystemObjectStore(_root);
        await store.WriteAsync("a/b/c.json", BinaryData.FromString("x"));
        await store.WriteAsync("a/keep.json", BinaryData.FromString("x"));

        await store.DeleteAsync("a/b/c.json");

        Assert.That(Directory.Exists(Path.Combine(_root, "a", "b")), Is.False);
        Assert.That(Directory.Exists(Path.Combine(_root, "a")), Is.True, "a folder with keys left stays");
        await store.WriteAsync("a/b", BinaryData.FromString("now an object"));
        Directory.CreateDirectory(Path.Combine(_root, "x", "empty"));
        await store.WriteAsync("x/empty", BinaryData.FromString("an empty folder is no obstacle"));
        Assert.That((await store.ReadAsync("x/empty"))!.Content.ToString(), Does.StartWith("an empty folder"));
    }

    [Test]
    public async Task WriteAndDelete_ManyThreadsInOneFolder_NeverFailWhileTheFolderComesAndGoes()
    {
        // Regression: a delete of a folder's last key removes the folder; a write whose rename into it failed for that
        // reason was retried only for DirectoryNotFoundException, but when another writer had recreated the folder by
        // the time .NET looked, the same failure surfaced as FileNotFoundException (seen with heartbeats of parallel runs).
        var store = new FileSystemObjectStore(_root);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var until = DateTime.UtcNow.AddSeconds(3);
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            for (var i = 0; DateTime.UtcNow < until; i++)
            {
                try
                {
                    var key = $"beats/{t}-{i}";
                    store.WriteAsync(key, BinaryData.FromString("{}")).GetAwaiter().GetResult();
                    store.DeleteAsync(key).GetAwaiter().GetResult();
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
            }
        })).ToList();

        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.That(failures, Is.Empty, () => string.Join("\n", failures.Take(3)));
        await store.WriteAsync("beats/last", BinaryData.FromString("{}"));
        Assert.That(await store.ListAsync("beats/").CountAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task UploadFileAsync_OldSourceFileWaitingForTheLock_IsNotSweptByAStoreOpeningMeanwhile()
    {
        // Regression: the copy in .tmp/ kept the source's old time stamp, so a store opened meanwhile (another process)
        // took it for abandoned and deleted it, and the upload failed.
        var source = Path.Combine(_root, "..", $"old-{Guid.NewGuid():N}.csv");
        await File.WriteAllLinesAsync(source, ["date,delay", "2001/01/01,3"]);
        File.SetLastWriteTimeUtc(source, DateTime.UtcNow.AddDays(-30));
        var store = new FileSystemObjectStore(_root);
        var other = new StripedFileLock(Path.Combine(_root, ".locks"));
        try
        {
            Task<ObjectProperties> upload;
            using (await other.AcquireAsync("datasets/old.csv", TimeSpan.FromSeconds(5), CancellationToken.None))
            {
                upload = store.UploadFileAsync("datasets/old.csv", source);
                await Task.Delay(200); // the copy is in .tmp/, waiting for the lock
                _ = new FileSystemObjectStore(_root); // sweeps abandoned temporary files
            }

            Assert.That((await upload).Size, Is.EqualTo(new FileInfo(source).Length));
        }
        finally
        {
            File.Delete(source);
        }
    }

    [Test]
    public async Task DownloadToAsync_DestinationFails_ReportsTheDestinationsErrorNotAStoreFailure()
    {
        var store = new FileSystemObjectStore(_root);
        await store.UploadAsync("blob.bin", new TestContentStream(3 << 20, 1));

        Assert.ThrowsAsync<IOException>(() => store.DownloadToAsync("blob.bin", new FailingWriteStream()));
    }

    [Test]
    public async Task Locks_KeysDifferingOnlyInCase_ShareALock()
    {
        // On a case-insensitive file system (Windows, macOS) they are one file, so they must be one lock.
        var locks = new StripedFileLock(Path.Combine(_root, ".locks"));
        using (await locks.AcquireAsync("models/Churn/versions/1.json", TimeSpan.FromSeconds(1), CancellationToken.None))
        {
            Assert.ThrowsAsync<ObjectStoreException>(async () =>
            {
                using var second = await locks.AcquireAsync("models/churn/versions/1.json", TimeSpan.FromMilliseconds(100), CancellationToken.None);
            });
        }
    }

    /// <summary>A clock that never moves.</summary>
    private sealed class FrozenClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>A destination that fails like a full disk.</summary>
    private sealed class FailingWriteStream : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => 0;

        public override long Position
        {
            get => 0;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("No space left on device.");

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Yields some bytes, then fails like a broken network stream.</summary>
    private sealed class FailingStream(int failAfter) : Stream
    {
        private readonly TestContentStream _inner = new(long.MaxValue, 1);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _inner.Position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
            => _inner.Position >= failAfter ? throw new IOException("The connection was reset.") : _inner.Read(buffer, offset, Math.Min(count, 65536));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
