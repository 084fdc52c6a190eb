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
    public async Task<IReadOnlyCollection<RunRecord>> LoadAsync(string experiment, CancellationToken cancellationToken)
    {
        var snapshotKey = TrackingKeys.IndexSnapshot(experiment);
        var snapshotRead = context.Records.ReadAsync(snapshotKey, TrackingJsonContext.Default.RunIndexSnapshot, cancellationToken);
        var pendingKeys = await context.Store.ListAsync(TrackingKeys.IndexPendingPrefix(experiment), cancellationToken)
            .Select(p => p.Key)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = await snapshotRead.ConfigureAwait(false);
        var pending = await ReadAllAsync(pendingKeys, cancellationToken).ConfigureAwait(false);

        var merged = new Dictionary<string, RunRecord>(StringComparer.Ordinal);
        foreach (var run in (snapshot?.Value.Runs ?? []).Concat(pending.Select(p => p.Record)))
        {
            if (!merged.TryGetValue(run.Id, out var known) || known.Revision < run.Revision)
            {
                merged[run.Id] = run;
            }
        }

        if (pending.Count > context.Options.IndexCompactionThreshold)
        {
            await CompactAsync(experiment, snapshot?.ETag, merged.Values, pending.Select(p => p.Key).ToList(), cancellationToken).ConfigureAwait(false);
        }

        return merged.Values;
    }

    private async Task CompactAsync(string experiment, Azure.ETag? snapshotETag, IEnumerable<RunRecord> runs, List<string> folded, CancellationToken cancellationToken)
    {
        var snapshot = new RunIndexSnapshot { Runs = [.. runs.OrderBy(r => r.Id, StringComparer.Ordinal)] };
        var condition = snapshotETag is { } etag ? WriteCondition.IfMatch(etag) : WriteCondition.IfNotExists;
        try
        {
            await context.Store.WriteAsync(TrackingKeys.IndexSnapshot(experiment), RecordStore.Serialize(snapshot, TrackingJsonContext.Default.RunIndexSnapshot), condition, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            // Another search compacted first; its snapshot holds what these summaries said or newer.
            return;
        }

        await Parallel.ForEachAsync(folded, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (key, ct) =>
            await context.Store.DeleteAsync(key, cancellationToken: ct).ConfigureAwait(false)).ConfigureAwait(false);
        TrackingLog.IndexCompacted(context.Logger, experiment, folded.Count, snapshot.Runs.Count);
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
