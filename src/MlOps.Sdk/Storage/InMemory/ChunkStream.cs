namespace MlOps.Sdk.Storage;

/// <summary>A read-only, seekable view over immutable chunks of any sizes.</summary>
internal sealed class ChunkStream : Stream
{
    private readonly List<byte[]> _chunks;
    private readonly long[] _starts;
    private readonly long _length;
    private long _position;

    public ChunkStream(List<byte[]> chunks, long length)
    {
        _chunks = chunks;
        _length = length;
        _starts = new long[chunks.Count];
        long start = 0;
        for (var i = 0; i < chunks.Count; i++)
        {
            _starts[i] = start;
            start += chunks[i].Length;
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var total = 0;
        while (buffer.Length > 0 && _position < _length)
        {
            var index = Array.BinarySearch(_starts, _position);
            index = index >= 0 ? index : ~index - 1;
            var chunk = _chunks[index];
            var within = (int)(_position - _starts[index]);
            var n = Math.Min(buffer.Length, chunk.Length - within);
            chunk.AsSpan(within, n).CopyTo(buffer);
            buffer = buffer[n..];
            _position += n;
            total += n;
        }

        return total;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<int>(cancellationToken) : new(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => _length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
