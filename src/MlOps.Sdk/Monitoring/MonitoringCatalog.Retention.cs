using MlOps.Sdk.Internal;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Monitoring;

/// <summary>Retention: compaction of closed day partitions and deletion of old ones (docs/monitoring-layout.md).</summary>
public partial class MonitoringCatalog
{
    private const string CompactedPrefix = "compacted-";

    /// <summary>
    /// Merges the small files of each closed day partition (one model's predictions of a day; the feedback of a day) into
    /// as few Parquet files as <see cref="CompactionOptions.MaxRowsPerFile"/> allows, without duplicates: a prediction id
    /// is kept once per arm (a shadow's row shares its served prediction's id), and of the feedback for one prediction
    /// only the latest. The new files are written (create-if-absent) before the old ones are deleted, so a crash in
    /// between leaves duplicates that every read removes and the next compaction deletes; a concurrent reader that finds a listed file gone lists again and reads the new one. Files
    /// written after a partition was listed (a late writer, late feedback) are left for the next compaction.
    /// </summary>
    /// <param name="options">The file size and the grace period; the defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation; partitions finished before it stay compacted.</param>
    /// <returns>What was read, written and deleted; zeros when every closed partition was already compact.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> is invalid.</exception>
    /// <exception cref="MonitoringLogFormatException">A log file cannot be read; its partition is left as it was.</exception>
    /// <exception cref="ObjectStoreException">The store failed; the partitions finished before it stay compacted.</exception>
    public virtual async Task<CompactionResult> CompactAsync(CompactionOptions? options = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        options ??= new CompactionOptions();
        OptionsValidation.ThrowIfInvalid(options);
        var now = await _reader.Store.GetCurrentTimeAsync(cancellationToken).ConfigureAwait(false);
        var lastClosed = DateOnly.FromDateTime((now - options.GracePeriod).UtcDateTime).AddDays(-1);
        var tally = new CompactionTally();
        foreach (var partition in ByPartition(await _reader.ListPredictionFilesAsync(model: null, from: null, to: lastClosed, cancellationToken).ConfigureAwait(false)))
        {
            await CompactPartitionAsync<PredictionLogRow>(partition, DistinctPredictions, options.MaxRowsPerFile, now.UtcDateTime, tally, cancellationToken).ConfigureAwait(false);
        }

        foreach (var partition in ByPartition(await _reader.ListFeedbackFilesAsync(from: null, to: lastClosed, cancellationToken).ConfigureAwait(false)))
        {
            await CompactPartitionAsync<FeedbackRow>(partition, LatestFeedback, options.MaxRowsPerFile, now.UtcDateTime, tally, cancellationToken).ConfigureAwait(false);
        }

        MonitoringLog.Compacted(_logger, tally.Partitions, tally.FilesRead, tally.FilesWritten, tally.RowsRead, tally.RowsWritten);
        return new CompactionResult(tally.Partitions, tally.FilesRead, tally.FilesWritten, tally.FilesDeleted, tally.RowsRead, tally.RowsWritten);
    }

    /// <summary>
    /// Deletes the day partitions — predictions of every model, and feedback — whose whole day is older than the store's
    /// clock minus <see cref="RetentionOptions.MaxAge"/>. Feedback is partitioned by its prediction's date, so a
    /// prediction and its ground truth go together.
    /// </summary>
    /// <param name="options">How long logs are kept.</param>
    /// <param name="cancellationToken">A token to cancel the operation; files deleted before it stay deleted.</param>
    /// <returns>The first date kept and what was deleted (rows are not counted: that would mean reading every file).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> is invalid (for example <see cref="RetentionOptions.MaxAge"/> under a day).</exception>
    /// <exception cref="ObjectStoreException">The store failed; the files deleted before it stay deleted.</exception>
    public virtual async Task<RetentionResult> ApplyRetentionAsync(RetentionOptions options, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(options);
        OptionsValidation.ThrowIfInvalid(options);
        var now = await _reader.Store.GetCurrentTimeAsync(cancellationToken).ConfigureAwait(false);
        var cutoff = DateOnly.FromDateTime((now - options.MaxAge).UtcDateTime);
        var old = await _reader.ListPredictionFilesAsync(model: null, from: null, to: cutoff.AddDays(-1), cancellationToken).ConfigureAwait(false);
        old.AddRange(await _reader.ListFeedbackFilesAsync(from: null, to: cutoff.AddDays(-1), cancellationToken).ConfigureAwait(false));
        int partitions = 0, files = 0;
        long bytes = 0;
        foreach (var partition in ByPartition(old))
        {
            foreach (var file in partition.Files)
            {
                if (await _reader.Store.DeleteAsync(file.Key, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    files++;
                    bytes += file.Size;
                }
            }

            partitions++;
            MonitoringLog.PartitionDeleted(_logger, partition.Prefix, partition.Files.Count);
        }

        MonitoringLog.RetentionApplied(_logger, partitions, files, cutoff);
        return new RetentionResult(cutoff, partitions, files, bytes);
    }

    private static IEnumerable<Partition> ByPartition(IEnumerable<ObjectProperties> files)
        => files.GroupBy(f => f.Key[..(f.Key.LastIndexOf('/') + 1)], StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new Partition(g.Key, g.OrderBy(f => f.Key, StringComparer.Ordinal).ToList()));

    private static List<PredictionLogRow> DistinctPredictions(List<PredictionLogRow> rows)
    {
        // By id and arm, as the reader de-duplicates (copies are the same row: an interrupted compaction wrote it twice;
        // a shadow's row shares its served prediction's id).
        var seen = new HashSet<(Guid, string?)>();
        var kept = rows.Where(r => !Guid.TryParseExact(r.Id, "N", out var id) || seen.Add((id, r.Arm))).ToList();
        foreach (var row in kept)
        {
            row.Timestamp = MonitoringLayout.Utc(row.Timestamp);
        }

        return [.. kept.OrderBy(r => r.Timestamp).ThenBy(r => r.Id, StringComparer.Ordinal).ThenBy(r => r.Arm, StringComparer.Ordinal)];
    }

    private static List<FeedbackRow> LatestFeedback(List<FeedbackRow> rows)
    {
        // The reader's rule; rows whose id is not a GUID are kept as they are.
        foreach (var row in rows)
        {
            row.Timestamp = MonitoringLayout.Utc(row.Timestamp);
        }

        var other = new List<FeedbackRow>();
        var latest = MonitoringLogReader.Latest(rows, other);
        return [.. latest.Values.Concat(other).OrderBy(r => r.Timestamp).ThenBy(r => r.PredictionId, StringComparer.Ordinal)];
    }

    private async Task CompactPartitionAsync<T>(Partition partition, Func<List<T>, List<T>> distinct, int maxRowsPerFile, DateTime utcNow, CompactionTally tally, CancellationToken cancellationToken)
        where T : class, new()
    {
        if (partition.Files.Count < 2)
        {
            return;
        }

        var parts = await _reader.ReadEachAsync<T>(partition.Files, cancellationToken).ConfigureAwait(false);
        var read = new List<ObjectProperties>();
        var rows = new List<T>();
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i] is { } part)
            {
                // Only what was read is deleted: a file that vanished meanwhile (another compaction) is not counted.
                read.Add(partition.Files[i]);
                rows.AddRange(part);
            }
        }

        var kept = distinct(rows);
        var needed = (kept.Count + maxRowsPerFile - 1) / maxRowsPerFile;
        if (read.Count <= needed && kept.Count == rows.Count)
        {
            return; // already compact
        }

        // New files first, create-if-absent; the old ones only once every row is in a new one.
        for (var start = 0; start < kept.Count; start += maxRowsPerFile)
        {
            var chunk = kept.GetRange(start, Math.Min(maxRowsPerFile, kept.Count - start));
            await MonitoringLayout.WriteParquetAsync(_reader.Store, MonitoringLayout.NewFile(partition.Prefix, utcNow, CompactedPrefix), chunk, cancellationToken).ConfigureAwait(false);
        }

        var deleted = 0;
        foreach (var file in read)
        {
            try
            {
                if (await _reader.Store.DeleteAsync(file.Key, file.ETag, cancellationToken).ConfigureAwait(false))
                {
                    deleted++;
                }
            }
            catch (PreconditionFailedException)
            {
                // Replaced since it was read (log files are never rewritten; someone else's file): left alone.
                MonitoringLog.CompactionLeftFile(_logger, file.Key);
            }
        }

        tally.Add(read.Count, needed, deleted, rows.Count, kept.Count);
        MonitoringLog.PartitionCompacted(_logger, partition.Prefix, read.Count, rows.Count, needed, kept.Count);
    }

    private sealed record Partition(string Prefix, List<ObjectProperties> Files);

    private sealed class CompactionTally
    {
        public int Partitions { get; private set; }

        public int FilesRead { get; private set; }

        public int FilesWritten { get; private set; }

        public int FilesDeleted { get; private set; }

        public long RowsRead { get; private set; }

        public long RowsWritten { get; private set; }

        public void Add(int filesRead, int filesWritten, int filesDeleted, long rowsRead, long rowsWritten)
        {
            Partitions++;
            FilesRead += filesRead;
            FilesWritten += filesWritten;
            FilesDeleted += filesDeleted;
            RowsRead += rowsRead;
            RowsWritten += rowsWritten;
        }
    }
}
