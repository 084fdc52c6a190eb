using System.Diagnostics;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Benchmarks;

/// <summary>
/// Dataset registration on the file-system store against <c>sha256sum</c> in the same run: one 1 GB file, and 10,000
/// files of 10 KB (sha256sum given all of them in one process); then registering each again unchanged, against the
/// first registration, also for one dataset of 1 GB in 10,000 files. Everything is read from the page cache.
/// </summary>
internal static class DatasetBenchmark
{
    public static async Task RunAsync(string scratch, bool quick, Func<string, bool> selected)
    {
        if (selected("dataset-large"))
        {
            await LargeFileAsync(scratch, quick);
        }

        if (selected("dataset-many"))
        {
            await ManyFilesAsync(scratch, quick);
        }

        if (selected("dataset-gigabyte-folder"))
        {
            await GigabyteFolderAsync(scratch, quick);
        }
    }

    /// <summary>One dataset of 1 GB in 10,000 files of 100 KB: the first registration, then again unchanged.</summary>
    private static async Task GigabyteFolderAsync(string scratch, bool quick)
    {
        const int Files = 10_000;
        const int Size = 100 * 1024;
        var folder = Directory.CreateDirectory(Path.Combine(scratch, "dataset-1g-10k")).FullName;
        var old = DateTime.UtcNow.AddMinutes(-5);
        for (var i = 0; i < Files; i++)
        {
            var path = Path.Combine(folder, $"d{i % 100:D2}", $"f{i:D5}.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            TestContentStream.WriteFile(path, Size, (ulong)(i + 1));
            File.SetLastWriteTimeUtc(path, old);
        }

        await WarmAsync(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories));
        await Task.Delay(200);
        var ours = new List<TimeSpan>();
        var again = new List<TimeSpan>();
        for (var i = 0; i < (quick ? 1 : 3); i++)
        {
            var (first, second) = await RegisterTwiceAsync(scratch, $"gigabyte-{i}", client => client.Datasets.RegisterDirectoryAsync("gigabyte", folder));
            ours.Add(first);
            again.Add(second);
        }

        Report.Bench("dataset_register_1gb_10k_files_ms", Report.Median(ours).TotalMilliseconds, "ms");
        Report.Bench("dataset_reregister_1gb_10k_files_ms", Report.Median(again).TotalMilliseconds, "ms");
        Report.Ratio("dataset_reregister_unchanged_1gb_10k_files", Report.Median(again) / Report.Median(ours));
        Directory.Delete(folder, recursive: true);
    }

    private static async Task LargeFileAsync(string scratch, bool quick)
    {
        const long Size = 1L << 30;
        var folder = Directory.CreateDirectory(Path.Combine(scratch, "dataset-1g")).FullName;
        var file = Path.Combine(folder, "big.bin");
        TestContentStream.WriteFile(file, Size, seed: 4242);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(-5)); // an existing file, not one written this instant
        await WarmAsync([file]);

        var ours = new List<TimeSpan>();
        var again = new List<TimeSpan>();
        var baseline = new List<TimeSpan>();
        for (var i = 0; i < (quick ? 2 : 4); i++)
        {
            baseline.Add(await Sha256SumAsync(folder, ["big.bin"]));
            var (first, second) = await RegisterTwiceAsync(scratch, $"big-{i}", client => client.Datasets.RegisterFileAsync("big", file));
            ours.Add(first);
            again.Add(second);
        }

        var ourMedian = Report.Median(ours);
        Report.Bench("dataset_register_1gb_fs", Report.MegabytesPerSecond(Size, ourMedian), "MB/s");
        Report.Bench("dataset_sha256sum_1gb", Report.MegabytesPerSecond(Size, Report.Median(baseline)), "MB/s");
        Report.Bench("dataset_reregister_1gb_ms", Report.Median(again).TotalMilliseconds, "ms");
        Report.Ratio("dataset_hash_vs_sha256sum", Report.Median(baseline) / ourMedian);
        Report.Ratio("dataset_reregister_unchanged_1gb", Report.Median(again) / ourMedian);
        Directory.Delete(folder, recursive: true);
    }

    private static async Task ManyFilesAsync(string scratch, bool quick)
    {
        const int Files = 10_000;
        const int Size = 10 * 1024;
        var folder = Directory.CreateDirectory(Path.Combine(scratch, "dataset-10k")).FullName;
        var relative = new List<string>(Files);
        var random = new Random(2026);
        var bytes = new byte[Size];
        for (var i = 0; i < Files; i++)
        {
            var path = $"d{i % 100:D2}/f{i:D5}.bin";
            Directory.CreateDirectory(Path.Combine(folder, $"d{i % 100:D2}"));
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(folder, path), bytes);
            relative.Add(path);
        }

        var old = DateTime.UtcNow.AddMinutes(-5);
        foreach (var path in relative)
        {
            File.SetLastWriteTimeUtc(Path.Combine(folder, path), old);
        }

        await WarmAsync(relative.Select(r => Path.Combine(folder, r)));
        await Task.Delay(200); // change times older than the hash cache's racy window

        var ours = new List<TimeSpan>();
        var again = new List<TimeSpan>();
        var baseline = new List<TimeSpan>();
        for (var i = 0; i < (quick ? 3 : 5); i++)
        {
            baseline.Add(await Sha256SumAsync(folder, relative));
            var (first, second) = await RegisterTwiceAsync(scratch, $"many-{i}", client => client.Datasets.RegisterDirectoryAsync("many", folder));
            ours.Add(first);
            again.Add(second);
        }

        var ourMedian = Report.Median(ours);
        Report.Bench("dataset_register_10k_files_ms", ourMedian.TotalMilliseconds, "ms");
        Report.Bench("dataset_sha256sum_10k_files_ms", Report.Median(baseline).TotalMilliseconds, "ms");
        Report.Bench("dataset_reregister_10k_files_ms", Report.Median(again).TotalMilliseconds, "ms");
        Report.Ratio("dataset_many_files_vs_sha256sum", ourMedian / Report.Median(baseline));
        Report.Ratio("dataset_reregister_unchanged_10k_files", Report.Median(again) / ourMedian);
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Registers into a fresh store with a fresh hash cache, then again unchanged (a new client: nothing kept in memory).</summary>
    private static async Task<(TimeSpan First, TimeSpan Again)> RegisterTwiceAsync(string scratch, string name, Func<MlOpsClient, Task> register)
    {
        var root = Path.Combine(scratch, name);
        MlOpsClient Client()
        {
            var options = new MlOpsOptions();
            options.Store.Path = Path.Combine(root, "store");
            options.Tracking.CaptureGit = false;
            options.Datasets.HashCachePath = Path.Combine(root, "hash-cache");
            options.Datasets.MaterializePath = Path.Combine(root, "materialized");
            return new MlOpsClient(options);
        }

        var client = Client();
        var watch = Stopwatch.StartNew();
        await register(client);
        var first = watch.Elapsed;
        var fresh = Client();
        watch.Restart();
        await register(fresh);
        var again = watch.Elapsed;
        Directory.Delete(root, recursive: true);
        return (first, again);
    }

    private static async Task<TimeSpan> Sha256SumAsync(string folder, IEnumerable<string> relativePaths)
    {
        var start = new ProcessStartInfo("sha256sum") { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = folder };
        foreach (var path in relativePaths)
        {
            start.ArgumentList.Add(path);
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var elapsed = watch.Elapsed;
        return process.ExitCode == 0 ? elapsed : throw new InvalidOperationException($"sha256sum exited with {process.ExitCode}.");
    }

    private static async Task WarmAsync(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            await using var stream = File.OpenRead(file);
            await stream.CopyToAsync(Stream.Null, 1 << 20);
        }
    }
}
