using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Data;

/// <summary>A local file to register: where it is, and its path inside the dataset.</summary>
internal sealed record SourceFile(string FullPath, string RelativePath);

/// <summary>A file hashed, with the stat it had while it was read (unchanged from before to after).</summary>
/// <remarks><see cref="Trusted"/>: the hash came from the hash cache, or the file's times are old enough to remember it.</remarks>
internal sealed record HashedFile(string FullPath, string RelativePath, FileStat Stat, ContentHash Hash, bool Trusted, bool FromCache = false)
{
    public long Length => Stat.Length;
}

/// <summary>
/// Hashes many files in parallel: the hash cache answers for unchanged ones, small files are read whole in one call,
/// large ones streamed with read-ahead; a file whose stat differs after it was read is refused.
/// </summary>
internal static class DatasetHasher
{
    private const int WholeReadLimit = 1024 * 1024;

    public static async Task<HashedFile[]> HashAsync(IReadOnlyList<SourceFile> files, HashCache cache, int parallelism, CancellationToken cancellationToken)
    {
        var hashed = new HashedFile?[files.Count];
        var stats = new FileStat[files.Count];

        // First the cheap part, in parallel on the processors: stat every file and ask the hash cache.
        void Look(int i)
        {
            var stat = Stat(files[i].FullPath);
            stats[i] = stat;
            if (cache.TryGet(files[i].RelativePath, stat, out var cached))
            {
                hashed[i] = new HashedFile(files[i].FullPath, files[i].RelativePath, stat, cached, Trusted: true, FromCache: true);
            }
        }

        if (files.Count < 64)
        {
            for (var i = 0; i < files.Count; i++)
            {
                Look(i);
            }
        }
        else
        {
            try
            {
                Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(parallelism, Environment.ProcessorCount), CancellationToken = cancellationToken }, Look);
            }
            catch (AggregateException ex)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
            }
        }

        // Then read what the cache could not answer.
        var misses = Enumerable.Range(0, files.Count).Where(i => hashed[i] is null).ToList();
        if (misses.Count == 1)
        {
            hashed[misses[0]] = await HashOneAsync(files[misses[0]], stats[misses[0]], cache, cancellationToken).ConfigureAwait(false);
        }
        else if (misses.Count > 1)
        {
            await Parallel.ForEachAsync(
                misses,
                new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
                async (i, ct) => hashed[i] = await HashOneAsync(files[i], stats[i], cache, ct).ConfigureAwait(false)).ConfigureAwait(false);
        }

        return hashed!;
    }

    private static async ValueTask<HashedFile> HashOneAsync(SourceFile file, FileStat before, HashCache cache, CancellationToken cancellationToken)
    {
        ContentHash hash;
        long length;
        try
        {
            (hash, length) = before.Length <= WholeReadLimit
                ? HashSmall(file.FullPath, before.Length)
                : await ContentHashing.HashFileAsync(file.FullPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DatasetSourceChangedException(file.FullPath, "it was deleted", ex);
        }

        var after = FileStat.Read(file.FullPath);
        if (after != before || length != before.Length)
        {
            throw new DatasetSourceChangedException(file.FullPath, Describe(before, after, length));
        }

        return new HashedFile(file.FullPath, file.RelativePath, before, hash, cache.IsTrusted(before));
    }

    /// <summary>
    /// Stats a file to register: a link to nothing is a <see cref="FileNotFoundException"/>; a file that was listed (or
    /// checked) a moment ago and is gone now changed under the registration.
    /// </summary>
    public static FileStat Stat(string path)
    {
        if (FileStat.Read(path) is { } stat)
        {
            return stat;
        }

        var info = new FileInfo(path);
        throw info.LinkTarget is not null
            ? new FileNotFoundException($"The file '{path}' to register is a link to '{info.LinkTarget}', which does not exist.", path)
            : info.Exists
                ? new FileNotFoundException($"The file '{path}' to register is not a regular file.", path)
                : new DatasetSourceChangedException(path, "it was deleted");
    }

    public static string Describe(FileStat before, FileStat? after, long read)
        => after is not { } now ? "it was deleted"
            : now.Length != before.Length ? $"its size went from {before.Length} to {now.Length} bytes"
            : read != before.Length ? $"{read} bytes were read of the {before.Length} it had"
            : now.ModifiedNs != before.ModifiedNs ? "its modification time changed"
            : "it was replaced or its metadata changed";

    private static (ContentHash, long) HashSmall(string path, long expected)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var buffer = ArrayPool<byte>.Shared.Rent((int)expected + 1);
        try
        {
            long total = 0;
            int read;
            while ((read = RandomAccess.Read(handle, buffer.AsSpan((int)total, buffer.Length - (int)total), total)) > 0)
            {
                total += read;
                if (total > expected)
                {
                    return (default, total); // grew meanwhile: reported by the caller
                }
            }

            return (ContentHash.FromBytes(SHA256.HashData(buffer.AsSpan(0, (int)total))), total);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
