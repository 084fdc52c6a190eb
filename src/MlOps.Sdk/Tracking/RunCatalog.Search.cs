using System.Runtime.CompilerServices;
using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Tracking;

/// <content>Search and comparison of runs, from the run index rather than one read per run.</content>
public partial class RunCatalog
{
    /// <summary>
    /// Searches runs across experiments with a filter and an order (see <see cref="RunQuery"/>). Reads each experiment's
    /// run index, not one object per run; running runs are read fresh, and those without a recent heartbeat are reported
    /// <see cref="RunStatus.Crashed"/>.
    /// </summary>
    /// <param name="query">What to look for; every run of every live experiment, newest first, when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the enumeration.</param>
    /// <returns>The matching runs, in order.</returns>
    /// <exception cref="InvalidRunQueryException">The filter or order cannot be parsed; thrown here, before any enumeration.</exception>
    /// <exception cref="ArgumentException">An experiment name in the query is invalid.</exception>
    /// <exception cref="ExperimentNotFoundException">An experiment named in the query does not exist (or is deleted and deleted ones are not included).</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual IAsyncEnumerable<RunInfo> SearchAsync(RunQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new RunQuery();
        var filter = RunFilter.Parse(query.Filter);
        var ordering = RunOrdering.Parse(query.OrderBy);
        foreach (var experiment in query.Experiments)
        {
            TrackingNames.Experiment(experiment, nameof(query));
        }

        if (query.MaxResults is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.MaxResults, "RunQuery.MaxResults must not be negative.");
        }

        return SearchCoreAsync(query, filter, ordering, cancellationToken);
    }

    /// <summary>Compares runs side by side: every parameter and metric of any of them, with each run's value and the difference to the first run.</summary>
    /// <param name="runIds">The runs, the first being the baseline.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The comparison table.</returns>
    /// <exception cref="ArgumentException">No run id is given.</exception>
    /// <exception cref="RunNotFoundException">A run does not exist.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<RunComparison> CompareAsync(IEnumerable<string> runIds, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(runIds);
        var ids = runIds.ToList();
        if (ids.Count == 0)
        {
            throw new ArgumentException("Name at least one run to compare.", nameof(runIds));
        }

        var runs = await Task.WhenAll(ids.Select(id => GetAsync(id, cancellationToken))).ConfigureAwait(false);
        return new RunComparison(runs);
    }

    private async IAsyncEnumerable<RunInfo> SearchCoreAsync(RunQuery query, RunFilter filter, RunOrdering ordering, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        RunScope.EnterSdk();
        var experiments = await SelectExperimentsAsync(query, cancellationToken).ConfigureAwait(false);
        var summaries = await Task.WhenAll(experiments.Select(e => _context.Index.LoadAsync(e, cancellationToken))).ConfigureAwait(false);
        var all = summaries.SelectMany(s => s).ToList();

        // Ended runs as the index has them; running ones read fresh (they may have logged more, or crashed).
        var running = all.Where(r => r.Status == RunStatus.Running).Select(r => r.Id).ToList();
        var runs = new List<IRunFields>(all.Count);
        runs.AddRange(all.Where(r => r.Status != RunStatus.Running));
        if (running.Count > 0)
        {
            runs.AddRange(await RefreshRunningAsync(running, cancellationToken).ConfigureAwait(false));
        }

        var matching = runs.Where(filter.Matches).ToList();
        matching.Sort(ordering.Compare);
        foreach (var run in matching.Take(query.MaxResults ?? int.MaxValue))
        {
            // Only now is a run's whole record deserialized from the index.
            yield return run as RunInfo ?? ((IndexedRun)run).ToInfo();
        }
    }

    private async Task<List<string>> SelectExperimentsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        if (query.Experiments.Count == 0)
        {
            return (await _context.ListExperimentsAsync(query.IncludeDeletedExperiments, cancellationToken).ConfigureAwait(false)).Select(e => e.Name).ToList();
        }

        var names = query.Experiments.Distinct(StringComparer.Ordinal).ToList();
        var records = await Task.WhenAll(names.Select(n => _context.Records.GetAsync(TrackingKeys.Experiment(n), TrackingJsonContext.Default.ExperimentRecord, cancellationToken))).ConfigureAwait(false);
        for (var i = 0; i < names.Count; i++)
        {
            if (records[i] is null || (records[i]!.DeletedAt is not null && !query.IncludeDeletedExperiments))
            {
                throw new ExperimentNotFoundException(names[i], deleted: records[i] is not null);
            }
        }

        return names;
    }

    /// <summary>Reads running runs fresh from their records, with one listing of the heartbeats for all of them.</summary>
    private async Task<List<RunInfo>> RefreshRunningAsync(List<string> running, CancellationToken cancellationToken)
    {
        var heartbeats = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await foreach (var beat in _context.Store.ListAsync(TrackingKeys.HeartbeatsPrefix, cancellationToken).ConfigureAwait(false))
        {
            heartbeats[beat.Key[TrackingKeys.HeartbeatsPrefix.Length..]] = beat.LastModified;
        }

        var now = await _context.Store.GetCurrentTimeAsync(cancellationToken).ConfigureAwait(false);
        var refreshed = new RunInfo?[running.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, running.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var current = await _context.Records.GetAsync(TrackingKeys.Run(running[i]), TrackingJsonContext.Default.RunRecord, ct).ConfigureAwait(false);
            refreshed[i] = current is null
                ? null // a summary whose run was never created (its start failed)
                : current.Status != RunStatus.Running
                    ? new RunInfo(current, current.Status, null)
                    : await ReportAsync(current, heartbeats.TryGetValue(current.Id, out var beat) ? beat : null, now, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return [.. refreshed.Where(r => r is not null).Select(r => r!)];
    }
}
