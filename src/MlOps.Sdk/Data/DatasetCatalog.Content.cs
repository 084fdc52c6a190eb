using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Data;

/// <content>Storing a version's files (packs for small ones, content objects for large ones) and materializing them back.</content>
public partial class DatasetCatalog
{
    /// <summary>
    /// Stores the files of a new version and says where each one is. A file the dataset's latest version already holds
    /// is not stored again; small new files go into packs, large ones into the content store.
    /// </summary>
    private async Task<List<DatasetFileRecord>> StoreFilesAsync(string name, HashedFile[] files, CancellationToken cancellationToken)
    {
        var known = new Dictionary<string, DatasetFileRecord>(StringComparer.Ordinal);
        var latest = await GetHighestVersionAsync(name, cancellationToken).ConfigureAwait(false);
        if (latest > 0 && await ReadVersionAsync(name, latest, cancellationToken).ConfigureAwait(false) is { External: null } previous)
        {
            foreach (var file in await GetFileRecordsAsync(previous, cancellationToken).ConfigureAwait(false))
            {
                known.TryAdd(file.Sha256, file);
            }
        }

        var threshold = _context.Options.PackThresholdBytes;
        var result = new List<DatasetFileRecord>(files.Length);
        var packs = new List<List<HashedFile>>();
        var large = new List<HashedFile>();
        List<HashedFile>? pack = null;
        long packSize = 0;
        var pending = new List<(DatasetFileRecord Record, List<HashedFile>? Pack)>();
        var reused = new List<(DatasetFileRecord Record, DatasetFileRecord Source)>();
        foreach (var file in files)
        {
            var hash = file.Hash.ToString();
            var record = new DatasetFileRecord { Path = file.RelativePath, Sha256 = hash, Size = file.Length };
            result.Add(record);
            if (known.TryGetValue(hash, out var where))
            {
                reused.Add((record, where)); // where it is stored is settled below, once new packs have their ids
                continue;
            }

            if (file.Length >= threshold)
            {
                large.Add(file);
                known[hash] = record;
                continue;
            }

            if (pack is null || packSize + file.Length > _context.Options.MaxPackBytes)
            {
                pack = [];
                packs.Add(pack);
                packSize = 0;
            }

            record.Offset = packSize;
            pack.Add(file);
            packSize += file.Length;
            pending.Add((record, pack));
            known[hash] = record;
        }

        var packIds = packs.ToDictionary(p => p, PackId);
        foreach (var (record, holder) in pending)
        {
            record.Pack = packIds[holder!];
        }

        foreach (var (record, source) in reused)
        {
            record.Pack = source.Pack;
            record.Offset = source.Offset;
        }

        var work = new List<(List<HashedFile>? Pack, HashedFile? File)>();
        work.AddRange(packs.Select(p => ((List<HashedFile>?)p, (HashedFile?)null)));
        work.AddRange(large.Select(f => ((List<HashedFile>?)null, (HashedFile?)f)));
        await Parallel.ForEachAsync(
            work,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Min(_context.Options.Parallelism, 4), CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                if (item.Pack is { } p)
                {
                    await StorePackAsync(packIds[p], p, ct).ConfigureAwait(false);
                }
                else
                {
                    await StoreLargeAsync(item.File!, ct).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        return result;
    }

    /// <summary>A pack's id: a SHA-256 over the hashes and sizes of its files, which determine its bytes.</summary>
    private static string PackId(IReadOnlyList<HashedFile> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("mlops-pack-v1\n"u8);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{file.Hash} {file.Length.ToString(CultureInfo.InvariantCulture)}\n"));
        }

        return ContentHashing.Finish(hash).ToString();
    }

    private async Task StorePackAsync(string id, List<HashedFile> files, CancellationToken cancellationToken)
    {
        var key = DataKeys.Pack(id);
        var size = files.Sum(f => f.Length);
        if (await _context.Store.GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false) is { } existing && existing.Size == size)
        {
            return;
        }

        var stream = new PackReadStream(files);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                await _context.Store.UploadAsync(key, stream, WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
            }
            catch (PreconditionFailedException)
            {
                // Stored meanwhile by a registration of the same files: the same bytes.
            }
        }
    }

    private async Task StoreLargeAsync(HashedFile file, CancellationToken cancellationToken)
    {
        try
        {
            await _context.Content.PutHashedFileAsync(file.FullPath, file.Hash, file.Length, cancellationToken).ConfigureAwait(false);
        }
        catch (ContentChangedException ex)
        {
            throw new DatasetSourceChangedException(file.FullPath, $"its SHA-256 was {ex.First} when hashed and {ex.Second} when stored", ex);
        }
        catch (FileNotFoundException ex)
        {
            throw new DatasetSourceChangedException(file.FullPath, "it was deleted", ex);
        }
    }

    /// <summary>
    /// Writes a version's files under a folder, each verified against its SHA-256. Files already there and unchanged
    /// (by the hash cache) are kept; others are written under a temporary name and renamed into place.
    /// </summary>
    internal async Task<string> MaterializeAsync(DatasetVersionRecord record, string? folder, CancellationToken cancellationToken)
    {
        if (record.External is not null)
        {
            throw new InvalidOperationException($"datasets:/{record.Name}/{record.Version} is an external reference to {record.External.Uri}; its data is not in the store.");
        }

        var target = Path.GetFullPath(folder ?? Path.Combine(_context.Options.ResolveMaterializePath(), record.Identity));
        var files = await GetFileRecordsAsync(record, cancellationToken).ConfigureAwait(false);
        var cache = HashCache.Open(_context.Options.HashCacheEnabled ? _context.Options.ResolveHashCachePath() : null, target);
        var stamp = record.CreatedAt.UtcDateTime;
        var missing = new List<DatasetFileRecord>();
        var entries = new System.Collections.Concurrent.ConcurrentBag<(string, FileStat, ContentHash, bool)>();
        foreach (var file in files)
        {
            var path = Destination(target, file.Path);
            if (FileStat.Read(path) is { } stat && stat.Length == file.Size && cache.TryGet(file.Path, stat, out var known) && known.ToString() == file.Sha256)
            {
                entries.Add((file.Path, stat, known, true));
                continue;
            }

            missing.Add(file);
        }

        // One unit of work per pack, and one per file stored on its own, so large files download in parallel.
        var work = missing.GroupBy(f => f.Pack ?? "\0" + f.Path).ToList();
        await Parallel.ForEachAsync(
            work,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Min(_context.Options.Parallelism, 4), CancellationToken = cancellationToken },
            async (group, ct) =>
            {
                if (group.Key[0] == '\0')
                {
                    foreach (var file in group)
                    {
                        var path = Destination(target, file.Path);
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        await _context.Content.DownloadToFileAsync(ContentHash.Parse(file.Sha256), path, ct).ConfigureAwait(false);
                        Remember(cache, entries, file, path, stamp);
                    }
                }
                else
                {
                    await ExtractPackAsync(group.Key, [.. group.OrderBy(f => f.Offset)], target, cache, entries, stamp, ct).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        cache.Save(entries);
        return target;
    }

    private async Task ExtractPackAsync(string id, List<DatasetFileRecord> files, string target, HashCache cache, System.Collections.Concurrent.ConcurrentBag<(string, FileStat, ContentHash, bool)> entries, DateTime stamp, CancellationToken cancellationToken)
    {
        var key = DataKeys.Pack(id);
        Stream pack;
        try
        {
            pack = await _context.Store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException ex)
        {
            throw new ContentNotFoundException(ContentHash.Parse(files[0].Sha256), _context.Store.Location, ex);
        }

        await using (pack.ConfigureAwait(false))
        {
            long position = 0;
            var buffer = new byte[1 << 16];
            foreach (var file in files)
            {
                if (file.Offset < position)
                {
                    continue; // the same bytes as a file before it (a duplicate): copied below
                }

                if (!await SkipAsync(pack, file.Offset - position, buffer, cancellationToken).ConfigureAwait(false))
                {
                    throw new ContentIntegrityException(ContentHash.Parse(file.Sha256), ContentHash.Compute([]), $"{key} (ends before '{file.Path}' at offset {file.Offset})");
                }

                position = file.Offset;
                var path = Destination(target, file.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
                try
                {
                    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                    await using (output.ConfigureAwait(false))
                    {
                        var left = file.Size;
                        while (left > 0)
                        {
                            var read = await pack.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
                            if (read == 0)
                            {
                                throw new ContentIntegrityException(ContentHash.Parse(file.Sha256), ContentHashing.Finish(hash), $"{key} (cut short in '{file.Path}')");
                            }

                            hash.AppendData(buffer, 0, read);
                            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                            left -= read;
                        }
                    }

                    position += file.Size;
                    var actual = ContentHashing.Finish(hash);
                    if (actual.ToString() != file.Sha256)
                    {
                        throw new ContentIntegrityException(ContentHash.Parse(file.Sha256), actual, $"{key} ('{file.Path}')");
                    }

                    File.SetLastWriteTimeUtc(temporary, stamp);
                    File.Move(temporary, path, overwrite: true);
                }
                finally
                {
                    File.Delete(temporary);
                }

                Remember(cache, entries, file, path, stamp);
            }
        }

        // Duplicates point at bytes already written: copy them from the file they duplicate.
        var written = new Dictionary<(long, long), string>();
        foreach (var file in files)
        {
            var path = Destination(target, file.Path);
            if (written.TryGetValue((file.Offset, file.Size), out var source) && source != path)
            {
                // Every file here failed verification (or was missing): write it, from the verified copy of its bytes.
                var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
                try
                {
                    File.Copy(source, temporary);
                    File.SetLastWriteTimeUtc(temporary, stamp);
                    File.Move(temporary, path, overwrite: true);
                }
                finally
                {
                    File.Delete(temporary);
                }

                Remember(cache, entries, file, path, stamp);
            }

            written.TryAdd((file.Offset, file.Size), path);
        }
    }

    private static void Remember(HashCache cache, System.Collections.Concurrent.ConcurrentBag<(string, FileStat, ContentHash, bool)> entries, DatasetFileRecord file, string path, DateTime stamp)
    {
        File.SetLastWriteTimeUtc(path, stamp);
        if (FileStat.Read(path) is { } stat)
        {
            entries.Add((file.Path, stat, ContentHash.Parse(file.Sha256), cache.IsTrusted(stat, modifiedTimeSetBack: true)));
        }
    }

    /// <summary>Skips bytes of a pack; <see langword="false"/> when it ends first (a damaged pack).</summary>
    private static async Task<bool> SkipAsync(Stream stream, long count, byte[] buffer, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            count -= read;
        }

        return true;
    }

    private static string Destination(string target, string relative)
    {
        var path = Path.GetFullPath(Path.Combine(target, relative));
        return path.StartsWith(target + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? path
            : throw new InvalidOperationException($"The dataset file '{relative}' would be written outside '{target}'.");
    }
}
