using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Storage;

/// <summary>
/// A folder of verified content on the local disk, addressed by hash, bounded in size by least-recently-used eviction,
/// and safe for any number of processes to share.
/// </summary>
/// <remarks>
/// Files appear by an atomic rename of a complete, verified temporary file, so no process sees a partial one. A hit
/// refreshes the file's last-write time, which is the recency eviction sorts by. Content is immutable, so two processes
/// adding the same hash at once both succeed. A reader keeps its file handle open; on Unix an eviction by another
/// process does not disturb it, and on Windows files are opened with delete sharing for the same effect.
/// </remarks>
internal sealed class ContentCache
{
    private readonly string _root;
    private readonly string _temporary;
    private readonly long _maxSizeBytes;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ContentHash, Lazy<Task>> _inflight = new();
    private readonly Lock _evicting = new();
    private long _estimatedBytes = -1;

    public ContentCache(string root, long maxSizeBytes, TimeProvider timeProvider, ILogger logger)
    {
        _root = root;
        _temporary = Path.Combine(root, "tmp");
        _maxSizeBytes = maxSizeBytes;
        _timeProvider = timeProvider;
        _logger = logger;
        Directory.CreateDirectory(_temporary);
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
            var lazy = _inflight.GetOrAdd(hash, h => new Lazy<Task>(() => DownloadAsync(h, download)));
            try
            {
                await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _inflight.TryRemove(new KeyValuePair<ContentHash, Lazy<Task>>(hash, lazy));
            }

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
            Account(hashing.BytesWritten);
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

    private void Account(long added)
    {
        if (Interlocked.Read(ref _estimatedBytes) >= 0 && Interlocked.Add(ref _estimatedBytes, added) <= _maxSizeBytes)
        {
            return;
        }

        lock (_evicting)
        {
            Evict();
        }
    }

    /// <summary>Deletes the least recently used files until the cache is at 90 % of its limit; re-measures the cache exactly.</summary>
    private void Evict()
    {
        var folder = new DirectoryInfo(Path.Combine(_root, ContentHash.Algorithm));
        var files = (folder.Exists ? folder.EnumerateFiles("*", SearchOption.AllDirectories) : [])
            .Select(f => (File: f, f.Length, f.LastWriteTimeUtc))
            .ToList();
        var total = files.Sum(f => f.Length);
        if (total <= _maxSizeBytes)
        {
            Interlocked.Exchange(ref _estimatedBytes, total);
            return;
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

        Interlocked.Exchange(ref _estimatedBytes, total - freed);
        _logger.CacheEvicted(count, freed, _root);
        SweepTemporaryFiles();
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
