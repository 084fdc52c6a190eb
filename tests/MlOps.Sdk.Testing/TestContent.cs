using System.Security.Cryptography;

namespace MlOps.Sdk.Testing;

/// <summary>
/// Reproducible pseudo-random content of any length, produced as it is read (never held whole in memory), so large
/// transfers can be tested without large files or large buffers.
/// </summary>
public sealed class TestContentStream : Stream
{
    private readonly long _length;
    private ulong _state;
    private long _position;
    private ulong _pending;
    private int _pendingBytes;

    /// <summary>Creates a stream of <paramref name="length"/> bytes determined by <paramref name="seed"/>.</summary>
    /// <param name="length">The number of bytes.</param>
    /// <param name="seed">The seed; equal seeds give equal content.</param>
    public TestContentStream(long length, ulong seed)
    {
        _length = length;
        _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => _length;

    /// <inheritdoc />
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Computes the SHA-256 of the content a stream with these arguments produces.</summary>
    /// <param name="length">The number of bytes.</param>
    /// <param name="seed">The seed.</param>
    /// <returns>The 64 lower-case hex digits.</returns>
    public static string Sha256Hex(long length, ulong seed)
    {
        using var stream = new TestContentStream(length, seed);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Writes the content to a file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="length">The number of bytes.</param>
    /// <param name="seed">The seed.</param>
    public static void WriteFile(string path, long length, ulong seed)
    {
        using var stream = new TestContentStream(length, seed);
        using var file = File.Create(path);
        stream.CopyTo(file, 1 << 20);
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        var count = (int)Math.Min(buffer.Length, _length - _position);
        var i = 0;
        while (i < count && _pendingBytes > 0)
        {
            buffer[i++] = (byte)_pending;
            _pending >>= 8;
            _pendingBytes--;
        }

        // Whole 8-byte words, little-endian: the same bytes the one-at-a-time path below emits.
        while (count - i >= 8)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(buffer[i..], Next());
            i += 8;
        }

        while (i < count)
        {
            if (_pendingBytes == 0)
            {
                _pending = Next();
                _pendingBytes = 8;
            }

            buffer[i++] = (byte)_pending;
            _pending >>= 8;
            _pendingBytes--;
        }

        _position += count;
        return count;
    }

    private ulong Next()
    {
        // xorshift64*
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return _state * 2685821657736338717UL;
    }

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => new(Read(buffer.Span));

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => Task.FromResult(Read(buffer, offset, count));

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A write-only sink that hashes and counts what is written, and keeps nothing.</summary>
public sealed class HashingSinkStream : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Gets the number of bytes written.</summary>
    public long BytesWritten { get; private set; }

    /// <inheritdoc />
    public override bool CanRead => false;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => BytesWritten;

    /// <inheritdoc />
    public override long Position
    {
        get => BytesWritten;
        set => throw new NotSupportedException();
    }

    /// <summary>Returns the SHA-256 of everything written.</summary>
    /// <returns>64 lower-case hex digits.</returns>
    public string Sha256Hex() => Convert.ToHexStringLower(_hash.GetCurrentHash());

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        BytesWritten += buffer.Length;
    }

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return default;
    }

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
