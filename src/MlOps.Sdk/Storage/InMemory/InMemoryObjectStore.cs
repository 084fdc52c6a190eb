using System.Globalization;
using Azure;
using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Storage;

/// <summary>
/// An <see cref="ObjectStore"/> held in this process's memory, with the same semantics as the other providers: for
/// tests and throw-away work. Everything is lost when the instance is collected.
/// </summary>
/// <remarks>Large uploads are held in chunks, so a streamed upload is never copied into one contiguous buffer.</remarks>
public sealed class InMemoryObjectStore : ObjectStore
{
    private const int ChunkSize = 4 << 20;

    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _keys = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private long _version;

    /// <summary>Creates an empty store.</summary>
    /// <param name="name">A name shown in <see cref="ObjectStore.Location"/> (<c>memory://name</c>); a new GUID when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for last-modified times; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public InMemoryObjectStore(string? name = null, TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        Location = new Uri("memory://" + Uri.EscapeDataString(name ?? Guid.NewGuid().ToString("N")) + "/");
    }

    /// <inheritdoc />
    public override Uri Location { get; }

    /// <inheritdoc />
    /// <value>Always <see langword="false"/>.</value>
    public override bool IsRemote => false;

    /// <summary>Gets the number of objects in the store.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <inheritdoc />
    protected override Task<DateTimeOffset> GetCurrentTimeCoreAsync(CancellationToken cancellationToken)
        => Task.FromResult(_timeProvider.GetUtcNow());

    /// <inheritdoc />
    protected override Task<ObjectProperties?> GetPropertiesCoreAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_entries.TryGetValue(key, out var entry) ? entry.Properties : null);
        }
    }

    /// <inheritdoc />
    protected override Task<StoredObject?> ReadCoreAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Entry? entry;
        lock (_gate)
        {
            _entries.TryGetValue(key, out entry);
        }

        return Task.FromResult(entry is null ? null : new StoredObject(entry.Properties, entry.ToBinaryData()));
    }

    /// <inheritdoc />
    protected override Task<ObjectProperties> WriteCoreAsync(string key, BinaryData content, WriteCondition condition, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Commit(key, [content.ToArray()], content.ToMemory().Length, condition));
    }

    /// <inheritdoc />
    protected override async Task<ObjectProperties> UploadCoreAsync(string key, Stream content, WriteCondition condition, CancellationToken cancellationToken)
    {
        var chunks = new List<byte[]>();
        long length = 0;
        while (true)
        {
            var chunk = GC.AllocateUninitializedArray<byte>(ChunkSize);
            var filled = 0;
            int read;
            while (filled < chunk.Length && (read = await content.ReadAsync(chunk.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
            {
                filled += read;
            }

            if (filled > 0)
            {
                chunks.Add(filled == chunk.Length ? chunk : chunk.AsSpan(0, filled).ToArray());
                length += filled;
            }

            if (filled < chunk.Length)
            {
                break;
            }
        }

        return Commit(key, chunks, length, condition);
    }

    /// <inheritdoc />
    protected override Task<Stream> OpenReadCoreAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return _entries.TryGetValue(key, out var entry)
                ? Task.FromResult<Stream>(new ChunkStream(entry.Chunks, entry.Properties.Size))
                : throw new ObjectNotFoundException(key);
        }
    }

    /// <inheritdoc />
    protected override async Task<ObjectProperties> DownloadToCoreAsync(string key, Stream destination, CancellationToken cancellationToken)
    {
        Entry? entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out entry))
            {
                throw new ObjectNotFoundException(key);
            }
        }

        foreach (var chunk in entry.Chunks)
        {
            await destination.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
        }

        return entry.Properties;
    }

    /// <inheritdoc />
    protected override Task<ObjectPage> ListPageCoreAsync(string prefix, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var items = new List<ObjectProperties>(Math.Min(pageSize, 256));
        var more = false;
        lock (_gate)
        {
            var start = continuationToken is not null && string.CompareOrdinal(continuationToken, prefix) > 0 ? continuationToken : prefix;
            if (_keys.Count > 0 && string.CompareOrdinal(start, _keys.Max) <= 0)
            {
                foreach (var key in _keys.GetViewBetween(start, _keys.Max))
                {
                    if (!key.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        break;
                    }

                    if (key == continuationToken)
                    {
                        continue;
                    }

                    if (items.Count == pageSize)
                    {
                        more = true;
                        break;
                    }

                    items.Add(_entries[key].Properties);
                }
            }
        }

        return Task.FromResult(new ObjectPage(items, more ? items[^1].Key : null));
    }

    /// <inheritdoc />
    protected override Task<bool> DeleteCoreAsync(string key, ETag? ifMatch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                return Task.FromResult(false);
            }

            if (ifMatch is { } expected && entry.Properties.ETag != expected)
            {
                throw new PreconditionFailedException(key, WriteCondition.IfMatch(expected));
            }

            _entries.Remove(key);
            _keys.Remove(key);
            return Task.FromResult(true);
        }
    }

    private ObjectProperties Commit(string key, List<byte[]> chunks, long length, WriteCondition condition)
    {
        lock (_gate)
        {
            var exists = _entries.TryGetValue(key, out var current);
            switch (condition.Kind)
            {
                case WriteConditionKind.IfNotExists when exists:
                case WriteConditionKind.IfMatch when !exists || current!.Properties.ETag != condition.ETag:
                    throw new PreconditionFailedException(key, condition);
            }

            if (!exists)
            {
                ThrowIfFolderConflict(key);
            }

            var etag = new ETag(string.Create(CultureInfo.InvariantCulture, $"\"{++_version:x}\""));
            var properties = new ObjectProperties(key, length, etag, _timeProvider.GetUtcNow());
            _entries[key] = new Entry(properties, chunks);
            _keys.Add(key);
            return properties;
        }
    }

    /// <summary>Keeps the key space the file-system provider can hold: a key is never also the folder of another key.</summary>
    private void ThrowIfFolderConflict(string key)
    {
        for (var slash = key.IndexOf('/'); slash >= 0; slash = key.IndexOf('/', slash + 1))
        {
            if (_entries.ContainsKey(key[..slash]))
            {
                throw new ObjectStoreException(key, $"The key '{key}' cannot be written: one of its folders, '{key[..slash]}', is an object (a key must not also be the folder of another key).");
            }
        }

        var folder = key + "/";
        if (_keys.Count > 0 && string.CompareOrdinal(folder, _keys.Max) <= 0 && _keys.GetViewBetween(folder, _keys.Max).FirstOrDefault() is { } first && first.StartsWith(folder, StringComparison.Ordinal))
        {
            throw new ObjectStoreException(key, $"The key '{key}' cannot be written: it is the folder of other keys (for example '{first}'). A key must not also be the folder of another key.");
        }
    }

    private sealed record Entry(ObjectProperties Properties, List<byte[]> Chunks)
    {
        public BinaryData ToBinaryData()
        {
            if (Chunks.Count == 1)
            {
                return BinaryData.FromBytes(Chunks[0]);
            }

            var bytes = new byte[Properties.Size];
            var offset = 0;
            foreach (var chunk in Chunks)
            {
                chunk.CopyTo(bytes, offset);
                offset += chunk.Length;
            }

            return BinaryData.FromBytes(bytes);
        }
    }
}
