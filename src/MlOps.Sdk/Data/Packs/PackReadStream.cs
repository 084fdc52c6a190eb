using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Data;

/// <summary>
/// The bytes of a pack as a forward-only stream: the files one after another, each read again from disk and checked
/// against the hash and stat it was registered with as it passes, so a file that changed since it was hashed fails the
/// upload (<see cref="DatasetSourceChangedException"/>) and nothing is stored.
/// </summary>
internal sealed class PackReadStream(IReadOnlyList<HashedFile> files) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _index = -1;
    private SafeFileHandle? _handle;
    private long _offset;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => files.Sum(f => f.Length);

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            if (_handle is null && !OpenNext())
            {
                return 0;
            }

            var file = files[_index];
            var wanted = (int)Math.Min(buffer.Length, file.Length - _offset);
            var read = wanted == 0 ? 0 : RandomAccess.Read(_handle!, buffer[..wanted], _offset);
            if (read == 0)
            {
                FinishCurrent();
                continue;
            }

            _hash.AppendData(buffer[..read]);
            _offset += read;
            _position += read;
            return read;
        }

        return 0;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _handle?.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private bool OpenNext()
    {
        if (++_index >= files.Count)
        {
            return false;
        }

        var file = files[_index];
        try
        {
            _handle = File.OpenHandle(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DatasetSourceChangedException(file.FullPath, "it was deleted", ex);
        }

        _offset = 0;
        return true;
    }

    /// <summary>At the end of a file's registered length: no more bytes, the same hash, the same stat.</summary>
    private void FinishCurrent()
    {
        var file = files[_index];
        Span<byte> probe = stackalloc byte[1];
        var longer = RandomAccess.Read(_handle!, probe, _offset) > 0;
        _handle!.Dispose();
        _handle = null;
        var hash = ContentHashing.Finish(_hash);
        var now = FileStat.Read(file.FullPath);
        if (longer || _offset != file.Length || now != file.Stat)
        {
            throw new DatasetSourceChangedException(file.FullPath, DatasetHasher.Describe(file.Stat, now, longer ? file.Length + 1 : _offset));
        }

        if (hash != file.Hash)
        {
            throw new DatasetSourceChangedException(file.FullPath, $"its SHA-256 was {file.Hash} when hashed and {hash} when stored");
        }
    }
}
