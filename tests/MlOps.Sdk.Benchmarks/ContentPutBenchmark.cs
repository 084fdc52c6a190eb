using System.Diagnostics;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Benchmarks;

/// <summary>
/// Content-store put of a 1 GB file into a file-system store, against <c>sha256sum</c> of the same file in the same run
/// (both read it from the page cache). The put hashes the file, then has the OS copy it into the store.
/// </summary>
internal static class ContentPutBenchmark
{
    public static async Task RunAsync(string scratch, bool quick)
    {
        const long Size = 1L << 30;
        var file = Path.Combine(scratch, "put-1g.bin");
        TestContentStream.WriteFile(file, Size, seed: 2026);
        await ReadAllAsync(file); // warm the page cache for both contenders

        var repetitions = quick ? 2 : 5;
        var ours = new List<TimeSpan>();
        var baseline = new List<TimeSpan>();
        var dedup = new List<TimeSpan>();
        for (var i = 0; i < repetitions; i++)
        {
            baseline.Add(await Sha256SumAsync(file));

            var root = Path.Combine(scratch, $"store-{i}");
            var content = new ContentStore(new FileSystemObjectStore(root));
            var watch = Stopwatch.StartNew();
            var info = await content.PutFileAsync(file);
            ours.Add(watch.Elapsed);
            if (!info.Uploaded)
            {
                throw new InvalidOperationException("A fresh store already held the content.");
            }

            watch.Restart();
            await content.PutFileAsync(file);
            dedup.Add(watch.Elapsed);
            Directory.Delete(root, recursive: true);
        }

        var ourMedian = Report.Median(ours);
        var baselineMedian = Report.Median(baseline);
        Report.Bench("content_put_1gb_fs", Report.MegabytesPerSecond(Size, ourMedian), "MB/s");
        Report.Bench("content_put_1gb_fs_already_stored", Report.MegabytesPerSecond(Size, Report.Median(dedup)), "MB/s");
        Report.Bench("sha256sum_1gb", Report.MegabytesPerSecond(Size, baselineMedian), "MB/s");
        Report.Ratio("content_put_vs_sha256sum", baselineMedian / ourMedian);
        File.Delete(file);
    }

    private static async Task<TimeSpan> Sha256SumAsync(string file)
    {
        var start = new ProcessStartInfo("sha256sum", [file]) { RedirectStandardOutput = true, UseShellExecute = false };
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var elapsed = watch.Elapsed;
        return process.ExitCode == 0 ? elapsed : throw new InvalidOperationException($"sha256sum exited with {process.ExitCode}.");
    }

    private static async Task ReadAllAsync(string file)
    {
        await using var stream = File.OpenRead(file);
        await stream.CopyToAsync(Stream.Null, 1 << 20);
    }
}
