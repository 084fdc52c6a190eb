using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using MlOps.Sdk.Records;

namespace MlOps.Sdk.Tracking;

/// <summary>
/// The format of an experiment's run index snapshot: JSON lines, a header (<c>{"schemaVersion":1,"runs":N}</c>) and then
/// one run summary record per line, ordered by run id.
/// </summary>
/// <remarks>
/// Lines let the snapshot be parsed on all cores at once and let each run's JSON be kept as it is: a search reads only
/// the fields it filters and orders on (<see cref="IndexedRun"/>) with a forward-only reader, and deserializes the whole
/// record only for the runs it returns; a compaction copies unchanged runs' bytes into the next snapshot.
/// </remarks>
internal static class RunSnapshot
{
    /// <summary>Writes a snapshot of the given runs, in the order given.</summary>
    public static BinaryData Serialize(IReadOnlyCollection<IndexedRun> runs)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(1024, runs.Count * 768));
        using (var header = new Utf8JsonWriter(buffer))
        {
            header.WriteStartObject();
            header.WriteNumber("schemaVersion", IRecord.CurrentSchemaVersion);
            header.WriteNumber("runs", runs.Count);
            header.WriteEndObject();
        }

        foreach (var run in runs)
        {
            buffer.Write("\n"u8);
            run.WriteTo(buffer);
        }

        buffer.Write("\n"u8);
        return new BinaryData(buffer.WrittenMemory);
    }

    /// <summary>Reads a snapshot.</summary>
    /// <param name="key">The snapshot's key, for errors.</param>
    /// <param name="content">The snapshot.</param>
    /// <returns>The runs, in the snapshot's order.</returns>
    /// <exception cref="RecordFormatException">The snapshot is not valid, or was written by a newer version of MlOps.Sdk.</exception>
    public static IndexedRun[] Parse(string key, BinaryData content)
    {
        var bytes = content.ToMemory();
        var lines = new List<Range>();
        var span = bytes.Span;
        for (var start = 0; start < span.Length;)
        {
            var end = span[start..].IndexOf((byte)'\n');
            var length = end < 0 ? span.Length - start : end;
            if (length > 0)
            {
                lines.Add(new Range(start, start + length));
            }

            start += length + 1;
        }

        if (lines.Count == 0)
        {
            throw new RecordFormatException(key, "is empty");
        }

        var announced = ReadHeader(key, span[lines[0]]);
        if (announced != lines.Count - 1)
        {
            // Cut short (or run together with something else): runs would be missing from searches without a word.
            throw new RecordFormatException(key, $"announces {announced} runs but holds {lines.Count - 1}");
        }

        var runs = new IndexedRun[lines.Count - 1];
        var parts = Math.Min(System.Environment.ProcessorCount, Math.Max(1, runs.Length / 256));
        try
        {
            Parallel.For(0, parts, part =>
            {
                // One pool and scratch space per part: they need no locks, and each part still shares most strings within it.
                var scratch = new Scratch();
                for (var i = part; i < runs.Length; i += parts)
                {
                    var line = bytes[lines[i + 1]];
                    runs[i] = IndexedRun.FromJson(line, key, ReadFields(key, line.Span, scratch));
                }
            });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.FirstOrDefault(e => e is RecordFormatException) is { } format)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(format);
        }

        return runs;
    }

    /// <summary>Checks the header line and returns the number of runs it announces.</summary>
    private static int ReadHeader(string key, ReadOnlySpan<byte> header)
    {
        int? version = null;
        int? runs = null;
        try
        {
            var reader = new Utf8JsonReader(header);
            Next(ref reader);
            Expect(ref reader, JsonTokenType.StartObject);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("schemaVersion"u8))
                {
                    Next(ref reader);
                    version = reader.GetInt32();
                }
                else if (reader.ValueTextEquals("runs"u8))
                {
                    Next(ref reader);
                    runs = reader.GetInt32();
                }
                else
                {
                    reader.Skip();
                }
            }

            ExpectEnd(ref reader);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new RecordFormatException(key, "does not start with a valid header", ex);
        }

        if (version > IRecord.CurrentSchemaVersion)
        {
            throw new RecordFormatException(key, $"has schema version {version}, written by a newer MlOps.Sdk; this one reads up to version {IRecord.CurrentSchemaVersion}. Upgrade the package");
        }

        if (version is not >= 1 || runs is not >= 0)
        {
            throw new RecordFormatException(key, "does not start with a valid header (a schema version and a number of runs)");
        }

        return runs.Value;
    }

    /// <summary>Reads the searchable fields of one run's JSON, skipping the rest (artifacts, inputs, failure, ...).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a few times per process, each time over every run: tier-0 code was 3x slower
    private static IndexedRun.Fields ReadFields(string key, ReadOnlySpan<byte> json, Scratch scratch)
    {
        var pool = scratch.Strings;
        var fields = new IndexedRun.Fields { Parameters = [], Tags = [], Metrics = [] };
        var seen = 0; // the properties read so far, a bit each: the writer never repeats one, so a repeat is corruption
        try
        {
            var reader = new Utf8JsonReader(json);
            Next(ref reader);
            Expect(ref reader, JsonTokenType.StartObject);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("schemaVersion"u8))
                {
                    Once(ref seen, 0, "schemaVersion");
                    Next(ref reader);
                    if (reader.GetInt32() > IRecord.CurrentSchemaVersion)
                    {
                        throw new RecordFormatException(key, $"has a run of schema version {reader.GetInt32()}, written by a newer MlOps.Sdk; this one reads up to version {IRecord.CurrentSchemaVersion}. Upgrade the package");
                    }
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    Once(ref seen, 1, "id");
                    fields.Id = ReadString(ref reader, pool: null);
                }
                else if (reader.ValueTextEquals("experiment"u8))
                {
                    Once(ref seen, 2, "experiment");
                    fields.Experiment = ReadString(ref reader, pool);
                }
                else if (reader.ValueTextEquals("name"u8))
                {
                    Once(ref seen, 3, "name");
                    fields.Name = ReadString(ref reader, pool: null);
                }
                else if (reader.ValueTextEquals("parentRunId"u8))
                {
                    Once(ref seen, 4, "parentRunId");
                    fields.ParentRunId = ReadString(ref reader, pool);
                }
                else if (reader.ValueTextEquals("status"u8))
                {
                    Once(ref seen, 5, "status");
                    fields.Status = ReadStatus(ref reader, key);
                }
                else if (reader.ValueTextEquals("startTime"u8))
                {
                    Once(ref seen, 6, "startTime");
                    Next(ref reader);
                    fields.StartTime = reader.GetDateTimeOffset();
                }
                else if (reader.ValueTextEquals("endTime"u8))
                {
                    Once(ref seen, 7, "endTime");
                    fields.EndTime = Next(ref reader) == JsonTokenType.Null ? null : reader.GetDateTimeOffset();
                }
                else if (reader.ValueTextEquals("revision"u8))
                {
                    Once(ref seen, 8, "revision");
                    Next(ref reader);
                    fields.Revision = reader.GetInt64();
                }
                else if (reader.ValueTextEquals("source"u8))
                {
                    Once(ref seen, 9, "source");
                    ReadSource(ref reader, ref fields, pool);
                }
                else if (reader.ValueTextEquals("parameters"u8))
                {
                    Once(ref seen, 10, "parameters");
                    fields.Parameters = ReadStringMap(ref reader, scratch);
                }
                else if (reader.ValueTextEquals("tags"u8))
                {
                    Once(ref seen, 11, "tags");
                    fields.Tags = ReadStringMap(ref reader, scratch);
                }
                else if (reader.ValueTextEquals("metrics"u8))
                {
                    Once(ref seen, 12, "metrics");
                    fields.Metrics = ReadMetrics(ref reader, scratch);
                }
                else
                {
                    reader.Skip();
                }
            }

            ExpectEnd(ref reader);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new RecordFormatException(key, $"has a run{(fields.Id is null ? string.Empty : $" ('{fields.Id}')")} that is not a valid run record", ex);
        }

        return fields;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadSource(ref Utf8JsonReader reader, ref IndexedRun.Fields fields, StringPool pool)
    {
        if (!EnterObjectOrNull(ref reader))
        {
            return;
        }

        var seen = 0;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("user"u8))
            {
                Once(ref seen, 0, "source.user");
                fields.User = ReadString(ref reader, pool);
            }
            else if (reader.ValueTextEquals("machine"u8))
            {
                Once(ref seen, 1, "source.machine");
                fields.Machine = ReadString(ref reader, pool);
            }
            else if (reader.ValueTextEquals("environment"u8))
            {
                Once(ref seen, 2, "source.environment");
                fields.Environment = ReadString(ref reader, pool);
            }
            else if (reader.ValueTextEquals("gitCommit"u8))
            {
                Once(ref seen, 3, "source.gitCommit");
                fields.Commit = ReadString(ref reader, pool);
            }
            else if (reader.ValueTextEquals("gitBranch"u8))
            {
                Once(ref seen, 4, "source.gitBranch");
                fields.Branch = ReadString(ref reader, pool);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static KeyValuePair<string, string>[] ReadStringMap(ref Utf8JsonReader reader, Scratch scratch)
    {
        EnterObject(ref reader);
        var entries = scratch.Texts;
        entries.Clear();
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var name = scratch.Strings.Get(ref reader);
            var value = ReadString(ref reader, scratch.Strings) ?? throw new JsonException($"'{name}' has no value.");
            CheckUnique(entries, name, scratch.Keys);
            entries.Add(KeyValuePair.Create(name, value));
        }

        return [.. entries];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static KeyValuePair<string, double>[] ReadMetrics(ref Utf8JsonReader reader, Scratch scratch)
    {
        EnterObject(ref reader);
        var entries = scratch.Numbers;
        entries.Clear();
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var name = scratch.Strings.Get(ref reader);
            CheckUnique(entries, name, scratch.Keys);
            Next(ref reader);
            Expect(ref reader, JsonTokenType.StartObject);
            var last = 0.0;
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("last"u8))
                {
                    last = Next(ref reader) == JsonTokenType.String ? ReadNamedNumber(ref reader) : reader.GetDouble();
                }
                else
                {
                    reader.Skip();
                }
            }

            entries.Add(KeyValuePair.Create(name, last));
        }

        return [.. entries];
    }

    private static RunStatus ReadStatus(ref Utf8JsonReader reader, string key)
    {
        Next(ref reader);
        var text = reader.GetString();
        return Enum.TryParse<RunStatus>(text, ignoreCase: false, out var status) && Enum.IsDefined(status) && !char.IsAsciiDigit(text![0])
            ? status
            : throw new RecordFormatException(key, $"has a run with the unknown status '{text}'");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? ReadString(ref Utf8JsonReader reader, StringPool? pool)
    {
        var token = Next(ref reader);
        if (token == JsonTokenType.Null)
        {
            return null;
        }

        Expect(ref reader, JsonTokenType.String);
        return pool is null ? reader.GetString() : pool.Get(ref reader);
    }

    /// <summary>Reads a property's value, which must be an object.</summary>
    private static void EnterObject(ref Utf8JsonReader reader)
    {
        Next(ref reader);
        Expect(ref reader, JsonTokenType.StartObject);
    }

    /// <summary>Reads the end of a run's JSON: nothing may follow it on its line.</summary>
    private static void ExpectEnd(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw new JsonException($"Unexpected {reader.TokenType} after the end of the object, at byte {reader.TokenStartIndex}.");
        }
    }

    /// <summary>Marks a property as read, refusing one read before.</summary>
    private static void Once(ref int seen, int bit, string name)
    {
        if ((seen & (1 << bit)) != 0)
        {
            throw new JsonException($"'{name}' appears twice.");
        }

        seen |= 1 << bit;
    }

    /// <summary>Refuses a key a map already has (a linear scan for the usual handful, a set beyond).</summary>
    private static void CheckUnique<T>(List<KeyValuePair<string, T>> entries, string name, HashSet<string> keys)
    {
        const int ScanLimit = 16;
        if (entries.Count == ScanLimit)
        {
            keys.Clear();
            keys.UnionWith(entries.Select(e => e.Key));
        }

        var repeated = false;
        if (entries.Count >= ScanLimit)
        {
            repeated = !keys.Add(name);
        }
        else
        {
            foreach (var entry in entries)
            {
                repeated |= string.Equals(entry.Key, name, StringComparison.Ordinal);
            }
        }

        if (repeated)
        {
            throw new JsonException($"'{name}' appears twice.");
        }
    }

    /// <summary>A number written as a string: the serializer writes only NaN, Infinity and -Infinity that way.</summary>
    private static double ReadNamedNumber(ref Utf8JsonReader reader)
        => reader.ValueTextEquals("NaN"u8) ? double.NaN
            : reader.ValueTextEquals("Infinity"u8) ? double.PositiveInfinity
            : reader.ValueTextEquals("-Infinity"u8) ? double.NegativeInfinity
            : throw new JsonException($"'{reader.GetString()}' is not a number.");

    /// <summary>Reads a property's value: <see langword="false"/> when it is null, <see langword="true"/> at the start of an object.</summary>
    private static bool EnterObjectOrNull(ref Utf8JsonReader reader)
    {
        if (Next(ref reader) == JsonTokenType.Null)
        {
            return false;
        }

        Expect(ref reader, JsonTokenType.StartObject);
        return true;
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
        => reader.Read() ? reader.TokenType : throw new JsonException("The JSON ends early.");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType expected)
    {
        if (reader.TokenType != expected)
        {
            throw new JsonException($"Expected {expected} but found {reader.TokenType} at byte {reader.TokenStartIndex}.");
        }
    }

    /// <summary>What one part of a parse reuses from run to run.</summary>
    private sealed class Scratch
    {
        public StringPool Strings { get; } = new();

        public List<KeyValuePair<string, string>> Texts { get; } = [];

        public List<KeyValuePair<string, double>> Numbers { get; } = [];

        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>
    /// Hands out one string instance per distinct short value (keys, users, commits, trainer names), so that 10,000 runs
    /// logging the same parameter names do not allocate 10,000 copies of each.
    /// </summary>
    private sealed class StringPool
    {
        private const int MaxLength = 64;
        private const int MaxCount = 16_384;
        private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

        public StringPool()
        {
            _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        /// <summary>The string or property name the reader is on.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public string Get(ref Utf8JsonReader reader)
        {
            // Unescaped, a JSON string has at most as many UTF-16 code units as its escaped UTF-8 form has bytes.
            var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
            if (length > MaxLength)
            {
                return reader.GetString()!;
            }

            Span<char> buffer = stackalloc char[MaxLength];
            var text = buffer[..reader.CopyString(buffer)];
            if (_lookup.TryGetValue(text, out var pooled))
            {
                return pooled;
            }

            var created = new string(text);
            if (_strings.Count < MaxCount)
            {
                _strings.Add(created, created);
            }

            return created;
        }
    }
}
