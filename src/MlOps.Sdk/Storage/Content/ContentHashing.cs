using System.Buffers;
using System.Security.Cryptography;
using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Storage;

/// <summary>Streamed SHA-256 over files and streams with pooled buffers, so no content is ever held whole in memory.</summary>
internal static class ContentHashing
{
    public static async Task<(ContentHash Hash, long Length)> HashStreamAsync(Stream source, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(StreamCopy.BufferSize);
        long length = 0;
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, StreamCopy.BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                length += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (Finish(hash), length);
    }

    /// <summary>Hashes a file, reading the next block while the current one is hashed.</summary>
    public static async Task<(ContentHash Hash, long Length)> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var current = ArrayPool<byte>.Shared.Rent(StreamCopy.BufferSize);
        var next = ArrayPool<byte>.Shared.Rent(StreamCopy.BufferSize);
        long offset = 0;
        try
        {
            var read = await RandomAccess.ReadAsync(handle, current.AsMemory(0, StreamCopy.BufferSize), offset, cancellationToken).ConfigureAwait(false);
            while (read > 0)
            {
                offset += read;
                var pending = RandomAccess.ReadAsync(handle, next.AsMemory(0, StreamCopy.BufferSize), offset, cancellationToken);
                hash.AppendData(current, 0, read);
                read = await pending.ConfigureAwait(false);
                (current, next) = (next, current);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(next);
        }

        return (Finish(hash), offset);
    }

    public static ContentHash Finish(IncrementalHash hash)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        hash.GetHashAndReset(digest);
        return ContentHash.FromBytes(digest);
    }
}

/// <summary>A write-through stream that also hashes what passes, and disposes the stream it wraps.</summary>
internal sealed class HashingWriteStream(Stream inner) : CountingWriteStream(inner, leaveOpen: false)
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private ContentHash? _result;

    /// <summary>Gets the SHA-256 of everything written; writing ends when it is first read.</summary>
    public ContentHash Hash => _result ??= ContentHashing.Finish(_hash);

    protected override void Observe(ReadOnlySpan<byte> written) => _hash.AppendData(written);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ = Hash;
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _ = Hash;
        _hash.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
