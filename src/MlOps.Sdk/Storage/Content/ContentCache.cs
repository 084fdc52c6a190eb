using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Storage;

/// <summary>
/// A folder of verified content on the local disk, addressed by hash, bounded in size by least-recently-used eviction,
/// and safe for any number of processes to share.
/// </summary>
/// <remarks>
/// <para>
/// Files appear by an atomic rename of a complete, verified temporary file, so no process sees a partial one. A hit
/// refreshes the file's last-write time, which is the recency eviction sorts by. Content is immutable, so two processes
/// adding the same hash at once both succeed. A reader keeps its file handle open; on Unix an eviction by another
/// process does not disturb it, and on Windows files are opened with delete sharing for the same effect.
/// </para>
/// <para>
/// The size is kept in a ledger file (<c>size.ledger</c>) that every process updates under one cross-process lock after
/// each addition, so the bound holds for the machine, not per process. When the ledger passes the limit, the process
/// holding the lock measures the folder exactly and evicts the least recently used files down to 90 %. The ledger is
/// re-measured when it is missing, damaged or ten minutes old, which repairs what a crashed process did not record.
/// </para>
/// </remarks>
internal sealed class ContentCache
{
    private readonly string _root;
    private readonly string _temporary;
    private readonly long _maxSizeBytes;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private static readonly TimeSpan LedgerMaxAge = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan LedgerLockTimeout = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<ContentHash, Lazy<Task>> _inflight = new();
    private readonly StripedFileLock _ledgerLock;
    private readonly string _ledger;

    public ContentCache(string root, long maxSizeBytes, TimeProvider timeProvider, ILogger logger)
    {
        _root = root;
        _temporary = Path.Combine(root, "tmp");
        _maxSizeBytes = maxSizeBytes;
        _timeProvider = timeProvider;
        _logger = logger;
        _ledger = Path.Combine(root, "size.ledger");
        Directory.CreateDirectory(_temporary);
        _ledgerLock = new StripedFileLock(Path.Combine(root, "locks"));
    }

    public string Root => _root;

    public string PathOf(ContentHash hash)
    {
        var hex = hash.ToString();
        return Path.Combine(_root, ContentHash.Algorithm, hex[..2], hex);
    }

    /// <summary>Opens the cached copy, or returns <see langword="null"/> on a miss.</summary>
    public FileStream? TryOpen(ContentHash hash)
    {
        var path = PathOf(hash);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        Touch(path);
        return stream;
    }

    /// <summary>Downloads content into the cache (once per process at a time), verifying it, and opens it.</summary>
    public async Task<FileStream> AddAsync(ContentHash hash, Func<Stream, CancellationToken, Task> download, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            // One download per hash in this process at a time; it removes itself when done, whoever waits or gives up.
            var lazy = _inflight.GetOrAdd(hash, h => new Lazy<Task>(() => DownloadOnceAsync(h, download)));
            await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);

            // Another process may evict it between the download and this open; then fetch it again.
            if (TryOpen(hash) is { } stream)
            {
                return stream;
            }
        }

        throw new IOException($"The cached copy of {hash} was evicted three times before it could be opened; the cache at '{_root}' is too small for the content being read.");
    }

    public void Remove(ContentHash hash)
    {
        try
        {
            File.Delete(PathOf(hash));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for eviction.
        }
    }

    private async Task DownloadOnceAsync(ContentHash hash, Func<Stream, CancellationToken, Task> download)
    {
        try
        {
            await DownloadAsync(hash, download).ConfigureAwait(false);
        }
        finally
        {
            _inflight.TryRemove(hash, out _);
        }
    }

    /// <summary>Downloads to a temporary file, hashing on the way, and publishes it by rename only when it is intact.</summary>
    private async Task DownloadAsync(ContentHash hash, Func<Stream, CancellationToken, Task> download)
    {
        var temporary = Path.Combine(_temporary, $"{hash}.{Guid.NewGuid():N}.tmp");
        try
        {
            var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            var hashing = new HashingWriteStream(file);
            await using (hashing.ConfigureAwait(false))
            {
                await download(hashing, CancellationToken.None).ConfigureAwait(false);
            }

            var actual = hashing.Hash;
            if (actual != hash)
            {
                throw new ContentIntegrityException(hash, actual, ContentStore.GetKey(hash));
            }

            var path = PathOf(hash);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Move(temporary, path, overwrite: true);
            Touch(path);
            await AccountAsync(hashing.BytesWritten).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Swept from the cache's temporary folder by a later eviction.
            }
        }
    }

    private void Touch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, _timeProvider.GetUtcNow().UtcDateTime);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Recency is a hint; a file evicted meanwhile needs none.
        }
    }

    /// <summary>Adds a new file's size to the machine-wide ledger, evicting when the cache passes its limit.</summary>
    private async Task AccountAsync(long added)
    {
        try
        {
            await UpdateLedgerAsync(added).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectStoreException)
        {
            // The content is in place and intact; only the bookkeeping failed. A damaged ledger is re-measured next time.
            _logger.CacheLedgerFailed(_root, ex);
            TryDelete(_ledger);
        }
    }

    private async Task UpdateLedgerAsync(long added)
    {
        using (await _ledgerLock.AcquireAsync("size.ledger", LedgerLockTimeout, CancellationToken.None).ConfigureAwait(false))
        {
            var now = _timeProvider.GetUtcNow();
            var (total, measuredAt) = ReadLedger();
            if (total < 0 || now - measuredAt > LedgerMaxAge || measuredAt > now)
            {
                (total, measuredAt) = (Measure().Sum(f => f.Length), now);
            }
            else
            {
                total += added;
            }

            if (total > _maxSizeBytes)
            {
                (total, measuredAt) = (Evict(), now);
            }

            WriteLedger(total, measuredAt);
        }
    }

    private (long Total, DateTimeOffset MeasuredAt) ReadLedger()
    {
        try
        {
            var bytes = File.ReadAllBytes(_ledger);
            return bytes.Length == 16
                ? (BitConverter.ToInt64(bytes, 0), new DateTimeOffset(BitConverter.ToInt64(bytes, 8), TimeSpan.Zero))
                : (-1, default);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return (-1, default);
        }
    }

    private void WriteLedger(long total, DateTimeOffset measuredAt)
    {
        var bytes = new byte[16];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), total);
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 8), measuredAt.UtcTicks);
        var temporary = Path.Combine(_temporary, $"size.ledger.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, _ledger, overwrite: true);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do.
        }
    }

    private List<(FileInfo File, long Length, DateTime LastWriteTimeUtc)> Measure()
    {
        var folder = new DirectoryInfo(Path.Combine(_root, ContentHash.Algorithm));
        return (folder.Exists ? folder.EnumerateFiles("*", SearchOption.AllDirectories) : [])
            .Select(f => (File: f, f.Length, f.LastWriteTimeUtc))
            .ToList();
    }

    /// <summary>Measures the cache exactly and deletes the least recently used files until it is at 90 % of its limit.</summary>
    /// <returns>The size of what remains.</returns>
    private long Evict()
    {
        var files = Measure();
        var total = files.Sum(f => f.Length);
        if (total <= _maxSizeBytes)
        {
            return total;
        }

        var target = _maxSizeBytes / 10 * 9;
        long freed = 0;
        var count = 0;
        foreach (var (file, length, _) in files.OrderBy(f => f.LastWriteTimeUtc).SkipLast(1))
        {
            if (total - freed <= target)
            {
                break;
            }

            try
            {
                file.Delete();
                freed += length;
                count++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // In use on a platform that forbids it, or already gone: skip.
            }
        }

        _logger.CacheEvicted(count, freed, _root);
        SweepTemporaryFiles();
        return total - freed;
    }

    private void SweepTemporaryFiles()
    {
        var cutoff = _timeProvider.GetUtcNow().UtcDateTime - TimeSpan.FromDays(1);
        foreach (var file in new DirectoryInfo(_temporary).EnumerateFiles("*.tmp"))
        {
            try
            {
                if (file.LastWriteTimeUtc < cutoff)
                {
                    file.Delete();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Still being written, or gone.
            }
        }
    }
}
