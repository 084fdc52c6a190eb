using System.Globalization;
using Azure;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Storage;

/// <summary>
/// The contract every <see cref="ObjectStore"/> provider keeps. The fixture runs once per value of
/// <see cref="StoreKind"/>, so a provider cannot opt out; <see cref="Contract_CoversEveryProviderInTheSdk"/> fails when
/// the SDK gains a provider the enumeration does not name.
/// </summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class ObjectStoreContractTests(StoreKind kind)
{
    private TestStore _test = null!;

    private ObjectStore Store => _test.Store;

    [SetUp]
    public async Task SetUp() => _test = await TestStore.CreateAsync(kind);

    [TearDown]
    public async Task TearDown() => await _test.DisposeAsync();

    [Test]
    public void Contract_CoversEveryProviderInTheSdk()
    {
        var providers = typeof(ObjectStore).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(ObjectStore)) && !t.IsAbstract && t.IsPublic);
        Assert.That(TestStores.ProviderTypes.Values, Is.EquivalentTo(providers));
        Assert.That(Store, Is.InstanceOf(TestStores.ProviderTypes[kind]));
    }

    [Test]
    public async Task ReadAsync_MissingKey_ReturnsNull()
    {
        Assert.That(await Store.ReadAsync("missing/key.json"), Is.Null);
        Assert.That(await Store.GetPropertiesAsync("missing/key.json"), Is.Null);
    }

    [Test]
    public void StreamedReads_MissingKey_ThrowObjectNotFoundNamingTheKey()
    {
        var open = Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.OpenReadAsync("missing/blob.bin"));
        Assert.That(open!.Key, Is.EqualTo("missing/blob.bin"));
        Assert.That(open.Message, Does.Contain("missing/blob.bin"));

        var download = Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.DownloadToAsync("missing/blob.bin", new MemoryStream()));
        Assert.That(download!.Key, Is.EqualTo("missing/blob.bin"));
    }

    [Test]
    public async Task WriteAsync_ThenRead_ReturnsContentWithTheWrittenETag()
    {
        var before = DateTimeOffset.UtcNow.AddMinutes(-5);
        var written = await Store.WriteAsync("runs/r1/run.json", BinaryData.FromString("{\"status\":\"Running\"}"));

        var read = await Store.ReadAsync("runs/r1/run.json");
        var properties = await Store.GetPropertiesAsync("runs/r1/run.json");

        Assert.That(read, Is.Not.Null);
        Assert.That(read!.Content.ToString(), Is.EqualTo("{\"status\":\"Running\"}"));
        Assert.That(read.ETag, Is.EqualTo(written.ETag));
        Assert.That(properties!.ETag, Is.EqualTo(written.ETag));
        Assert.That(written.Size, Is.EqualTo(20));
        Assert.That(properties.Size, Is.EqualTo(20));
        Assert.That(written.Key, Is.EqualTo("runs/r1/run.json"));
        Assert.That(properties.LastModified, Is.GreaterThan(before).And.LessThan(DateTimeOffset.UtcNow.AddMinutes(5)));
    }

    [Test]
    public async Task WriteAsync_EmptyContent_RoundTrips()
    {
        await Store.WriteAsync("empty", BinaryData.Empty);

        var read = await Store.ReadAsync("empty");
        await using var stream = await Store.OpenReadAsync("empty");

        Assert.That(read!.Content.ToArray(), Is.Empty);
        Assert.That(read.Properties.Size, Is.Zero);
        Assert.That(stream.ReadByte(), Is.EqualTo(-1));
    }

    [Test]
    public async Task WriteAsync_UnicodeAndSpacesInKey_RoundTripsAndLists()
    {
        const string key = "datasets/wetter daten/ä ö ü 東京.json";
        await Store.WriteAsync(key, BinaryData.FromString("x"));

        Assert.That((await Store.ReadAsync(key))!.Content.ToString(), Is.EqualTo("x"));
        var listed = await Store.ListAsync("datasets/").Select(p => p.Key).ToListAsync();
        Assert.That(listed, Is.EqualTo(new[] { key }));
    }

    [Test]
    public async Task WriteAsync_EveryWrite_ChangesTheETag()
    {
        var etags = new List<ETag>();
        for (var i = 0; i < 20; i++)
        {
            // The same size every time, and the same content twice in a row: the ETag must change anyway.
            etags.Add((await Store.WriteAsync("status.json", BinaryData.FromString(i / 2 % 2 == 0 ? "aaaa" : "bbbb"))).ETag);
        }

        Assert.That(etags, Is.Unique);
        Assert.That((await Store.GetPropertiesAsync("status.json"))!.ETag, Is.EqualTo(etags[^1]));
    }

    [Test]
    public async Task WriteAsync_IfNotExistsOnExistingObject_ThrowsAndKeepsTheObject()
    {
        var first = await Store.WriteAsync("models/churn/versions/1.json", BinaryData.FromString("first"), WriteCondition.IfNotExists);

        var ex = Assert.ThrowsAsync<PreconditionFailedException>(
            () => Store.WriteAsync("models/churn/versions/1.json", BinaryData.FromString("second"), WriteCondition.IfNotExists));

        Assert.That(ex!.Key, Is.EqualTo("models/churn/versions/1.json"));
        Assert.That(ex.Condition, Is.EqualTo(WriteCondition.IfNotExists));
        Assert.That(ex.Message, Does.Contain("models/churn/versions/1.json").And.Contain("already exists"));
        var current = await Store.ReadAsync("models/churn/versions/1.json");
        Assert.That(current!.Content.ToString(), Is.EqualTo("first"));
        Assert.That(current.ETag, Is.EqualTo(first.ETag));
    }

    [Test]
    public async Task WriteAsync_IfMatchCurrentETag_Replaces()
    {
        var first = await Store.WriteAsync("aliases/production.json", BinaryData.FromString("v1"));

        var second = await Store.WriteAsync("aliases/production.json", BinaryData.FromString("v2"), WriteCondition.IfMatch(first.ETag));

        Assert.That(second.ETag, Is.Not.EqualTo(first.ETag));
        Assert.That((await Store.ReadAsync("aliases/production.json"))!.Content.ToString(), Is.EqualTo("v2"));
    }

    [Test]
    public async Task WriteAsync_IfMatchStaleETag_ThrowsAndKeepsTheNewerVersion()
    {
        var first = await Store.WriteAsync("aliases/production.json", BinaryData.FromString("v1"));
        await Store.WriteAsync("aliases/production.json", BinaryData.FromString("v2"), WriteCondition.IfMatch(first.ETag));

        var ex = Assert.ThrowsAsync<PreconditionFailedException>(
            () => Store.WriteAsync("aliases/production.json", BinaryData.FromString("v3"), WriteCondition.IfMatch(first.ETag)));

        Assert.That(ex!.Condition.Kind, Is.EqualTo(WriteConditionKind.IfMatch));
        Assert.That((await Store.ReadAsync("aliases/production.json"))!.Content.ToString(), Is.EqualTo("v2"));
    }

    [Test]
    public async Task WriteAsync_IfMatchOnMissingObject_Throws()
    {
        var written = await Store.WriteAsync("gone.json", BinaryData.FromString("x"));
        await Store.DeleteAsync("gone.json");

        Assert.ThrowsAsync<PreconditionFailedException>(
            () => Store.WriteAsync("gone.json", BinaryData.FromString("y"), WriteCondition.IfMatch(written.ETag)));
        Assert.That(await Store.ReadAsync("gone.json"), Is.Null);
    }

    [Test]
    public async Task UploadAsync_IfNotExistsOnExistingObject_ThrowsAndKeepsTheObject()
    {
        await Store.WriteAsync("blob", BinaryData.FromString("kept"));

        Assert.ThrowsAsync<PreconditionFailedException>(
            () => Store.UploadAsync("blob", new TestContentStream(100_000, 1), WriteCondition.IfNotExists));

        Assert.That((await Store.ReadAsync("blob"))!.Content.ToString(), Is.EqualTo("kept"));
    }

    [Test]
    public async Task DeleteAsync_Missing_ReturnsFalse()
        => Assert.That(await Store.DeleteAsync("never/written"), Is.False);

    [Test]
    public async Task DeleteAsync_Existing_RemovesIt()
    {
        await Store.WriteAsync("a/b.json", BinaryData.FromString("x"));

        Assert.That(await Store.DeleteAsync("a/b.json"), Is.True);
        Assert.That(await Store.ReadAsync("a/b.json"), Is.Null);
        Assert.That(await Store.ListAsync("a/").ToListAsync(), Is.Empty);
    }

    [Test]
    public async Task DeleteAsync_StaleETag_ThrowsAndKeepsTheObject()
    {
        var first = await Store.WriteAsync("lease.json", BinaryData.FromString("1"));
        await Store.WriteAsync("lease.json", BinaryData.FromString("2"));

        var ex = Assert.ThrowsAsync<PreconditionFailedException>(() => Store.DeleteAsync("lease.json", first.ETag));

        Assert.That(ex!.Key, Is.EqualTo("lease.json"));
        Assert.That((await Store.ReadAsync("lease.json"))!.Content.ToString(), Is.EqualTo("2"));
    }

    [Test]
    public void DeleteAsync_EmptyOrWildcardETag_ThrowsNamingTheParameter()
    {
        var empty = Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync("x", default(ETag)));
        var all = Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync("x", ETag.All));

        Assert.That(empty!.ParamName, Is.EqualTo("ifMatch"));
        Assert.That(all!.ParamName, Is.EqualTo("ifMatch"));
    }

    [Test]
    public async Task DeleteAsync_CurrentETag_Deletes()
    {
        var current = await Store.WriteAsync("lease.json", BinaryData.FromString("1"));

        Assert.That(await Store.DeleteAsync("lease.json", current.ETag), Is.True);
        Assert.That(await Store.GetPropertiesAsync("lease.json"), Is.Null);
    }

    [Test]
    public async Task WriteAsync_IfNotExistsFromParallelTasks_ExactlyOneWinsEachKey()
    {
        const int Writers = 16;
        const int Keys = 20;
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            start.Wait();
            var won = new List<int>();
            for (var k = 0; k < Keys; k++)
            {
                try
                {
                    await Store.WriteAsync($"trials/{k}.json", BinaryData.FromString(w.ToString(CultureInfo.InvariantCulture)), WriteCondition.IfNotExists);
                    won.Add(k);
                }
                catch (PreconditionFailedException)
                {
                }
            }

            return (Writer: w, Won: won);
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(tasks);

        var wins = results.SelectMany(r => r.Won.Select(k => (Key: k, r.Writer))).ToList();
        Assert.That(wins.Select(w => w.Key), Is.EquivalentTo(Enumerable.Range(0, Keys)), "every key won exactly once");
        foreach (var (key, writer) in wins)
        {
            Assert.That((await Store.ReadAsync($"trials/{key}.json"))!.Content.ToString(), Is.EqualTo(writer.ToString(CultureInfo.InvariantCulture)));
        }
    }

    [Test]
    public async Task WriteAsync_IfMatchFromParallelWriters_LosesNoUpdate()
    {
        const int Writers = 8;
        const int Increments = 25;
        var tasks = Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < Increments; i++)
            {
                while (true)
                {
                    var current = await Store.ReadAsync("counter");
                    var value = current is null ? 0 : int.Parse(current.Content.ToString(), CultureInfo.InvariantCulture);
                    var condition = current is null ? WriteCondition.IfNotExists : WriteCondition.IfMatch(current.ETag);
                    try
                    {
                        await Store.WriteAsync("counter", BinaryData.FromString((value + 1).ToString(CultureInfo.InvariantCulture)), condition);
                        break;
                    }
                    catch (PreconditionFailedException)
                    {
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);

        Assert.That((await Store.ReadAsync("counter"))!.Content.ToString(), Is.EqualTo((Writers * Increments).ToString(CultureInfo.InvariantCulture)));
    }

    [Test]
    public async Task ListAsync_MoreThan5000Keys_PagesInKeyOrderWithoutGapsOrDuplicates()
    {
        const int Count = 5_150;
        var keys = Enumerable.Range(0, Count).Select(i => $"runs/{i % 7}/{i:x5}.json").ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (key, ct) =>
            await Store.WriteAsync(key, BinaryData.FromString(key), cancellationToken: ct));
        await Store.WriteAsync("other/outside.json", BinaryData.FromString("not under the prefix"));
        await Store.WriteAsync("runsx/outside.json", BinaryData.FromString("shares the prefix string only up to 'runs'"));

        var pages = new List<ObjectPage>();
        string? token = null;
        do
        {
            var page = await Store.ListPageAsync("runs/", token, pageSizeHint: 1000);
            pages.Add(page);
            token = page.ContinuationToken;
        }
        while (token is not null);

        var listed = pages.SelectMany(p => p.Items).ToList();
        Assert.That(pages, Has.Count.GreaterThanOrEqualTo(6));
        Assert.That(pages.Select(p => p.Items.Count), Has.All.LessThanOrEqualTo(1000));
        Assert.That(listed.Select(p => p.Key), Is.EqualTo(keys.Order(StringComparer.Ordinal)), "all keys, once each, in ordinal order");
        Assert.That(listed, Has.All.Matches<ObjectProperties>(p => p.Size == p.Key.Length && p.ETag != default && p.LastModified > DateTimeOffset.UnixEpoch));

        var all = await Store.ListAsync(string.Empty).CountAsync();
        Assert.That(all, Is.EqualTo(Count + 2));
        var partialSegment = await Store.ListAsync("runs/3/0").Select(p => p.Key).ToListAsync();
        Assert.That(partialSegment, Is.EqualTo(keys.Where(k => k.StartsWith("runs/3/0", StringComparison.Ordinal)).Order(StringComparer.Ordinal)));
    }

    [Test]
    public async Task ListPageAsync_ContinuationToken_ResumesAfterTheLastKey()
    {
        foreach (var key in new[] { "p/a", "p/b", "p/c", "p/d", "p/e" })
        {
            await Store.WriteAsync(key, BinaryData.FromString(key));
        }

        var first = await Store.ListPageAsync("p/", pageSizeHint: 2);
        var second = await Store.ListPageAsync("p/", first.ContinuationToken, pageSizeHint: 2);
        var third = await Store.ListPageAsync("p/", second.ContinuationToken, pageSizeHint: 2);

        Assert.That(first.Items.Select(i => i.Key), Is.EqualTo(new[] { "p/a", "p/b" }));
        Assert.That(second.Items.Select(i => i.Key), Is.EqualTo(new[] { "p/c", "p/d" }));
        Assert.That(third.Items.Select(i => i.Key), Is.EqualTo(new[] { "p/e" }));
        Assert.That(third.ContinuationToken, Is.Null);
    }

    [Test]
    public async Task ListAsync_EmptyStoreOrUnknownPrefix_ReturnsNothing()
    {
        Assert.That(await Store.ListAsync(string.Empty).ToListAsync(), Is.Empty);
        await Store.WriteAsync("x/y", BinaryData.FromString("1"));
        Assert.That(await Store.ListAsync("nothing/here/").ToListAsync(), Is.Empty);
    }

    [Test]
    public void ListPageAsync_PageSizeOutOfRange_Throws()
    {
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ListPageAsync("x/", pageSizeHint: 0));
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ListPageAsync("x/", pageSizeHint: ObjectStore.MaxPageSize + 1));
    }

    [Test]
    public async Task UploadAsync_256MiBStream_RoundTripsWithMatchingHashInBoundedMemory()
    {
        const long Size = 256L * 1024 * 1024;
        var expected = TestContentStream.Sha256Hex(Size, seed: 42);

        var sampler = MemorySampler.Start();
        ObjectProperties uploaded;
        try
        {
            uploaded = await Store.UploadAsync("cas/big.bin", new TestContentStream(Size, seed: 42), WriteCondition.IfNotExists);
        }
        finally
        {
            await sampler.DisposeAsync();
        }

        var uploadGrowth = sampler.PeakGrowth;
        var sink = new HashingSinkStream();
        sampler = MemorySampler.Start();
        ObjectProperties downloaded;
        try
        {
            downloaded = await Store.DownloadToAsync("cas/big.bin", sink);
        }
        finally
        {
            await sampler.DisposeAsync();
        }

        var downloadGrowth = sampler.PeakGrowth;
        TestContext.Out.WriteLine($"{kind}: heap grew at most {uploadGrowth >> 20} MiB uploading and {downloadGrowth >> 20} MiB downloading {Size >> 20} MiB");
        Assert.That(uploaded.Size, Is.EqualTo(Size));
        Assert.That(downloaded.Size, Is.EqualTo(Size));
        Assert.That(downloaded.ETag, Is.EqualTo(uploaded.ETag));
        Assert.That(sink.BytesWritten, Is.EqualTo(Size));
        Assert.That(sink.Sha256Hex(), Is.EqualTo(expected));

        // The in-memory store holds the content itself; the others must stream it.
        var allowance = kind == StoreKind.InMemory ? Size + (96L << 20) : 96L << 20;
        Assert.That(uploadGrowth, Is.LessThan(allowance), "upload buffered the content");
        Assert.That(downloadGrowth, Is.LessThan(96L << 20), "download buffered the content");
    }

    [Test]
    public async Task OpenReadAsync_ReadsTheWholeObject()
    {
        const int Size = 3 * 1024 * 1024 + 17;
        await Store.UploadAsync("blob.bin", new TestContentStream(Size, seed: 7));

        await using var stream = await Store.OpenReadAsync("blob.bin");
        var sink = new HashingSinkStream();
        await stream.CopyToAsync(sink);

        Assert.That(sink.Sha256Hex(), Is.EqualTo(TestContentStream.Sha256Hex(Size, 7)));
    }

    [Test]
    public async Task UploadFileAsync_RoundTrips()
    {
        var path = Path.GetTempFileName();
        try
        {
            TestContentStream.WriteFile(path, 5_000_000, seed: 3);

            var uploaded = await Store.UploadFileAsync("files/data.bin", path, WriteCondition.IfNotExists);
            var sink = new HashingSinkStream();
            await Store.DownloadToAsync("files/data.bin", sink);

            Assert.That(uploaded.Size, Is.EqualTo(5_000_000));
            Assert.That(sink.Sha256Hex(), Is.EqualTo(TestContentStream.Sha256Hex(5_000_000, 3)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task Uploads_ExpectedSha256_StoreOnlyContentThatHasIt()
    {
        var path = Path.GetTempFileName();
        try
        {
            TestContentStream.WriteFile(path, 3_000_000, seed: 8);
            var right = ContentHash.Parse(TestContentStream.Sha256Hex(3_000_000, 8));
            var wrong = ContentHash.Compute("something else"u8);

            var fromStream = Assert.ThrowsAsync<ContentChangedException>(() => Store.UploadAsync("s.bin", new TestContentStream(3_000_000, 8), new UploadOptions { ExpectedSha256 = wrong }));
            var fromFile = Assert.ThrowsAsync<ContentChangedException>(() => Store.UploadFileAsync("f.bin", path, new UploadOptions { ExpectedSha256 = wrong }));
            var stored = await Store.UploadFileAsync("ok.bin", path, new UploadOptions { Condition = WriteCondition.IfNotExists, ExpectedSha256 = right });

            Assert.That(fromStream!.First, Is.EqualTo(wrong));
            Assert.That(fromStream.Second, Is.EqualTo(right));
            Assert.That(fromFile!.Second, Is.EqualTo(right));
            Assert.That(fromFile.Message, Does.Contain(path));
            Assert.That(stored.Size, Is.EqualTo(3_000_000));
            Assert.That(await Store.ListAsync(string.Empty).Select(p => p.Key).ToListAsync(), Is.EqualTo(new[] { "ok.bin" }), "nothing else was stored");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void UploadFileAsync_MissingFile_ThrowsFileNotFound()
    {
        var ex = Assert.ThrowsAsync<FileNotFoundException>(() => Store.UploadFileAsync("x", "/no/such/file.bin"));
        Assert.That(ex!.Message, Does.Contain("/no/such/file.bin"));
    }

    [TestCaseSource(typeof(BadKeys), nameof(BadKeys.Cases))]
    public async Task EveryOperation_BadKey_ThrowsArgumentExceptionNamingIt(string key, string reason)
    {
        await Store.WriteAsync("existing", BinaryData.FromString("kept"));
        var operations = new Dictionary<string, Func<Task>>
        {
            ["GetPropertiesAsync"] = () => Store.GetPropertiesAsync(key),
            ["ReadAsync"] = () => Store.ReadAsync(key),
            ["WriteAsync"] = () => Store.WriteAsync(key, BinaryData.FromString("x")),
            ["UploadAsync"] = () => Store.UploadAsync(key, new MemoryStream([1])),
            ["OpenReadAsync"] = () => Store.OpenReadAsync(key),
            ["DownloadToAsync"] = () => Store.DownloadToAsync(key, new MemoryStream()),
            ["DeleteAsync"] = () => Store.DeleteAsync(key),
        };

        foreach (var (name, operation) in operations)
        {
            var ex = Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => operation(), name);
            Assert.That(ex!.Message, Does.Contain(reason), name);
            Assert.That(((ArgumentException)ex).ParamName, Is.EqualTo("key"), name);
        }

        var everything = await Store.ListAsync(string.Empty).Select(p => p.Key).ToListAsync();
        Assert.That(everything, Is.EqualTo(new[] { "existing" }), "a rejected key changes nothing");
    }

    [Test]
    public void EveryOperation_NullArguments_ThrowArgumentNullException()
    {
        Assert.ThrowsAsync<ArgumentNullException>(() => Store.ReadAsync(null!));
        Assert.ThrowsAsync<ArgumentNullException>(() => Store.WriteAsync("k", null!));
        Assert.ThrowsAsync<ArgumentNullException>(() => Store.UploadAsync("k", null!));
        Assert.ThrowsAsync<ArgumentNullException>(() => Store.DownloadToAsync("k", null!));
        Assert.ThrowsAsync<ArgumentNullException>(() => Store.ListPageAsync(null!));
    }

    [Test]
    public void ListAsync_BadPrefix_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() => Store.ListAsync("../up"));
        Assert.That(ex!.Message, Does.Contain("'../up'"));
        Assert.ThrowsAsync<ArgumentException>(() => Store.ListPageAsync("/absolute"));
    }

    [Test]
    public void WriteAsync_CancelledToken_ThrowsOperationCanceledAndWritesNothing()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.That(
            async () => await Store.WriteAsync("cancelled", BinaryData.FromString("x"), cancellationToken: cancelled.Token),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(async () => await Store.GetPropertiesAsync("cancelled"), Is.Null);
    }
}

/// <summary>Keys every provider rejects, and the words the rejection must contain.</summary>
public static class BadKeys
{
    public static IEnumerable<TestCaseData> Cases =>
    [
        new TestCaseData(string.Empty, "is empty").SetArgDisplayNames("empty"),
        new TestCaseData("/etc/passwd", "absolute").SetArgDisplayNames("absolute"),
        new TestCaseData("runs/../../secrets", "'..' segment").SetArgDisplayNames("dot-dot"),
        new TestCaseData("..", "'..' segment").SetArgDisplayNames("only-dot-dot"),
        new TestCaseData("runs/./x", "'.' segment").SetArgDisplayNames("dot"),
        new TestCaseData("runs\\x", "backslash").SetArgDisplayNames("backslash"),
        new TestCaseData("runs/a\u0001b", "control character U+0001").SetArgDisplayNames("control"),
        new TestCaseData("runs/a\nb", "control character U+000A").SetArgDisplayNames("newline"),
        new TestCaseData("runs//x", "empty segment").SetArgDisplayNames("double-slash"),
        new TestCaseData("runs/", "ends with '/'").SetArgDisplayNames("trailing-slash"),
        new TestCaseData("c:/x", "':'").SetArgDisplayNames("colon"),
        new TestCaseData("runs/x.", "ends with '.'").SetArgDisplayNames("trailing-dot"),
        new TestCaseData(".tmp/x", "reserved").SetArgDisplayNames("reserved"),
        new TestCaseData(new string('k', 1025), "limit is 1024").SetArgDisplayNames("too-long"),
        new TestCaseData("runs/" + new string('s', 256), "limit is 255").SetArgDisplayNames("segment-too-long"),
    ];
}
