using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Storage;
using Parquet.Serialization;

namespace MlOps.Sdk.Monitoring;

/// <summary>
/// The one reader of monitoring's Parquet files: every computation (performance, drift, reports, diagnosis, retention)
/// reads the logs through it, so what it reads is exactly what Spark or DuckDB read from the same layout
/// (docs/monitoring-layout.md). Partitions outside the time range are never opened; rows are de-duplicated by id and arm
/// (an interrupted compaction can leave a row in two files until the next one; a shadow's row shares its served
/// prediction's id); feedback is joined by prediction id, the latest recorded winning.
/// </summary>
internal sealed class MonitoringLogReader(ObjectStore store)
{
    private const int Concurrency = 8;

    public ObjectStore Store => store;

    /// <summary>The prediction log files of a model (every model when <see langword="null"/>) whose date partition meets the range.</summary>
    public async Task<List<ObjectProperties>> ListPredictionFilesAsync(string? model, DateOnly? from, DateOnly? to, CancellationToken cancellationToken)
        => await ListAsync(model is null ? MonitoringLayout.Predictions : $"{MonitoringLayout.Predictions}model={model}/", from, to, cancellationToken).ConfigureAwait(false);

    /// <summary>The feedback files whose date partition meets the range.</summary>
    public async Task<List<ObjectProperties>> ListFeedbackFilesAsync(DateOnly? from, DateOnly? to, CancellationToken cancellationToken)
        => await ListAsync(MonitoringLayout.Feedback, from, to, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Within the returned scope (one check, one report), a read of the same model and range is served from the first
    /// one instead of the store: a check's performance and drift, a report's performance, drift and distributions read
    /// the logs once. A read joined with feedback serves both kinds; each caller gets its own list.
    /// </summary>
    public static IDisposable Share()
    {
        var before = Shared.Value;
        Shared.Value = [];
        return new SharedScope(before);
    }

    /// <summary>Reads the predictions of a model in a time range, de-duplicated, joined with their feedback when asked, ordered by time then id.</summary>
    public async Task<List<LoggedPrediction>> ReadPredictionsAsync(string? model, DateTimeOffset? from, DateTimeOffset? to, bool joinFeedback, CancellationToken cancellationToken)
    {
        if (Shared.Value is not { } shared)
        {
            return await ReadPredictionsCoreAsync(model, from, to, joinFeedback, cancellationToken).ConfigureAwait(false);
        }

        var key = (model, from, to);
        if (!shared.TryGetValue(key, out var read) || (joinFeedback && !read.Joined))
        {
            read = (await ReadPredictionsCoreAsync(model, from, to, joinFeedback, cancellationToken).ConfigureAwait(false), joinFeedback);
            shared[key] = read;
        }

        return [.. read.Predictions];
    }

    private static readonly AsyncLocal<Dictionary<(string?, DateTimeOffset?, DateTimeOffset?), (List<LoggedPrediction> Predictions, bool Joined)>?> Shared = new();

    private async Task<List<LoggedPrediction>> ReadPredictionsCoreAsync(string? model, DateTimeOffset? from, DateTimeOffset? to, bool joinFeedback, CancellationToken cancellationToken)
    {
        var (fromDate, toDate) = Dates(from, to);
        var rows = await ReadListedAsync<PredictionLogRow>(() => ListPredictionFilesAsync(model, fromDate, toDate, cancellationToken), cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<(Guid, string?)>();
        var predictions = new List<LoggedPrediction>(rows.Count);
        foreach (var row in rows)
        {
            var timestamp = new DateTimeOffset(MonitoringLayout.Utc(row.Timestamp));
            if ((from is { } f && timestamp < f) || (to is { } t && timestamp >= t) || !Guid.TryParseExact(row.Id, "N", out var id) || !seen.Add((id, row.Arm)))
            {
                continue;
            }

            predictions.Add(new LoggedPrediction(id, timestamp, row.Model, row.Version, row.Arm, row.RoutingKey, Parse(row.Input), Parse(row.Output), row.LatencyMs));
        }

        predictions.Sort(static (a, b) => a.Timestamp != b.Timestamp ? a.Timestamp.CompareTo(b.Timestamp) : a.Id != b.Id ? a.Id.CompareTo(b.Id) : string.CompareOrdinal(a.Arm, b.Arm));
        if (joinFeedback && predictions.Count > 0)
        {
            var feedback = await ReadFeedbackAsync(DateOnly.FromDateTime(predictions[0].Timestamp.UtcDateTime), DateOnly.FromDateTime(predictions[^1].Timestamp.UtcDateTime), cancellationToken).ConfigureAwait(false);
            foreach (var prediction in predictions)
            {
                if (feedback.TryGetValue(prediction.Id, out var actual))
                {
                    prediction.Actual = Parse(actual.Actual);
                    prediction.FeedbackAt = new DateTimeOffset(MonitoringLayout.Utc(actual.Timestamp));
                }
            }
        }

        return predictions;
    }

    /// <summary>Reads the feedback recorded for predictions of the date range: prediction id → the latest recorded.</summary>
    public async Task<Dictionary<Guid, FeedbackRow>> ReadFeedbackAsync(DateOnly? from, DateOnly? to, CancellationToken cancellationToken)
    {
        var rows = await ReadListedAsync<FeedbackRow>(() => ListFeedbackFilesAsync(from, to, cancellationToken), cancellationToken).ConfigureAwait(false);
        return Latest(rows, unparsed: null);
    }

    /// <summary>
    /// The rule of feedback, shared by reads and compaction: per prediction id the latest recorded wins (a tie goes to the
    /// row met later); rows whose id is not a GUID go to <paramref name="unparsed"/> when given.
    /// </summary>
    internal static Dictionary<Guid, FeedbackRow> Latest(IEnumerable<FeedbackRow> rows, List<FeedbackRow>? unparsed)
    {
        var latest = new Dictionary<Guid, FeedbackRow>();
        foreach (var row in rows)
        {
            if (!Guid.TryParseExact(row.PredictionId, "N", out var id))
            {
                unparsed?.Add(row);
            }
            else if (!latest.TryGetValue(id, out var before) || MonitoringLayout.Utc(row.Timestamp) >= MonitoringLayout.Utc(before.Timestamp))
            {
                latest[id] = row;
            }
        }

        return latest;
    }

    /// <summary>Reads Parquet files of one row type, a few at a time; rows in the files' order.</summary>
    public async Task<List<T>> ReadFilesAsync<T>(IReadOnlyList<ObjectProperties> files, CancellationToken cancellationToken)
        where T : class, new()
    {
        var parts = await ReadEachAsync<T>(files, cancellationToken).ConfigureAwait(false);
        return Concat(parts);
    }

    /// <summary>Reads Parquet files of one row type, a few at a time: each file's rows, or <see langword="null"/> for a file deleted since it was listed.</summary>
    public async Task<IList<T>?[]> ReadEachAsync<T>(IReadOnlyList<ObjectProperties> files, CancellationToken cancellationToken)
        where T : class, new()
    {
        var parts = new IList<T>?[files.Count];
        await Parallel.ForAsync(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            parts[i] = await TryReadFileAsync<T>(files[i].Key, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return parts;
    }

    public async Task<IList<T>> ReadFileAsync<T>(string key, CancellationToken cancellationToken)
        where T : class, new()
        // Deleted by retention or compaction between the listing and the read: its rows are elsewhere or gone.
        => await TryReadFileAsync<T>(key, cancellationToken).ConfigureAwait(false) ?? [];

    /// <summary>Reads one Parquet file of one row type; <see langword="null"/> when it does not exist (any more).</summary>
    public async Task<IList<T>?> TryReadFileAsync<T>(string key, CancellationToken cancellationToken)
        where T : class, new()
    {
        var stored = await store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }

        try
        {
            using var stream = stored.Content.ToStream();
            return (await ParquetSerializer.DeserializeAsync<T>(stream, cancellationToken: cancellationToken).ConfigureAwait(false)).Data;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new MonitoringLogFormatException(key, ex);
        }
    }

    /// <summary>
    /// Lists and reads files. A file that vanished between the listing and the read was deleted by retention (its rows
    /// are gone) or by a compaction, which deletes only after writing the rows again: a second listing shows the new
    /// file, so a read during compaction misses no row (duplicates across old and new files go by the id and arm).
    /// </summary>
    private async Task<List<T>> ReadListedAsync<T>(Func<Task<List<ObjectProperties>>> list, CancellationToken cancellationToken)
        where T : class, new()
    {
        var files = await list().ConfigureAwait(false);
        var listed = files.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
        var parts = await ReadEachAsync<T>(files, cancellationToken).ConfigureAwait(false);
        var rows = Concat(parts);
        for (var round = 0; round < 3 && parts.Any(p => p is null); round++)
        {
            var added = (await list().ConfigureAwait(false)).Where(f => listed.Add(f.Key)).ToList();
            parts = await ReadEachAsync<T>(added, cancellationToken).ConfigureAwait(false);
            rows.AddRange(Concat(parts));
        }

        return rows;
    }

    private static List<T> Concat<T>(IList<T>?[] parts)
    {
        var all = new List<T>(parts.Sum(p => p?.Count ?? 0));
        foreach (var part in parts)
        {
            if (part is not null)
            {
                all.AddRange(part);
            }
        }

        return all;
    }

    internal static (DateOnly? From, DateOnly? To) Dates(DateTimeOffset? from, DateTimeOffset? to)
        => (from is { } f ? DateOnly.FromDateTime(f.UtcDateTime) : null, to is { } t ? DateOnly.FromDateTime(t.UtcDateTime.AddTicks(-1)) : null);

    internal static JsonElement Parse(string json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return default;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // Written by another tool: kept as text rather than failing the whole read.
            using var text = JsonDocument.Parse(JsonSerializer.Serialize(json));
            return text.RootElement.Clone();
        }
    }

    private async Task<List<ObjectProperties>> ListAsync(string prefix, DateOnly? from, DateOnly? to, CancellationToken cancellationToken)
    {
        var files = new List<ObjectProperties>();
        await foreach (var file in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (!file.Key.EndsWith(".parquet", StringComparison.Ordinal) || !MonitoringLayout.TryGetDate(file.Key, out var date))
            {
                continue;
            }

            if ((from is { } f && date < f) || (to is { } t && date > t))
            {
                continue;
            }

            files.Add(file);
        }

        return files;
    }

    private sealed class SharedScope(Dictionary<(string?, DateTimeOffset?, DateTimeOffset?), (List<LoggedPrediction> Predictions, bool Joined)>? before) : IDisposable
    {
        public void Dispose() => Shared.Value = before;
    }
}
