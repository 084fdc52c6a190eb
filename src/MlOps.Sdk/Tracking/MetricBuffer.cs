using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace MlOps.Sdk.Tracking;

/// <summary>
/// The bounded buffer between <see cref="Run.LogMetric"/> and the run's background writer: logging adds a 24-byte entry
/// under a lock and returns; when the buffer holds its capacity, logging waits for the writer (back-pressure) instead of
/// growing. The writer takes everything at once by swapping two arrays.
/// </summary>
internal sealed class MetricBuffer
{
    private readonly object _gate = new();
    private readonly int _capacity;
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];
    private Entry[] _active;
    private Entry[] _spare;
    private int _count;
    private TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _lastName;
    private int _lastId;
    private bool _closed;

    public MetricBuffer(int capacity)
    {
        _capacity = capacity;
        _active = new Entry[Math.Min(capacity, 4096)];
        _spare = [];
    }

    /// <summary>Raised (outside the lock) when the buffer is half full, so the writer flushes before anyone waits.</summary>
    public Action? HalfFull { get; set; }

    public bool IsEmpty
    {
        get
        {
            lock (_gate)
            {
                return _count == 0;
            }
        }
    }

    /// <summary>Adds a point, waiting while the buffer is full.</summary>
    /// <returns><see langword="false"/> when the buffer is closed (the run is ending): the point was not taken.</returns>
    public bool Add(string name, double value, long step, long timestampMs, Func<string, string> validateName, out bool waited)
    {
        waited = false;
        bool signal;
        lock (_gate)
        {
            while (_count == _capacity && !_closed)
            {
                waited = true;
                HalfFull?.Invoke();
                Monitor.Wait(_gate, 100);
            }

            if (_closed)
            {
                return false;
            }

            signal = Append(name, value, step, timestampMs, validateName);
        }

        if (signal)
        {
            HalfFull?.Invoke();
        }

        return true;
    }

    /// <summary>Refuses new points from now on (the run is ending) and wakes whoever waits for room.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
            _drained.TrySetResult();
        }
    }

    /// <summary>Takes points again (ending the run failed, so it goes on).</summary>
    public void Reopen()
    {
        lock (_gate)
        {
            _closed = false;
            _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Adds a point, awaiting (not blocking) while the buffer is full.</summary>
    /// <returns><see langword="false"/> when the buffer is closed (the run is ending): the point was not taken.</returns>
    public async ValueTask<bool> AddAsync(string name, double value, long step, long timestampMs, Func<string, string> validateName, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task drained;
            bool signal;
            lock (_gate)
            {
                if (_closed)
                {
                    return false;
                }

                if (_count < _capacity)
                {
                    signal = Append(name, value, step, timestampMs, validateName);
                    drained = Task.CompletedTask;
                }
                else
                {
                    signal = true;
                    drained = _drained.Task;
                }
            }

            if (signal)
            {
                HalfFull?.Invoke();
            }

            if (drained.IsCompleted)
            {
                return true;
            }

            await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes every buffered point, leaving the buffer empty, and wakes whoever waits for room.</summary>
    public Batch TakeAll()
    {
        lock (_gate)
        {
            var batch = new Batch(_active, _count, [.. _names]);
            (_active, _spare) = (_spare.Length >= _active.Length ? _spare : new Entry[_active.Length], _active);
            _count = 0;
            Monitor.PulseAll(_gate);
            _drained.TrySetResult();
            _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return batch;
        }
    }

    private bool Append(string name, double value, long step, long timestampMs, Func<string, string> validateName)
    {
        int id;
        if (ReferenceEquals(name, _lastName))
        {
            id = _lastId;
        }
        else if (!_ids.TryGetValue(name, out id))
        {
            id = _names.Count;
            _ids.Add(validateName(name), id);
            _names.Add(name);
            (_lastName, _lastId) = (name, id);
        }
        else
        {
            (_lastName, _lastId) = (name, id);
        }

        if (_count == _active.Length)
        {
            Array.Resize(ref _active, Math.Min(_capacity, _active.Length * 2));
        }

        _active[_count++] = new Entry(id, step, timestampMs, value);
        return _count == _capacity / 2;
    }

    public readonly record struct Entry(int NameId, long Step, long TimestampMs, double Value);

    /// <summary>Points taken from the buffer, with the names their ids refer to.</summary>
    public readonly record struct Batch(Entry[] Entries, int Count, string[] Names)
    {
        /// <summary>Writes the points as CSV: <c>name,step,timestamp_ms,value</c>, invariant culture, one per line.</summary>
        public BinaryData ToCsv()
        {
            var writer = new ArrayBufferWriter<byte>(Math.Max(256, Count * 40));
            Write(writer, "name,step,timestamp_ms,value\n"u8);
            var names = Names.Select(Encoding.UTF8.GetBytes).ToArray();
            for (var i = 0; i < Count; i++)
            {
                ref readonly var entry = ref Entries[i];
                var span = writer.GetSpan(names[entry.NameId].Length + 64);
                names[entry.NameId].CopyTo(span);
                var at = names[entry.NameId].Length;
                span[at++] = (byte)',';
                Utf8Formatter.TryFormat(entry.Step, span[at..], out var written);
                at += written;
                span[at++] = (byte)',';
                Utf8Formatter.TryFormat(entry.TimestampMs, span[at..], out written);
                at += written;
                span[at++] = (byte)',';
                entry.Value.TryFormat(span[at..], out written, "R", CultureInfo.InvariantCulture);
                at += written;
                span[at++] = (byte)'\n';
                writer.Advance(at);
            }

            return new BinaryData(writer.WrittenMemory);
        }

        private static void Write(ArrayBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(writer.GetSpan(bytes.Length));
            writer.Advance(bytes.Length);
        }
    }

    /// <summary>Reads a segment written by <see cref="Batch.ToCsv"/>, keeping the points of one metric (or all).</summary>
    public static IEnumerable<MetricPoint> ParseCsv(BinaryData segment, string? onlyName)
    {
        var text = segment.ToString();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            var c3 = line.LastIndexOf(',');
            var c2 = line.LastIndexOf(',', c3 - 1);
            var c1 = line.LastIndexOf(',', c2 - 1);
            var name = line[..c1];
            if (onlyName is not null && name != onlyName)
            {
                continue;
            }

            yield return new MetricPoint(
                name,
                double.Parse(line.AsSpan(c3 + 1), NumberStyles.Float, CultureInfo.InvariantCulture),
                long.Parse(line.AsSpan(c1 + 1, c2 - c1 - 1), NumberStyles.Integer, CultureInfo.InvariantCulture),
                DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(line.AsSpan(c2 + 1, c3 - c2 - 1), NumberStyles.Integer, CultureInfo.InvariantCulture)));
        }
    }
}
