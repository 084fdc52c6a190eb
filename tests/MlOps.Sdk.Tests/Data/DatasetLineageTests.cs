using MlOps.Sdk.Data;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Data;

/// <summary>Aliases, lineage both ways, and bad input, on every provider.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class DatasetLineageTests(StoreKind kind)
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
    public async Task Aliases_SetMoveDelete_ResolveAndKeepHistory()
    {
        var (v1, v2) = await TwoVersionsAsync("sales");

        await _client.Datasets.SetAliasAsync("sales", "approved", v1.Version, "first audit");
        Assert.That((await _client.Datasets.GetAsync("datasets:/sales@approved")).Version, Is.EqualTo(1));
        await _client.Datasets.SetAliasAsync("sales", "approved", v2.Version, "re-audited");
        Assert.That((await _client.Datasets.GetAsync(DatasetRef.ForAlias("sales", "approved"))).Version, Is.EqualTo(2));
        Assert.That(await _client.Datasets.DeleteAliasAsync("sales", "approved", "retired"), Is.True);
        Assert.That(await _client.Datasets.DeleteAliasAsync("sales", "approved"), Is.False);

        var history = await _client.Datasets.GetAliasHistoryAsync("sales", "approved");
        Assert.That(history.Select(h => (h.From, h.To, h.Reason)), Is.EqualTo(new (int?, int?, string?)[] { (null, 1, "first audit"), (1, 2, "re-audited"), (2, null, "retired") }));
        Assert.That(history.All(h => h.By == Environment.UserName), Is.True);
        var gone = Assert.ThrowsAsync<DatasetNotFoundException>(() => _client.Datasets.GetAsync("datasets:/sales@approved"));
        Assert.That(gone!.Message, Does.Contain("datasets:/sales@approved").And.Contain("deleted"));
    }

    [Test]
    public async Task Aliases_BadInput_IsRefusedWithoutChangingAnything()
    {
        await TwoVersionsAsync("sales");

        Assert.That(Assert.ThrowsAsync<ArgumentException>(() => _client.Datasets.SetAliasAsync("sales", "latest", 1))!.Message, Does.Contain("'latest' is kept"));
        Assert.That(Assert.ThrowsAsync<ArgumentException>(() => _client.Datasets.SetAliasAsync("sales", "prod/1", 1))!.Message, Does.Contain("'prod/1'"));
        Assert.That(Assert.ThrowsAsync<DatasetNotFoundException>(() => _client.Datasets.SetAliasAsync("sales", "prod", 9))!.Message, Does.Contain("datasets:/sales/9"));
        Assert.ThrowsAsync<DatasetNotFoundException>(() => _client.Datasets.GetAsync("datasets:/sales@prod"));
        Assert.That(await _client.Datasets.GetAliasHistoryAsync("sales", "prod"), Is.Empty);
    }

    [Test]
    public async Task GetAsync_UnknownDatasetOrVersion_ThrowsDatasetNotFound()
    {
        await TwoVersionsAsync("sales");

        Assert.That(Assert.ThrowsAsync<DatasetNotFoundException>(() => _client.Datasets.GetAsync("datasets:/sales/3"))!.Reference, Is.EqualTo("datasets:/sales/3"));
        Assert.That(Assert.ThrowsAsync<DatasetNotFoundException>(() => _client.Datasets.GetAsync("datasets:/nothing@latest"))!.Message, Does.Contain("no versions"));
        Assert.Throws<FormatException>(() => _client.Datasets.GetAsync("datasets:/sales"));
    }

    [Test]
    public async Task Register_BadInput_IsRefusedAndNothingIsStored()
    {
        var file = _sandbox.Write("ok.bin", [1, 2, 3]);
        var empty = Directory.CreateDirectory(Path.Combine(_sandbox.Root, "empty")).FullName;

        Assert.That(Assert.ThrowsAsync<ArgumentException>(() => _client.Datasets.RegisterFileAsync("bad name", file))!.Message, Does.Contain("'bad name'"));
        Assert.That(Assert.ThrowsAsync<ArgumentException>(() => _client.Datasets.RegisterFileAsync("../up", file))!.Message, Does.Contain("'../up'"));
        Assert.That(Assert.ThrowsAsync<FileNotFoundException>(() => _client.Datasets.RegisterFileAsync("sales", Path.Combine(_sandbox.Root, "missing.csv")))!.Message, Does.Contain("missing.csv"));
        Assert.That(Assert.ThrowsAsync<DirectoryNotFoundException>(() => _client.Datasets.RegisterDirectoryAsync("sales", Path.Combine(_sandbox.Root, "missing")))!.Message, Does.Contain("missing"));
        Assert.That(Assert.ThrowsAsync<ArgumentException>(() => _client.Datasets.RegisterFileAsync("sales", _sandbox.Source))!.Message, Does.Contain("RegisterDirectoryAsync"));
        Assert.That(Assert.ThrowsAsync<ArgumentException>(() => _client.Datasets.RegisterDirectoryAsync("sales", empty))!.Message, Does.Contain("holds no files"));
        Assert.That(Assert.ThrowsAsync<ArgumentException>(() => _client.Datasets.RegisterExternalAsync("sales", new ExternalDatasetSource(new Uri("relative/path", UriKind.Relative))))!.Message, Does.Contain("absolute"));
        await foreach (var item in _test.Store.ListAsync(string.Empty))
        {
            Assert.Fail($"nothing is stored, found {item.Key}");
        }
    }

    [Test]
    public async Task RegisterDirectoryAsync_DanglingLink_IsRefusedAndNothingIsStored()
    {
        _sandbox.Write("a.bin", [1]);
        var link = Path.Combine(_sandbox.Source, "b.bin");
        File.CreateSymbolicLink(link, Path.Combine(_sandbox.Root, "gone.bin"));

        var ex = Assert.ThrowsAsync<FileNotFoundException>(() => _client.Datasets.RegisterDirectoryAsync("linked", _sandbox.Source));

        Assert.That(ex!.FileName, Is.EqualTo(link));
        await foreach (var item in _test.Store.ListAsync(string.Empty))
        {
            Assert.Fail($"nothing is stored, found {item.Key}");
        }
    }

    [Test]
    public async Task RegisterDirectoryAsync_LinkToAFile_RegistersTheTargetsBytes()
    {
        var target = Path.Combine(_sandbox.Root, "target.bin");
        await File.WriteAllBytesAsync(target, [7, 8, 9]);
        File.CreateSymbolicLink(Path.Combine(_sandbox.Source, "linked.bin"), target);

        var version = await _client.Datasets.RegisterDirectoryAsync("linked", _sandbox.Source);

        Assert.That((await version.GetFilesAsync()).Single().Size, Is.EqualTo(3));
    }

    [Test]
    public async Task UseDatasetAsync_RecordsTheRunsInputAndTheVersionsUsage()
    {
        var (v1, _) = await TwoVersionsAsync("flights");
        string runId;
        await using (var run = await _client.Runs.StartAsync("delays"))
        {
            runId = run.Id;
            await run.UseDatasetAsync(v1, "training");
            await run.UseDatasetAsync(v1, "validation");
            await run.UseDatasetAsync(v1, "training");
        }

        var usage = await _client.Datasets.GetUsageAsync(DatasetRef.ForVersion("flights", 1));
        var unused = await _client.Datasets.GetUsageAsync(DatasetRef.Latest("flights"));
        var info = await _client.Runs.GetAsync(runId);

        Assert.That(usage, Has.Count.EqualTo(1));
        Assert.That(usage[0].RunId, Is.EqualTo(runId));
        Assert.That(usage[0].Experiment, Is.EqualTo("delays"));
        Assert.That(usage[0].Contexts, Is.EqualTo(new[] { "training", "validation" }));
        Assert.That(unused, Is.Empty, "version 2 was not used");
        Assert.That(info.Inputs.Select(i => (i.Uri, i.Context, i.Sha256)), Is.EquivalentTo(new (string, string?, ContentHash?)[] { ("datasets:/flights/1", "training", v1.Identity), ("datasets:/flights/1", "validation", v1.Identity) }));
    }

    [Test]
    public async Task ProducedBy_RecordsTheRunItsCodeVersionAndParameters_AndTheRunsOutput()
    {
        string runId;
        DatasetVersion cleaned;
        await using (var run = await _client.Runs.StartAsync("cleaning"))
        {
            runId = run.Id;
            run.LogParameter("drop_cancelled", true);
            run.LogParameter("min_distance", 100);
            cleaned = await _client.Datasets.RegisterFileAsync("flights-clean", _sandbox.Write("clean.bin", [1, 2, 3]), new RegisterDatasetOptions { ProducedBy = run });
        }

        var read = await _client.Datasets.GetAsync(cleaned.Ref);
        var info = await _client.Runs.GetAsync(runId);

        Assert.That(read.ProducedBy!.RunId, Is.EqualTo(runId));
        Assert.That(read.ProducedBy.Experiment, Is.EqualTo("cleaning"));
        Assert.That(read.ProducedBy.Parameters, Is.EquivalentTo(new Dictionary<string, string> { ["drop_cancelled"] = "true", ["min_distance"] = "100" }));
        Assert.That(read.ProducedBy.GitCommit, Does.Match("^[0-9a-f]{40}$"), "the tests run inside the repository");
        Assert.That(info.Outputs.Select(o => (o.Uri, o.Sha256)), Is.EqualTo(new (string, ContentHash?)[] { ("datasets:/flights-clean/1", cleaned.Identity) }));
    }

    [Test]
    public async Task ConcurrentRegistrations_SameContent_AgreeOnOneVersion()
    {
        var path = _sandbox.Write("same.bin", DatasetRegistrationTests.RandomBytes(50_000, 8));
        var clients = Enumerable.Range(0, 8).Select(_ => _sandbox.CreateClient(_test.Store)).ToList();

        var versions = await Task.WhenAll(clients.Select(c => Task.Run(() => c.Datasets.RegisterFileAsync("same", path))));

        Assert.That(versions.Select(v => v.Version).Distinct(), Is.EqualTo(new[] { 1 }));
        Assert.That(versions.Count(v => v.Created), Is.EqualTo(1), "one registration created it, the others found it");
        Assert.That(await _client.Datasets.ListVersionsAsync("same").CountAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task ConcurrentRegistrations_DifferentContent_GetDistinctVersionsWithoutGaps()
    {
        var paths = Enumerable.Range(0, 8).Select(i => _sandbox.Write($"v{i}/data.bin", DatasetRegistrationTests.RandomBytes(1000, 100 + i))).ToList();
        var clients = paths.Select(_ => _sandbox.CreateClient(_test.Store)).ToList();

        var versions = await Task.WhenAll(paths.Select((p, i) => Task.Run(() => clients[i].Datasets.RegisterFileAsync("many", p))));

        Assert.That(versions.Select(v => v.Version).Order(), Is.EqualTo(Enumerable.Range(1, 8)));
        Assert.That(versions.Select(v => v.Identity).Distinct().Count(), Is.EqualTo(8));
    }

    private async Task<(DatasetVersion V1, DatasetVersion V2)> TwoVersionsAsync(string name)
    {
        var path = _sandbox.Write($"{name}.bin", [1, 2, 3]);
        var v1 = await _client.Datasets.RegisterFileAsync(name, path);
        await File.WriteAllBytesAsync(path, [1, 2, 3, 4]);
        var v2 = await _client.Datasets.RegisterFileAsync(name, path);
        return (v1, v2);
    }
}
