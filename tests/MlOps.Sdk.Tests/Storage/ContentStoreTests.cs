using System.Security.Cryptography;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Storage;

/// <summary>The content store over every provider: addressing, deduplication and verification on read.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class ContentStoreTests(StoreKind kind)
{
    private TestStore _test = null!;
    private CountingObjectStore _counting = null!;
    private ContentStore _content = null!;
    private string _scratch = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _counting = new CountingObjectStore(_test.Store);
        _scratch = Directory.CreateTempSubdirectory("mlops-content-").FullName;
        _content = new ContentStore(_counting, new ContentCacheOptions { Path = Path.Combine(_scratch, "cache") });
    }

    [TearDown]
    public async Task TearDown()
    {
        Directory.Delete(_scratch, recursive: true);
        await _test.DisposeAsync();
    }

    [Test]
    public async Task PutAsync_Bytes_StoresUnderTheFullSha256()
    {
        var info = await _content.PutAsync(BinaryData.FromString("abc"));

        const string Sha256OfAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        Assert.That(info.Hash.ToString(), Is.EqualTo(Sha256OfAbc));
        Assert.That(info.Length, Is.EqualTo(3));
        Assert.That(info.Uploaded, Is.True);
        Assert.That(ContentStore.GetKey(info.Hash), Is.EqualTo($"cas/sha256/ba/{Sha256OfAbc}"));
        Assert.That((await _test.Store.ReadAsync($"cas/sha256/ba/{Sha256OfAbc}"))!.Content.ToString(), Is.EqualTo("abc"));
    }

    [Test]
    public async Task PutAsync_SameContentAgain_UploadsNothing()
    {
        var bytes = RandomNumberGenerator.GetBytes(1 << 20);
        var file = Path.Combine(_scratch, "same.bin");
        await File.WriteAllBytesAsync(file, bytes);

        var first = await _content.PutAsync(BinaryData.FromBytes(bytes));
        var writesAfterFirst = _counting.Writes;
        var again = await _content.PutAsync(BinaryData.FromBytes(bytes));
        var fromFile = await _content.PutFileAsync(file);
        var fromStream = await _content.PutAsync(new MemoryStream(bytes));
        var fromNonSeekable = await _content.PutAsync(new NonSeekableStream(new MemoryStream(bytes)));

        Assert.That(first.Uploaded, Is.True);
        Assert.That(new[] { again, fromFile, fromStream, fromNonSeekable }.Select(i => i.Uploaded), Has.All.False);
        Assert.That(new[] { again, fromFile, fromStream, fromNonSeekable }.Select(i => i.Hash), Has.All.EqualTo(first.Hash));
        Assert.That(_counting.Writes, Is.EqualTo(writesAfterFirst), "no bytes were sent again");
        Assert.That(await _test.Store.ListAsync("cas/").CountAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task PutAsync_StreamFromItsPosition_StoresTheRest()
    {
        var stream = new MemoryStream("headerbody"u8.ToArray()) { Position = 6 };

        var info = await _content.PutAsync(stream);

        Assert.That(info.Hash, Is.EqualTo(ContentHash.Compute("body"u8)));
        Assert.That((await _content.ReadAsync(info.Hash)).ToString(), Is.EqualTo("body"));
    }

    [Test]
    public async Task PutAsync_ConcurrentPutsOfTheSameContent_StoreItOnceAndAllSucceed()
    {
        var bytes = RandomNumberGenerator.GetBytes(300_000);

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(() => _content.PutAsync(BinaryData.FromBytes(bytes)))));

        Assert.That(results.Select(r => r.Hash).Distinct().Count(), Is.EqualTo(1));
        Assert.That(results.Count(r => r.Uploaded), Is.EqualTo(1), "exactly one put uploaded");
        Assert.That((await _content.ReadAsync(results[0].Hash)).ToArray(), Is.EqualTo(bytes));
    }

    [Test]
    public async Task PutFileAsync_LargeFile_RoundTripsThroughEveryReadPath()
    {
        const long Size = 40L << 20;
        var file = Path.Combine(_scratch, "big.bin");
        TestContentStream.WriteFile(file, Size, seed: 11);
        var expected = TestContentStream.Sha256Hex(Size, 11);

        var info = await _content.PutFileAsync(file);
        await using (var stream = await _content.OpenReadAsync(info.Hash))
        {
            var sink = new HashingSinkStream();
            await stream.CopyToAsync(sink);
            Assert.That(sink.Sha256Hex(), Is.EqualTo(expected));
        }

        var copy = Path.Combine(_scratch, "out", "copy.bin");
        await _content.DownloadToFileAsync(info.Hash, copy);

        Assert.That(info.Hash.ToString(), Is.EqualTo(expected));
        Assert.That(info.Length, Is.EqualTo(Size));
        Assert.That(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(copy))), Is.EqualTo(expected));
        Assert.That(await _content.ExistsAsync(info.Hash), Is.True);
    }

    [Test]
    public void ReadAsync_MissingContent_ThrowsContentNotFoundNamingTheHash()
    {
        var hash = ContentHash.Compute("never stored"u8);

        var ex = Assert.ThrowsAsync<ContentNotFoundException>(() => _content.ReadAsync(hash));
        Assert.ThrowsAsync<ContentNotFoundException>(() => _content.OpenReadAsync(hash));
        Assert.ThrowsAsync<ContentNotFoundException>(() => _content.DownloadToFileAsync(hash, Path.Combine(_scratch, "x")));

        Assert.That(ex!.Hash, Is.EqualTo(hash));
        Assert.That(ex.Message, Does.Contain(hash.ToString()));
    }

    [Test]
    public async Task Reads_CorruptStoredContent_ThrowIntegrityExceptionAndHandOverNothing()
    {
        var info = await _content.PutAsync(BinaryData.FromString("the model bytes"));
        var key = ContentStore.GetKey(info.Hash);
        await _test.Store.WriteAsync(key, BinaryData.FromString("the model bytez"));
        var target = Path.Combine(_scratch, "model.zip");
        await File.WriteAllTextAsync(target, "the previous model");

        var read = Assert.ThrowsAsync<ContentIntegrityException>(() => _content.ReadAsync(info.Hash));
        var download = Assert.ThrowsAsync<ContentIntegrityException>(() => _content.DownloadToFileAsync(info.Hash, target));
        var stream = Assert.ThrowsAsync<ContentIntegrityException>(async () =>
        {
            await using var opened = await _content.OpenReadAsync(info.Hash);
            await opened.CopyToAsync(Stream.Null);
        });

        Assert.That(read!.Expected, Is.EqualTo(info.Hash));
        Assert.That(read.Actual, Is.EqualTo(ContentHash.Compute("the model bytez"u8)));
        Assert.That(read.Message, Does.Contain(info.Hash.ToString()));
        Assert.That(download, Is.Not.Null);
        Assert.That(stream, Is.Not.Null);

        // Regression: a caller reading exactly Length bytes never reached the end-of-stream read that checked the hash.
        // (A cached store verifies while it fills the cache, so there the open itself fails.)
        Assert.ThrowsAsync<ContentIntegrityException>(async () =>
        {
            await using var exact = await _content.OpenReadAsync(info.Hash);
            exact.ReadExactly(new byte[exact.Length]);
        });

        Assert.That(await File.ReadAllTextAsync(target), Is.EqualTo("the previous model"), "the target file was not replaced");
        Assert.That(Directory.GetFiles(_scratch, "*.partial"), Is.Empty);
    }

    [Test]
    public async Task PutAsync_StoredCopyOfTheWrongSize_IsReplaced()
    {
        var bytes = RandomNumberGenerator.GetBytes(400_000);
        var hash = ContentHash.Compute(bytes);
        await _test.Store.WriteAsync(ContentStore.GetKey(hash), BinaryData.FromBytes(bytes.AsSpan(0, 1000).ToArray()));

        var info = await _content.PutAsync(BinaryData.FromBytes(bytes));

        Assert.That(info.Uploaded, Is.True);
        Assert.That((await _content.ReadAsync(hash)).ToArray(), Is.EqualTo(bytes));
    }

    [Test]
    public async Task PutAsync_ContentChangesBetweenHashAndUpload_ThrowsAndStoresNothing()
    {
        // Regression: the put hashed the content, then uploaded whatever it read the second time, so bytes that changed
        // in between were stored under the first hash for good.
        var changing = new ChangingStream("the training data, first version"u8.ToArray(), "the training data, edited meanwhile"u8.ToArray());

        var ex = Assert.ThrowsAsync<ContentChangedException>(() => _content.PutAsync(changing));

        Assert.That(ex!.First, Is.EqualTo(ContentHash.Compute("the training data, first version"u8)));
        Assert.That(ex.Second, Is.EqualTo(ContentHash.Compute("the training data, edited meanwhile"u8)));
        Assert.That(await _test.Store.ListAsync("cas/").ToListAsync(), Is.Empty, "nothing was stored");
    }

    [Test]
    public void PutFileAsync_MissingFile_ThrowsFileNotFound()
        => Assert.ThrowsAsync<FileNotFoundException>(() => _content.PutFileAsync(Path.Combine(_scratch, "nope.csv")));

    /// <summary>A seekable stream whose content is different the second time it is read from the start, like a file being written.</summary>
    private sealed class ChangingStream(byte[] first, byte[] second) : Stream
    {
        private int _passes;
        private MemoryStream _current = new(first);

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => _current.Length;

        public override long Position
        {
            get => _current.Position;
            set
            {
                if (value == 0 && ++_passes == 1)
                {
                    _current = new MemoryStream(second);
                }

                _current.Position = value;
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => _current.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => Position = origin == SeekOrigin.Begin ? offset : _current.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A stream that hides its ability to seek, like a network response.</summary>
    private sealed class NonSeekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
