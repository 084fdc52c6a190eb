using System.Diagnostics;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Benchmarks;

/// <summary>Small-record operations per second on one thread: what numbering runs, versions and trials costs.</summary>
internal static class RecordBenchmark
{
    private static readonly BinaryData Record = BinaryData.FromString("""{"schemaVersion":1,"status":"Running","params":{"lr":0.1}}""");

    public static async Task RunAsync(AzuriteServer? azurite, string scratch, bool quick)
    {
        var count = quick ? 5_000 : 20_000;
        var root = Path.Combine(scratch, "records");
        await MeasureAsync("fs", new FileSystemObjectStore(root), count);
        Directory.Delete(root, recursive: true);

        // The same on a RAM file system, where creating a file costs what the kernel's bookkeeping costs: what remains is the SDK's own overhead.
        if (Directory.Exists("/dev/shm"))
        {
            var shm = Path.Combine("/dev/shm", $"mlops-bench-{Guid.NewGuid():N}");
            await MeasureAsync("fs_tmpfs", new FileSystemObjectStore(shm), count);
            Directory.Delete(shm, recursive: true);
        }

        await MeasureAsync("memory", new InMemoryObjectStore(), count);

        if (azurite is not null)
        {
            var azure = new AzureBlobObjectStore(azurite.ConnectionString, "records-" + Guid.NewGuid().ToString("N")[..12]);
            await MeasureAsync("azure", azure, quick ? 500 : 2_000);
            await azure.Container.DeleteAsync();
        }
    }

    private static async Task MeasureAsync(string name, ObjectStore store, int count)
    {
        await store.WriteAsync("warm/up", Record, WriteCondition.IfNotExists);

        // Numbered records (model versions, search trials) are what create-if-absent allocates: one folder, new numbers.
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await store.WriteAsync($"studies/s/trials/{i:x8}.json", Record, WriteCondition.IfNotExists);
        }

        Report.Bench($"{name}_create_if_absent_per_s", count / watch.Elapsed.TotalSeconds, "ops/s");

        // A record in a folder of its own (runs/{id}/run.json) also creates the folder.
        watch.Restart();
        for (var i = 0; i < count / 2; i++)
        {
            await store.WriteAsync($"runs/{i:x8}/run.json", Record, WriteCondition.IfNotExists);
        }

        Report.Bench($"{name}_create_in_new_folder_per_s", count / 2 / watch.Elapsed.TotalSeconds, "ops/s");

        var updates = count / 2;
        var etag = (await store.WriteAsync("aliases/production.json", Record)).ETag;
        watch.Restart();
        for (var i = 0; i < updates; i++)
        {
            etag = (await store.WriteAsync("aliases/production.json", Record, WriteCondition.IfMatch(etag))).ETag;
        }

        Report.Bench($"{name}_compare_and_swap_per_s", updates / watch.Elapsed.TotalSeconds, "ops/s");

        watch.Restart();
        for (var i = 0; i < count; i++)
        {
            _ = await store.ReadAsync($"studies/s/trials/{i:x8}.json") ?? throw new InvalidOperationException("A record went missing.");
        }

        Report.Bench($"{name}_read_per_s", count / watch.Elapsed.TotalSeconds, "ops/s");

        watch.Restart();
        var listed = await store.ListAsync("studies/s/trials/").CountAsync();
        Report.Bench($"{name}_list_{count}_keys", watch.Elapsed.TotalMilliseconds, "ms");
        if (listed != count)
        {
            throw new InvalidOperationException($"Listed {listed} of {count} records.");
        }
    }
}
