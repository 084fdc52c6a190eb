using System.Globalization;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Storage;

/// <summary>
/// The contract across real OS processes, for the providers several processes share: the file system on one machine
/// (search workers sharing <c>.mlops/</c>) and Azure Blob Storage across machines.
/// </summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.Shared))]
public sealed class ObjectStoreProcessTests(StoreKind kind)
{
    private const int Processes = 6;
    private static readonly TimeSpan WorkerTimeout = TimeSpan.FromMinutes(3);

    private TestStore _test = null!;
    private string _go = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _go = Path.Combine(Path.GetTempPath(), $"mlops-go-{Guid.NewGuid():N}");
    }

    [TearDown]
    public async Task TearDown()
    {
        File.Delete(_go);
        await _test.DisposeAsync();
    }

    [Test]
    public async Task WriteAsync_IfNotExistsFromParallelProcesses_ExactlyOneProcessWinsEachKey()
    {
        const int Keys = 400;
        var workers = Enumerable.Range(0, Processes)
            .Select(i => WorkerProcess.Start("create-race", kind, _test.Target!, ("prefix", "race"), ("keys", Keys), ("id", i), ("go", _go)))
            .ToList();
        try
        {
            await WorkerProcess.RunTogetherAsync(workers, _go, WorkerTimeout);

            var wins = workers
                .SelectMany((w, id) => w.Lines.Where(l => l.StartsWith("WON ", StringComparison.Ordinal)).Select(l => (Key: int.Parse(l[4..], CultureInfo.InvariantCulture), Id: id)))
                .ToList();
            TestContext.Out.WriteLine($"{kind}: wins per process: {string.Join(", ", wins.GroupBy(w => w.Id).OrderBy(g => g.Key).Select(g => $"{g.Key}={g.Count()}"))}");
            Assert.That(wins.Select(w => w.Key), Is.EquivalentTo(Enumerable.Range(0, Keys)), "each key won by exactly one process");
            foreach (var (key, id) in wins)
            {
                var stored = await _test.Store.ReadAsync($"race/{key}");
                Assert.That(stored!.Content.ToString(), Is.EqualTo(id.ToString(CultureInfo.InvariantCulture)), $"key {key} holds its winner's write");
            }
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
        }
    }

    [Test]
    public async Task WriteAsync_IfMatchFromParallelProcesses_LosesNoUpdate()
    {
        const int Increments = 25;
        var workers = Enumerable.Range(0, Processes)
            .Select(i => WorkerProcess.Start("increment", kind, _test.Target!, ("key", "counter"), ("count", Increments), ("go", _go)))
            .ToList();
        try
        {
            await WorkerProcess.RunTogetherAsync(workers, _go, WorkerTimeout);

            var attempts = workers.Sum(w => int.Parse(w.Lines.Single(l => l.StartsWith("ATTEMPTS ", StringComparison.Ordinal))[9..], CultureInfo.InvariantCulture));
            TestContext.Out.WriteLine($"{kind}: {Processes * Increments} increments took {attempts} attempts");
            Assert.That((await _test.Store.ReadAsync("counter"))!.Content.ToString(), Is.EqualTo((Processes * Increments).ToString(CultureInfo.InvariantCulture)));
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
        }
    }

    [Test]
    public async Task UploadAsync_WriterKilledMidWrite_LeavesOnlyWholeObjects()
    {
        const int Size = 4 * 1024 * 1024;
        using var worker = WorkerProcess.Start("write-loop", kind, _test.Target!, ("prefix", "crash"), ("size", Size));
        await worker.WaitForLineAsync("WROTE 3", WorkerTimeout);
        worker.Kill(); // SIGKILL, most likely in the middle of the next upload

        var objects = await _test.Store.ListAsync("crash/").ToListAsync();
        Assert.That(objects, Has.Count.GreaterThanOrEqualTo(3));
        foreach (var item in objects)
        {
            var seed = ulong.Parse(item.Key["crash/".Length..], CultureInfo.InvariantCulture);
            var sink = new HashingSinkStream();
            await _test.Store.DownloadToAsync(item.Key, sink);
            Assert.That(item.Size, Is.EqualTo(Size), item.Key);
            Assert.That(sink.Sha256Hex(), Is.EqualTo(TestContentStream.Sha256Hex(Size, seed)), $"{item.Key} is whole");
        }

        // The store stays usable for the next writer.
        await _test.Store.WriteAsync("crash/after", BinaryData.FromString("ok"), WriteCondition.IfNotExists);
    }
}
