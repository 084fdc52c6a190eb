using System.Buffers;
using System.Text.Json;
using MlOps.Sdk.Records;

namespace MlOps.Sdk.Tracking;

/// <summary>
/// One run as the run index holds it: the fields a search filters and orders on, read from the snapshot without
/// building the whole record, and the record itself, built only for the runs a search returns.
/// </summary>
/// <remarks>
/// A snapshot of 10,000 runs parsed into full records spent most of its time allocating dictionaries and strings nobody
/// looked at; this projection shares repeated strings (keys, user, commit, ...) and keeps the record's JSON to
/// deserialize on demand, and to copy unchanged into the next snapshot.
/// </remarks>
internal sealed class IndexedRun : IRunFields
{
    private static readonly string[] StatusNames = Enum.GetNames<RunStatus>();

    // The record's JSON in the snapshot it came from (empty for a summary read from pending/), and the key of that snapshot.
    private readonly ReadOnlyMemory<byte> _json;
    private readonly string _source;
    private readonly RunRecord? _record;

    private IndexedRun(ReadOnlyMemory<byte> json, string source, RunRecord? record)
    {
        _json = json;
        _source = source;
        _record = record;
    }

    public required string Id { get; init; }

    public required string Experiment { get; init; }

    public long Revision { get; init; }

    public RunStatus Status { get; init; }

    public string? Name { get; init; }

    public string? ParentRunId { get; init; }

    public string? User { get; init; }

    public string? Machine { get; init; }

    public string? Commit { get; init; }

    public string? Branch { get; init; }

    public string? Environment { get; init; }

    public DateTimeOffset StartTime { get; init; }

    public DateTimeOffset? EndTime { get; init; }

    public KeyValuePair<string, string>[] Parameters { get; init; } = [];

    public KeyValuePair<string, string>[] Tags { get; init; } = [];

    /// <summary>Gets the latest value of each metric.</summary>
    public KeyValuePair<string, double>[] Metrics { get; init; } = [];

    /// <summary>Projects a record read on its own (a summary from <c>pending/</c>, or a run's record).</summary>
    /// <param name="record">The record.</param>
    /// <param name="status">The status to report, when it is not the recorded one (a running run reported crashed).</param>
    public static IndexedRun FromRecord(RunRecord record, RunStatus? status = null) => new(ReadOnlyMemory<byte>.Empty, string.Empty, record)
    {
        Id = record.Id,
        Experiment = record.Experiment,
        Revision = record.Revision,
        Status = status ?? record.Status,
        Name = record.Name,
        ParentRunId = record.ParentRunId,
        User = record.Source?.User,
        Machine = record.Source?.Machine,
        Commit = record.Source?.GitCommit,
        Branch = record.Source?.GitBranch,
        Environment = record.Source?.Environment,
        StartTime = record.StartTime,
        EndTime = record.EndTime,
        Parameters = [.. record.Parameters],
        Tags = [.. record.Tags],
        Metrics = [.. record.Metrics.Select(m => KeyValuePair.Create(m.Key, m.Value.Last))],
    };

    /// <summary>Creates the projection of a run's JSON in a snapshot; <see cref="RunSnapshot"/> fills in the fields.</summary>
    public static IndexedRun FromJson(ReadOnlyMemory<byte> json, string source, in Fields fields) => new(json, source, null)
    {
        Id = fields.Id ?? throw new RecordFormatException(source, "has a run without an id"),
        Experiment = fields.Experiment ?? throw new RecordFormatException(source, $"has run '{fields.Id}' without an experiment"),
        Revision = fields.Revision,
        Status = fields.Status,
        Name = fields.Name,
        ParentRunId = fields.ParentRunId,
        User = fields.User,
        Machine = fields.Machine,
        Commit = fields.Commit,
        Branch = fields.Branch,
        Environment = fields.Environment,
        StartTime = fields.StartTime,
        EndTime = fields.EndTime,
        Parameters = fields.Parameters,
        Tags = fields.Tags,
        Metrics = fields.Metrics,
    };

    /// <summary>The whole summary record, deserialized each time from the snapshot (not kept: the snapshot stays cached, and a search without a limit would keep every whole record with it).</summary>
    /// <exception cref="RecordFormatException">The snapshot's JSON of the run is not a valid run record.</exception>
    public RunRecord ToRecord()
        => _record ?? RecordStore.Deserialize(_source, new BinaryData(_json), TrackingJsonContext.Default.RunRecord);

    /// <summary>The run as a search returns it.</summary>
    public RunInfo ToInfo() => new(ToRecord(), Status, null);

    /// <summary>Writes the record as one line of JSON: the snapshot's bytes as they were, or the record serialized.</summary>
    public void WriteTo(IBufferWriter<byte> buffer)
    {
        if (!_json.IsEmpty)
        {
            buffer.Write(_json.Span);
            return;
        }

        using var writer = new Utf8JsonWriter(buffer);
        JsonSerializer.Serialize(writer, _record, TrackingJsonContext.Default.RunRecord);
    }

    public bool TryGetParameter(string name, out string value) => TryFind(Parameters, name, out value!);

    public bool TryGetTag(string name, out string value) => TryFind(Tags, name, out value!);

    public bool TryGetMetric(string name, out double value) => TryFind(Metrics, name, out value);

    public bool TryGetAttribute(string name, out object? value)
    {
        value = name switch
        {
            "run_id" => Id,
            "name" => Name,
            "experiment" => Experiment,
            "status" => StatusNames[(int)Status],
            "user" => User,
            "machine" => Machine,
            "commit" => Commit,
            "branch" => Branch,
            "environment" => Environment,
            "parent_run_id" => ParentRunId,
            "start_time" => StartTime,
            "end_time" => EndTime,
            "duration" => (EndTime - StartTime)?.TotalSeconds,
            _ => null,
        };
        return value is not null;
    }

    // Runs have a handful to a few dozen of each; a linear scan beats hashing at that size and needs no dictionary per run.
    private static bool TryFind<T>(KeyValuePair<string, T>[] entries, string name, out T value)
    {
        foreach (var entry in entries)
        {
            if (string.Equals(entry.Key, name, StringComparison.Ordinal))
            {
                value = entry.Value;
                return true;
            }
        }

        value = default!;
        return false;
    }

    /// <summary>The searchable fields of a run as <see cref="RunSnapshot"/> reads them.</summary>
    internal struct Fields
    {
        public string? Id;
        public string? Experiment;
        public long Revision;
        public RunStatus Status;
        public string? Name;
        public string? ParentRunId;
        public string? User;
        public string? Machine;
        public string? Commit;
        public string? Branch;
        public string? Environment;
        public DateTimeOffset StartTime;
        public DateTimeOffset? EndTime;
        public KeyValuePair<string, string>[] Parameters;
        public KeyValuePair<string, string>[] Tags;
        public KeyValuePair<string, double>[] Metrics;
    }
}
