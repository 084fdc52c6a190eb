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
