using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tracking;

/// <summary>
/// Listable summaries of the runs of each experiment, so a search reads a few objects per experiment instead of one per
/// run (MLflow's file store read every run and took minutes on tens of thousands).
/// </summary>
/// <remarks>
/// A run writes its summary to <c>pending/</c> when it starts and ends (and when it is resumed, reconciled as crashed,
/// or tagged after it ended); each summary carries the run's revision, so the newest one of a run wins however the
/// summaries are merged. A search reads the snapshot and the pending summaries and, when more than
/// <see cref="TrackingOptions.IndexCompactionThreshold"/> are pending, writes a new snapshot by compare-and-swap and then
/// deletes exactly the pending summaries it folded in. A crash between the two leaves summaries that are merged again,
/// harmlessly. The summaries of running runs are refreshed from their records at search time.
/// </remarks>
internal sealed class RunIndex(TrackingContext context)
{
    // The last snapshot read of each experiment, reused while its ETag is unchanged (a properties read instead of a download and parse).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Azure.ETag ETag, IndexedRun[] Runs)> _snapshots = new(StringComparer.Ordinal);

    public Task AppendAsync(RunRecord record, CancellationToken cancellationToken)
    {
        var summary = Summarize(record);
        return context.Records.WriteAsync(
            TrackingKeys.IndexPending(record.Experiment, record.Id, record.Revision),
            summary,
            TrackingJsonContext.Default.RunRecord,
            cancellationToken);
    }

    /// <summary>The newest summary of every run of an experiment.</summary>
    public async Task<IReadOnlyCollection<IndexedRun>> LoadAsync(string experiment, CancellationToken cancellationToken)
    {
        // Pending first, then the snapshot: a compaction in between folds what was listed into the snapshot read after,
        // so nothing is missed (the other order could miss summaries folded and deleted in between).
        var pendingKeys = await context.Store.ListAsync(TrackingKeys.IndexPendingPrefix(experiment), cancellationToken)
            .Select(p => p.Key)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = await ReadSnapshotAsync(experiment, cancellationToken).ConfigureAwait(false);
        var pending = await ReadAllAsync(pendingKeys, cancellationToken).ConfigureAwait(false);

        var merged = new Dictionary<string, IndexedRun>(snapshot?.Runs.Length ?? 0, StringComparer.Ordinal);
        foreach (var run in (snapshot?.Runs ?? []).Concat(pending.Select(p => IndexedRun.FromRecord(p.Record))))
        {
            if (!merged.TryGetValue(run.Id, out var known) || known.Revision < run.Revision)
            {
                merged[run.Id] = run;
            }
        }

        if (pending.Count > context.Options.IndexCompactionThreshold)
        {
            try
            {
                await CompactAsync(experiment, snapshot?.ETag, merged.Values, pending.Select(p => p.Key).ToList(), cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectStoreException ex)
            {
                // A read-only credential searches fine; it just cannot tidy up.
                TrackingLog.CompactionFailed(context.Logger, experiment, ex);
            }
        }


        return merged.Values;
    }

    private async Task<(Azure.ETag ETag, IndexedRun[] Runs)?> ReadSnapshotAsync(string experiment, CancellationToken cancellationToken)
    {
        var key = TrackingKeys.IndexSnapshot(experiment);
        if (_snapshots.TryGetValue(experiment, out var cached))
        {
            var properties = await context.Store.GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false);
            if (properties?.ETag == cached.ETag)
            {
                return cached;
            }
        }

        var read = await context.Store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (read is null)
        {
            _snapshots.TryRemove(experiment, out _);
            return null;
        }

        var fresh = (read.ETag, RunSnapshot.Parse(key, read.Content));
        _snapshots[experiment] = fresh;
        return fresh;
    }

    private async Task CompactAsync(string experiment, Azure.ETag? snapshotETag, IEnumerable<IndexedRun> runs, List<string> folded, CancellationToken cancellationToken)
    {
        IndexedRun[] ordered = [.. runs.OrderBy(r => r.Id, StringComparer.Ordinal)];
        var condition = snapshotETag is { } etag ? WriteCondition.IfMatch(etag) : WriteCondition.IfNotExists;
        try
        {
            var written = await context.Store.WriteAsync(TrackingKeys.IndexSnapshot(experiment), RunSnapshot.Serialize(ordered), condition, cancellationToken).ConfigureAwait(false);
            _snapshots[experiment] = (written.ETag, ordered);
        }
        catch (PreconditionFailedException)
        {
            // Another search compacted first; its snapshot holds what these summaries said or newer.
            return;
        }

        await Parallel.ForEachAsync(folded, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (key, ct) =>
            await context.Store.DeleteAsync(key, cancellationToken: ct).ConfigureAwait(false)).ConfigureAwait(false);
        TrackingLog.IndexCompacted(context.Logger, experiment, folded.Count, ordered.Length);
    }

    private async Task<List<(string Key, RunRecord Record)>> ReadAllAsync(List<string> keys, CancellationToken cancellationToken)
    {
        var results = new (string Key, RunRecord? Record)[keys.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, keys.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
            results[i] = (keys[i], await context.Records.GetAsync(keys[i], TrackingJsonContext.Default.RunRecord, ct).ConfigureAwait(false))).ConfigureAwait(false);
        return results.Where(r => r.Record is not null).Select(r => (r.Key, r.Record!)).ToList();
    }

    /// <summary>A run's record without what searches never need: artifact lists and long stack traces.</summary>
    private static RunRecord Summarize(RunRecord record)
    {
        var summary = record.Clone();
        summary.Artifacts = [];
        if (summary.Failure?.StackTrace is { Length: > 2000 } stack)
        {
            summary.Failure.StackTrace = stack[..2000];
        }

        return summary;
    }
}
