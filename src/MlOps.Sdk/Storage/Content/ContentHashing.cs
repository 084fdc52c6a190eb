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

/// <summary>A write-only stream that hashes and counts what passes through to the stream it wraps, and disposes it.</summary>
internal sealed class HashingWriteStream(Stream inner) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private ContentHash? _result;

    public long BytesWritten { get; private set; }

    public ContentHash Hash => _result ??= ContentHashing.Finish(_hash);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => BytesWritten;

    public override long Position
    {
        get => BytesWritten;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        BytesWritten += buffer.Length;
        inner.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _hash.AppendData(buffer.Span);
        BytesWritten += buffer.Length;
        await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ = Hash;
            inner.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _ = Hash;
        await inner.DisposeAsync().ConfigureAwait(false);
        _hash.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
