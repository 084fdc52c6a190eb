using System.Security.Cryptography;

namespace MlOps.Sdk.Storage;

/// <summary>
/// A read-only stream that hashes what is read through it and throws <see cref="ContentIntegrityException"/> when the
/// bytes do not match the expected hash: on the read that reaches the known length (so a caller reading exactly
/// <see cref="Length"/> bytes never gets the last of them unverified), or else on the read that finds the end. Once
/// corrupt, every later read throws again.
/// </summary>
internal sealed class VerifyingStream : Stream
{
    private readonly Stream _inner;
    private readonly ContentHash _expected;
    private readonly string _location;
    private readonly Action<ContentHash>? _onCorrupt;
    private readonly bool _leaveOpen;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly long _length;
    private long _position;
    private bool _verified;
    private ContentIntegrityException? _corrupt;

    public VerifyingStream(Stream inner, ContentHash expected, string location, Action<ContentHash>? onCorrupt = null, bool leaveOpen = false)
    {
        _leaveOpen = leaveOpen;
        _inner = inner;
        _expected = expected;
        _location = location;
        _onCorrupt = onCorrupt;
        _length = inner.CanSeek ? inner.Length - inner.Position : -1;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length >= 0 ? _length : throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("Verified content streams are read from start to end.");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ThrowIfCorrupt();
        return Observe(buffer, _inner.Read(buffer));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfCorrupt();
        var read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Observe(buffer.Span, read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("Verified content streams are read from start to end.");

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }

            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_leaveOpen)
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
        }

        _hash.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private int Observe(ReadOnlySpan<byte> buffer, int read)
    {
        if (read > 0)
        {
            _hash.AppendData(buffer[..read]);
            _position += read;
            if (_position == _length)
            {
                Verify();
            }

            return read;
        }

        if (buffer.Length > 0)
        {
            Verify();
        }

        return 0;
    }

    private void ThrowIfCorrupt()
    {
        if (_corrupt is not null)
        {
            throw _corrupt;
        }
    }

    private void Verify()
    {
        if (_verified)
        {
            return;
        }

        _verified = true;
        var actual = ContentHashing.Finish(_hash);
        if (actual != _expected)
        {
            _corrupt = new ContentIntegrityException(_expected, actual, _location);
            _onCorrupt?.Invoke(actual);
            throw _corrupt;
        }
    }
}
