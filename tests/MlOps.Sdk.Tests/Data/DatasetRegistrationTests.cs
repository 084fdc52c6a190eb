using System.Security.Cryptography;
using MlOps.Sdk.Data;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Data;

/// <summary>Registering files and folders as content-addressed versions, on every provider.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class DatasetRegistrationTests(StoreKind kind)
{
    private TestStore _test = null!;
    private DataSandbox _sandbox = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
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
    public async Task RegisterFileAsync_SameContentAgain_ReturnsTheSameVersionAndStoresNothing()
    {
        var path = _sandbox.Write("flights.bin", RandomBytes(200_000, seed: 1));

        var first = await _client.Datasets.RegisterFileAsync("flights", path);
        var keys = await AllKeysAsync();
        var again = await _client.Datasets.RegisterFileAsync("flights", path);

        Assert.That(first.Created, Is.True);
        Assert.That(first.Version, Is.EqualTo(1));
        Assert.That(again.Created, Is.False);
        Assert.That(again.Version, Is.EqualTo(1));
        Assert.That(again.Identity, Is.EqualTo(first.Identity));
        Assert.That(await AllKeysAsync(), Is.EqualTo(keys), "nothing new is stored");
    }

    [Test]
    public async Task RegisterFileAsync_SameBytesFromAnotherFolder_IsTheSameVersion()
    {
        var bytes = RandomBytes(1000, seed: 2);
        var one = await _client.Datasets.RegisterFileAsync("weather", _sandbox.Write("a/weather.csv.bin", bytes));
        var two = await _client.Datasets.RegisterFileAsync("weather", _sandbox.Write("b/weather.csv.bin", bytes));

        Assert.That(two.Version, Is.EqualTo(one.Version), "identity is the content and the file's name, not where it lies");
    }

    [Test]
    public async Task RegisterFileAsync_OneByteChanged_MakesTheNextVersionAndKeepsTheFirst()
    {
        var bytes = RandomBytes(300_000, seed: 3);
        var path = _sandbox.Write("data.bin", bytes);
        var v1 = await _client.Datasets.RegisterFileAsync("data", path);
        bytes[123_456] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);

        var v2 = await _client.Datasets.RegisterFileAsync("data", path);

        Assert.That(v2.Version, Is.EqualTo(2));
        Assert.That(v2.Created, Is.True);
        Assert.That(v2.Identity, Is.Not.EqualTo(v1.Identity));
        Assert.That((await _client.Datasets.GetAsync("datasets:/data@latest")).Version, Is.EqualTo(2));
        var old = await (await _client.Datasets.GetAsync("datasets:/data/1")).MaterializeAsync(Path.Combine(_sandbox.Root, "v1"));
        bytes[123_456] ^= 0x01;
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(old, "data.bin")), Is.EqualTo(bytes), "version 1 still holds the original bytes");
    }

    [Test]
    public async Task RegisterFileAsync_RecordsWhatItHolds()
    {
        var bytes = RandomBytes(5000, seed: 4);
        var path = _sandbox.Write("blob.bin", bytes);
        var options = new RegisterDatasetOptions { Description = "raw export" };
        options.Tags["source"] = "erp";

        var version = await _client.Datasets.RegisterFileAsync("raw", path, options);
        var read = await _client.Datasets.GetAsync(DatasetRef.ForVersion("raw", 1));

        Assert.That(read.Uri, Is.EqualTo("datasets:/raw/1"));
        Assert.That(read.Kind, Is.EqualTo(DatasetKind.File));
        Assert.That(read.Format, Is.EqualTo(DatasetFormat.Files));
        Assert.That(read.FileCount, Is.EqualTo(1));
        Assert.That(read.Bytes, Is.EqualTo(5000));
        Assert.That(read.Source, Is.EqualTo(path));
        Assert.That(read.Description, Is.EqualTo("raw export"));
        Assert.That(read.Tags["source"], Is.EqualTo("erp"));
        Assert.That(read.CreatedBy, Is.EqualTo(Environment.UserName));
        Assert.That(read.Environment, Is.EqualTo("test"));
        Assert.That(read.Identity, Is.EqualTo(version.Identity));
        var files = await read.GetFilesAsync();
        Assert.That(files, Has.Count.EqualTo(1));
        Assert.That(files[0].Path, Is.EqualTo("blob.bin"));
        Assert.That(files[0].Sha256.ToString(), Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(bytes))), "the full SHA-256 of the file");
        Assert.That(files[0].Size, Is.EqualTo(5000));
    }

    [Test]
    public async Task RegisterDirectoryAsync_NestedFolders_KeepsRelativePathsAndMaterializesTheSameTree()
    {
        var expected = new Dictionary<string, byte[]>
        {
            ["train/2024/01.bin"] = RandomBytes(10_000, 10),
            ["train/2024/02.bin"] = RandomBytes(20_000, 11),
            ["train/2025/01.bin"] = RandomBytes(2_000_000, 12), // large: its own content object
            ["labels.txt"] = "a\nb\n"u8.ToArray(),
            ["empty.txt"] = [],
            ["dup/copy-of-01.bin"] = RandomBytes(10_000, 10), // same bytes as train/2024/01.bin
        };
        foreach (var (relative, bytes) in expected)
        {
            _sandbox.Write(relative, bytes);
        }

        var version = await _client.Datasets.RegisterDirectoryAsync("images", _sandbox.Source);
        var files = await version.GetFilesAsync();
        var target = await version.MaterializeAsync(Path.Combine(_sandbox.Root, "out"));

        Assert.That(version.Kind, Is.EqualTo(DatasetKind.Directory));
        Assert.That(files.Select(f => f.Path), Is.EqualTo(expected.Keys.Order(StringComparer.Ordinal)));
        Assert.That(version.Bytes, Is.EqualTo(expected.Values.Sum(b => (long)b.Length)));
        foreach (var (relative, bytes) in expected)
        {
            Assert.That(await File.ReadAllBytesAsync(Path.Combine(target, relative)), Is.EqualTo(bytes), relative);
        }

        Assert.That(Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Count(), Is.EqualTo(expected.Count), "no temporary files left");
    }

    [Test]
    public async Task RegisterDirectoryAsync_ManySmallFiles_StoresAFewPacksAndAManifest()
    {
        for (var i = 0; i < 1500; i++)
        {
            _sandbox.Write($"shard-{i % 7}/item-{i:D4}.json", $"{{\"id\":{i},\"payload\":\"{new string('x', i % 50)}\"}}");
        }

        var before = (await AllKeysAsync()).Count;
        var version = await _client.Datasets.RegisterDirectoryAsync("items", _sandbox.Source);
        var stored = (await AllKeysAsync()).Count - before;
        var files = await version.GetFilesAsync();
        var target = await version.MaterializeAsync(Path.Combine(_sandbox.Root, "out"));

        Assert.That(files, Has.Count.EqualTo(1500));
        Assert.That(stored, Is.LessThan(10), "1,500 small files travel in a pack, with a manifest, a claim and a version record");
        Assert.That(await File.ReadAllTextAsync(Path.Combine(target, "shard-3/item-0031.json")), Is.EqualTo($"{{\"id\":31,\"payload\":\"{new string('x', 31)}\"}}"));
    }

    [Test]
    public async Task RegisterDirectoryAsync_OneFileChanged_StoresOnlyThatFileAgain()
    {
        for (var i = 0; i < 200; i++)
        {
            _sandbox.Write($"part-{i:D3}.bin", RandomBytes(4000, 100 + i));
        }

        var v1 = await _client.Datasets.RegisterDirectoryAsync("parts", _sandbox.Source);
        var packBytesBefore = await PackBytesAsync();
        _sandbox.Write("part-042.bin", RandomBytes(4000, 9999));

        var v2 = await _client.Datasets.RegisterDirectoryAsync("parts", _sandbox.Source);
        var changed = (await v2.GetFilesAsync()).Except(await v1.GetFilesAsync()).ToList();

        Assert.That(v2.Version, Is.EqualTo(2));
        Assert.That(changed.Select(f => f.Path), Is.EqualTo(new[] { "part-042.bin" }));
        Assert.That(await PackBytesAsync() - packBytesBefore, Is.EqualTo(4000), "only the changed file's bytes are stored again");
        var target = await v2.MaterializeAsync(Path.Combine(_sandbox.Root, "v2"));
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(target, "part-042.bin")), Is.EqualTo(RandomBytes(4000, 9999)));
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(target, "part-041.bin")), Is.EqualTo(RandomBytes(4000, 141)));
    }

    [Test]
    public async Task RegisterDirectoryAsync_FileRenamed_IsANewVersion()
    {
        _sandbox.Write("a.bin", RandomBytes(100, 1));
        var v1 = await _client.Datasets.RegisterDirectoryAsync("renamed", _sandbox.Source);
        File.Move(Path.Combine(_sandbox.Source, "a.bin"), Path.Combine(_sandbox.Source, "b.bin"));

        var v2 = await _client.Datasets.RegisterDirectoryAsync("renamed", _sandbox.Source);

        Assert.That(v2.Version, Is.EqualTo(v1.Version + 1), "a path is part of a folder's content");
    }

    [Test]
    public async Task ListVersionsAsync_AndListNamesAsync_ShowWhatIsRegistered()
    {
        var path = _sandbox.Write("x.bin", RandomBytes(10, 1));
        await _client.Datasets.RegisterFileAsync("beta", path);
        await File.WriteAllBytesAsync(path, RandomBytes(10, 2));
        await _client.Datasets.RegisterFileAsync("beta", path);
        await _client.Datasets.RegisterFileAsync("alpha", path);

        var versions = new List<int>();
        await foreach (var v in _client.Datasets.ListVersionsAsync("beta"))
        {
            versions.Add(v.Version);
        }

        Assert.That(versions, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(await _client.Datasets.ListNamesAsync(), Is.EqualTo(new[] { "alpha", "beta" }));
    }

    [Test]
    public async Task RegisterExternalAsync_IdentityIsUriETagAndSize_NothingIsCopied()
    {
        var source = new ExternalDatasetSource(new Uri("https://data.example.com/flights/2024.parquet"), "\"0x8DC1\"", 1_234_567);
        var first = await _client.Datasets.RegisterExternalAsync("lake", source);
        var same = await _client.Datasets.RegisterExternalAsync("lake", source);
        var changed = await _client.Datasets.RegisterExternalAsync("lake", source with { ETag = "\"0x8DC2\"" });

        Assert.That(same.Version, Is.EqualTo(first.Version));
        Assert.That(changed.Version, Is.EqualTo(2));
        Assert.That(first.External, Is.EqualTo(source));
        Assert.That(first.Kind, Is.EqualTo(DatasetKind.External));
        Assert.That(await first.GetFilesAsync(), Is.Empty);
        Assert.That(await AllKeysAsync(), Has.None.StartsWith("cas/"), "an external reference stores no content");
        Assert.ThrowsAsync<InvalidOperationException>(() => first.MaterializeAsync());
    }

    private async Task<List<string>> AllKeysAsync()
    {
        var keys = new List<string>();
        await foreach (var item in _test.Store.ListAsync(string.Empty))
        {
            keys.Add(item.Key);
        }

        return keys;
    }

    private async Task<long> PackBytesAsync()
    {
        long total = 0;
        await foreach (var item in _test.Store.ListAsync("cas/packs/"))
        {
            total += item.Size;
        }

        return total;
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
