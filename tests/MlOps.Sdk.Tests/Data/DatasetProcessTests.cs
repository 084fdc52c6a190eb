using MlOps.Sdk.Data;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Data;

/// <summary>Datasets registered by real OS processes sharing one store: concurrency and crashes.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.Shared))]
public sealed class DatasetProcessTests(StoreKind kind)
{
    private TestStore _test = null!;
    private DataSandbox _sandbox = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _sandbox = new DataSandbox();
        _client = _sandbox.CreateClient(_test.Store, o => o.Datasets.RegistrationTimeout = TimeSpan.FromSeconds(1));
    }

    [TearDown]
    public async Task TearDown()
    {
        _sandbox.Dispose();
        await _test.DisposeAsync();
    }

    [Test]
    public async Task Processes_RegisteringTheSameFolderAtOnce_AgreeOnOneVersion()
    {
        for (var i = 0; i < 30; i++)
        {
            _sandbox.Write($"part-{i:D2}.bin", DatasetRegistrationTests.RandomBytes(20_000, i));
        }

        var lines = await RunWorkersAsync(Enumerable.Range(0, 4).Select(_ => _sandbox.Source).ToList());

        Assert.That(lines.Select(l => l.Split(' ')[1]).Distinct(), Is.EqualTo(new[] { "1" }), string.Join("\n", lines));
        Assert.That(lines.Count(l => l.Split(' ')[2] == "created"), Is.EqualTo(1));
        Assert.That(await _client.Datasets.ListVersionsAsync("shared").CountAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task Processes_RegisteringDifferentContentAtOnce_GetConsecutiveVersions()
    {
        var paths = Enumerable.Range(0, 4).Select(i => _sandbox.Write($"v{i}/data.bin", DatasetRegistrationTests.RandomBytes(10_000, 50 + i))).ToList();

        var lines = await RunWorkersAsync(paths);

        Assert.That(lines.Select(l => int.Parse(l.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture)).Order(), Is.EqualTo(new[] { 1, 2, 3, 4 }));
        Assert.That(lines.Select(l => l.Split(' ')[3]).Distinct().Count(), Is.EqualTo(4));
    }

    [Test]
    public async Task Process_KilledWhileRegistering_LeavesAWholeVersionOrNone_AndTheNextRegistrationSucceeds()
    {
        for (var i = 0; i < 8; i++)
        {
            _sandbox.Write($"big-{i}.bin", DatasetRegistrationTests.RandomBytes(4_000_000, 200 + i));
        }

        for (var i = 0; i < 40; i++)
        {
            _sandbox.Write($"small/{i:D2}.bin", DatasetRegistrationTests.RandomBytes(3_000, 300 + i));
        }

        var random = new Random(7);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var worker = WorkerProcess.Start("register-dataset", kind, _test.Target!, ("name", "crashy"), ("path", _sandbox.Source), ("hash-cache", Path.Combine(_sandbox.Root, $"worker-cache-{attempt}")));
            await worker.WaitForLineAsync("STARTED", TimeSpan.FromMinutes(2));
            await Task.Delay(random.Next(0, 150));
            worker.Kill(); // SIGKILL at some point of hashing, storing or committing

            var versions = await _client.Datasets.ListVersionsAsync("crashy").ToListAsync();
            Assert.That(versions.Count, Is.LessThanOrEqualTo(1), "a killed registration leaves one whole version or none");
            foreach (var version in versions)
            {
                Assert.That((await version.GetFilesAsync()).Count, Is.EqualTo(48));
            }
        }

        var registered = await _client.Datasets.RegisterDirectoryAsync("crashy", _sandbox.Source);
        var target = await registered.MaterializeAsync(Path.Combine(_sandbox.Root, "out"));

        Assert.That(registered.Version, Is.EqualTo(1), "the same content never becomes a second version");
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(target, "big-3.bin")), Is.EqualTo(DatasetRegistrationTests.RandomBytes(4_000_000, 203)));
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(target, "small/17.bin")), Is.EqualTo(DatasetRegistrationTests.RandomBytes(3_000, 317)));
    }

    private async Task<List<string>> RunWorkersAsync(IReadOnlyList<string> paths)
    {
        var go = Path.Combine(Path.GetTempPath(), $"mlops-go-{Guid.NewGuid():N}");
        var workers = paths.Select((p, i) => WorkerProcess.Start("register-dataset", kind, _test.Target!, ("name", "shared"), ("path", p), ("hash-cache", Path.Combine(_sandbox.Root, $"cache-{i}")), ("go", go))).ToList();
        try
        {
            await WorkerProcess.RunTogetherAsync(workers, go, TimeSpan.FromMinutes(3));
            return workers.Select(w => w.Lines.Single(l => l.StartsWith("VERSION ", StringComparison.Ordinal))).ToList();
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
            File.Delete(go);
        }
    }
}
