namespace MlOps.Sdk.Storage;

/// <content>Housekeeping: temporary files, the sweep of those crashed writers left, and the file system's timestamp step.</content>
public sealed partial class FileSystemObjectStore
{
    private string NewTemporaryPath() => Path.Combine(_temporaryDirectory, Guid.NewGuid().ToString("N") + ".tmp");

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the sweep of abandoned temporary files.
        }
    }

    private void SweepAbandonedTemporaryFiles()
    {
        var cutoff = _timeProvider.GetUtcNow().UtcDateTime - _options.AbandonedTemporaryFileAge;
        var swept = 0;
        try
        {
            foreach (var file in new DirectoryInfo(_temporaryDirectory).EnumerateFiles("*.tmp"))
            {
                if (file.LastWriteTimeUtc < cutoff)
                {
                    TryDelete(file.FullName);
                    swept++;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.TemporaryFileSweepFailed(RootPath, ex);
        }

        if (swept > 0)
        {
            _logger.AbandonedTemporaryFilesDeleted(swept, RootPath);
        }
    }

    /// <summary>
    /// Finds the finest last-write-time step the file system keeps (1 tick = 100 ns on ext4, XFS, APFS, NTFS; coarser on
    /// FAT or some network shares), so the store can make last-write times strictly increase.
    /// </summary>
    private static long MeasureTimestampGranularity(string folder)
    {
        // Not named *.tmp, and probed through its open handle: its deliberately old time stamp must not make the sweep of
        // a store opening at the same moment in another process delete it, and if anything else does, the handle still works.
        var probe = Path.Combine(folder, $"granularity-{Guid.NewGuid():N}.probe");
        using var handle = File.OpenHandle(probe, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, FileOptions.DeleteOnClose);
        var baseTicks = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        foreach (var granularity in (long[])[1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 20_000_000])
        {
            var wanted = baseTicks + (granularity * 7);
            File.SetLastWriteTimeUtc(handle, new DateTime(wanted, DateTimeKind.Utc));
            if (File.GetLastWriteTimeUtc(handle).Ticks == wanted)
            {
                return granularity;
            }
        }

        return 20_000_000;
    }
}
