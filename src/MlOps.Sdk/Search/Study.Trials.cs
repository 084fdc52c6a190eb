using System.Diagnostics;
using Azure;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Search;

/// <content>
/// The trials in the store: a cache of their records (re-read only when a listing shows a new ETag), allocation of
/// numbers by create-if-absent, claiming waiting and stale trials by compare-and-swap, staleness from run heartbeats.
/// </content>
public partial class Study
{
    /// <summary>
    /// Reads the trials that changed since the last refresh: one listing, plus one read per changed trial. Skipped when
    /// the last refresh finished less than <paramref name="maxAge"/> ago.
    /// </summary>
    private async Task RefreshAsync(CancellationToken cancellationToken, TimeSpan maxAge = default)
    {
        if (maxAge > TimeSpan.Zero && Stopwatch.GetElapsedTime(Volatile.Read(ref _refreshedAt)) < maxAge)
        {
            return;
        }

        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another caller may have refreshed while this one waited.
            if (maxAge > TimeSpan.Zero && Stopwatch.GetElapsedTime(Volatile.Read(ref _refreshedAt)) < maxAge)
            {
                return;
            }

            var started = Stopwatch.GetTimestamp();
            var changed = new List<ObjectProperties>();
            await foreach (var item in _client.Store.ListAsync(_trialsPrefix, cancellationToken).ConfigureAwait(false))
            {
                var number = SearchKeys.TrialNumber(item.Key, _trialsPrefix);
                if (number < 0)
                {
                    continue;
                }

                lock (_gate)
                {
                    if ((_cache.TryGetValue(number, out var cached) && (cached.ETag == item.ETag || cached.Record.State is TrialState.Complete or TrialState.Pruned or TrialState.Failed))
                        || (_unreadable.TryGetValue(number, out var unreadable) && unreadable == item.ETag))
                    {
                        continue;
                    }
                }

                changed.Add(item);
            }

            if (changed.Count > 0)
            {
                var read = new (StoredObject? Stored, int Number)[changed.Count];
                await Parallel.ForEachAsync(
                    Enumerable.Range(0, changed.Count),
                    new ParallelOptions { MaxDegreeOfParallelism = _client.Store.IsRemote ? 16 : 4, CancellationToken = cancellationToken },
                    async (i, ct) => read[i] = (await _client.Store.ReadAsync(changed[i].Key, ct).ConfigureAwait(false), SearchKeys.TrialNumber(changed[i].Key, _trialsPrefix))).ConfigureAwait(false);
                foreach (var (stored, number) in read)
                {
                    if (stored is null)
                    {
                        continue;
                    }

                    try
                    {
                        Remember(number, RecordStore.Deserialize(stored.Properties.Key, stored.Content, SearchJsonContext.Default.TrialRecord), stored.Properties, bulk: true);
                    }
                    catch (RecordFormatException ex)
                    {
                        // One damaged trial must not stop the study: it is left out (its number stays taken) and reported.
                        SearchLog.TrialUnreadable(_logger, Name, number, ex);
                        lock (_gate)
                        {
                            _unreadable[number] = stored.Properties.ETag;
                        }
                    }
                }
            }

            lock (_gate)
            {
                _snapshotAt = _client.TimeProvider.GetUtcNow();
                RebuildSnapshot();
            }

            Volatile.Write(ref _refreshedAt, started);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Refreshes without waiting when the snapshot is more than a second old (for pruning decisions).</summary>
    private void RefreshInBackgroundIfOld()
    {
        lock (_gate)
        {
            if (!_backgroundRefresh.IsCompleted || _client.TimeProvider.GetUtcNow() - _snapshotAt < ReportInterval)
            {
                return;
            }

            _snapshotAt = _client.TimeProvider.GetUtcNow();
            _backgroundRefresh = Task.Run(async () =>
            {
                try
                {
                    await RefreshAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    SearchLog.RefreshFailed(_logger, Name, ex);
                }
            });
        }
    }

    /// <summary>Keeps a record read or written; an older revision than the one cached is ignored.</summary>
    private void Remember(int number, TrialRecord record, ObjectProperties properties, bool bulk = false)
    {
        if (record.Number != number)
        {
            throw new RecordFormatException(properties.Key, $"holds trial {record.Number}, not {number}");
        }

        TrialInfo info;
        try
        {
            info = ToInfo(record);
        }
        catch (Exception ex) when (ex is ArgumentException or OverflowException or RecordFormatException)
        {
            throw new RecordFormatException(properties.Key, $"is not a valid trial: {ex.Message}", ex);
        }

        lock (_gate)
        {
            _unreadable.Remove(number);
            var known = _cache.TryGetValue(number, out var cached);
            if (known && cached!.Record.Revision > record.Revision)
            {
                // A read that raced with a newer write of this process: keep the newer.
                return;
            }

            _cache[number] = new CachedTrial(record, properties.ETag, properties.LastModified, info);
            if (bulk)
            {
                return;
            }

            var at = known ? Array.BinarySearch(_snapshot, info, TrialNumberComparer.Instance) : -1;
            if (at >= 0)
            {
                // Copy on write: a snapshot handed out never changes.
                var snapshot = (TrialInfo[])_snapshot.Clone();
                snapshot[at] = info;
                _snapshot = snapshot;
            }
            else
            {
                RebuildSnapshot();
            }
        }
    }

    private sealed class TrialNumberComparer : IComparer<TrialInfo>
    {
        public static readonly TrialNumberComparer Instance = new();

        public int Compare(TrialInfo? x, TrialInfo? y) => x!.Number.CompareTo(y!.Number);
    }

    /// <summary>The trials as known, with this process's running ones as they are now (their latest parameters and reports).</summary>
    private TrialInfo[] Snapshot(int except = -1)
    {
        TrialInfo[] snapshot;
        List<LiveTrial> live;
        lock (_gate)
        {
            snapshot = _snapshot;
            live = [.. _live.Values];
        }

        if (live.Count == 0 && except < 0)
        {
            return snapshot;
        }

        var byNumber = new Dictionary<int, TrialInfo>(live.Count);
        foreach (var trial in live)
        {
            byNumber[trial.Trial.Number] = trial.Trial.ToInfo();
        }

        var result = new List<TrialInfo>(snapshot.Length + live.Count);
        foreach (var trial in snapshot)
        {
            if (trial.Number == except)
            {
                continue;
            }

            if (byNumber.Remove(trial.Number, out var current))
            {
                result.Add(current);
            }
            else
            {
                result.Add(trial);
            }
        }

        // A live trial is in the snapshot from its creation on; one that is not (being created) goes at the end.
        var appended = false;
        foreach (var (number, current) in byNumber)
        {
            if (number != except)
            {
                result.Add(current);
                appended = true;
            }
        }

        if (appended)
        {
            result.Sort(TrialNumberComparer.Instance);
        }

        return [.. result];
    }

    private void RebuildSnapshot()
    {
        var trials = new TrialInfo[_cache.Count];
        var i = 0;
        foreach (var cached in _cache.Values)
        {
            trials[i++] = cached.Info;
        }

        Array.Sort(trials, (a, b) => a.Number.CompareTo(b.Number));
        _snapshot = trials;
    }

    /// <summary>
    /// Records as Stale every running trial of another worker whose run's heartbeat (or, before its run started, whose
    /// record) is older than the grace period by the store's clock. Each trial is checked at most every quarter grace
    /// period unless <paramref name="force"/>.
    /// </summary>
    private async Task MarkStaleTrialsAsync(bool force, CancellationToken cancellationToken)
    {
        List<CachedTrial> due;
        var clock = _client.TimeProvider.GetUtcNow();
        lock (_gate)
        {
            due = [.. _cache.Values.Where(c => c.Record.State == TrialState.Running && !_live.ContainsKey(c.Record.Number)
                && (force || !_checkedAt.TryGetValue(c.Record.Number, out var at) || clock - at >= _gracePeriod / 4))];
            foreach (var cached in due)
            {
                _checkedAt[cached.Record.Number] = clock;
            }
        }

        if (due.Count == 0)
        {
            return;
        }

        var now = await _client.Store.GetCurrentTimeAsync(cancellationToken).ConfigureAwait(false);
        foreach (var cached in due)
        {
            var beat = cached.Record.RunId is { } runId
                ? await _client.Store.GetPropertiesAsync(TrackingKeys.Heartbeat(runId), cancellationToken).ConfigureAwait(false)
                : null;
            var last = beat?.LastModified ?? cached.LastModified;
            if (now - last <= _gracePeriod)
            {
                continue;
            }

            var (updated, _) = await UpdateTrialAsync(
                cached.Record.Number,
                current =>
                {
                    if (current.State != TrialState.Running || current.RunId != cached.Record.RunId)
                    {
                        return null;
                    }

                    var copy = current.Clone();
                    copy.State = TrialState.Stale;
                    copy.FailureReason = $"Its worker {current.Worker} sent no heartbeat since {last:O} (store time {now:O}).";
                    if (current.RunId is not null)
                    {
                        copy.StaleRunIds.Add(current.RunId);
                    }

                    return copy;
                },
                cancellationToken).ConfigureAwait(false);
            if (updated is { State: TrialState.Stale } && updated.StaleRunIds.LastOrDefault() == cached.Record.RunId && cached.Record.RunId is not null)
            {
                SearchLog.TrialStale(_logger, Name, cached.Record.Number, cached.Record.RunId, beat?.LastModified, now);
                try
                {
                    // Records the run Crashed, so run searches agree with the trial.
                    await _client.Runs.GetAsync(cached.Record.RunId, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RunNotFoundException or ObjectStoreException)
                {
                    // The run never started, or the store is read-only: the trial's state is what matters.
                }
            }
        }

    }

    /// <summary>Takes a waiting trial, else a stale one with retries left, else creates trial max+1 (below <paramref name="totalTrials"/>).</summary>
    /// <returns>The running trial, or <see langword="null"/> when the study holds <paramref name="totalTrials"/> trials and none waits.</returns>
    private async Task<Trial?> AskCoreAsync(int? totalTrials, CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken, AskRefreshInterval).ConfigureAwait(false);
        await MarkStaleTrialsAsync(force: false, cancellationToken).ConfigureAwait(false);
        var runId = Guid.CreateVersion7(_client.TimeProvider.GetUtcNow()).ToString("N");
        var start = _client.TimeProvider.GetUtcNow();

        // The run's heartbeat before the record that names it: other workers judge the trial by it from the first moment.
        await _client.Store.WriteAsync(TrackingKeys.Heartbeat(runId), BinaryData.FromString("{}"), cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            return await AskWithHeartbeatAsync(totalTrials, runId, start, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await TryDeleteHeartbeatAsync(runId).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<Trial?> AskWithHeartbeatAsync(int? totalTrials, string runId, DateTimeOffset start, CancellationToken cancellationToken)
    {
        // Workers start at different waiting trials, so that a queue of them is not fought over one at a time.
        var claimable = Snapshot().Where(Claimable).ToList();
        var offset = claimable.Count == 0 ? 0 : Random.Shared.Next(claimable.Count);
        TrialRecord? claimed = null;
        TrialState claimedFrom = default;
        for (var i = 0; i < claimable.Count && claimed is null; i++)
        {
            var candidate = claimable[(offset + i) % claimable.Count];
            var from = TrialState.Waiting;
            var (updated, _) = await UpdateTrialAsync(
                candidate.Number,
                current =>
                {
                    if (current.State != TrialState.Waiting && !(current.State == TrialState.Stale && current.StaleRunIds.Count <= _staleRetries))
                    {
                        return null;
                    }

                    from = current.State;
                    var copy = current.Clone();
                    copy.State = TrialState.Running;
                    copy.RunId = runId;
                    copy.Worker = _worker;
                    copy.StartTime = start;
                    copy.EndTime = null;
                    copy.Intermediate.Clear();
                    return copy;
                },
                cancellationToken).ConfigureAwait(false);
            if (updated is { State: TrialState.Running } && updated.RunId == runId)
            {
                claimed = updated;
                claimedFrom = from;
                if (updated.StaleRunIds.Count > 0)
                {
                    SearchLog.TrialRetried(_logger, Name, updated.Number, updated.StaleRunIds.Count + 1);
                }
            }
        }

        if (claimed is null)
        {
            (claimed, _) = await CreateTrialAsync(
                totalTrials,
                number =>
                {
                    var context = new SamplingContext(Name, Direction, number, Snapshot());
                    var space = _sampler.InferRelativeSearchSpace(context);
                    var relative = space.Count == 0 ? null : _sampler.SampleRelative(context, space);
                    var record = new TrialRecord { State = TrialState.Running, RunId = runId, Worker = _worker, StartTime = start };
                    foreach (var (name, value) in relative ?? new Dictionary<string, double>())
                    {
                        if (space.TryGetValue(name, out var distribution))
                        {
                            record.Parameters.Add(new TrialParameterRecord { Name = name, Distribution = DistributionRecord.From(distribution), Value = distribution.Contains(value) ? value : distribution.Clamp(value) });
                        }
                    }

                    return record;
                },
                cancellationToken).ConfigureAwait(false);
            if (claimed is null)
            {
                await TryDeleteHeartbeatAsync(runId).ConfigureAwait(false);
                return null;
            }

            claimedFrom = TrialState.Running;
        }

        return await StartTrialAsync(claimed, claimedFrom, cancellationToken).ConfigureAwait(false);
    }

    private async Task TryDeleteHeartbeatAsync(string runId)
    {
        try
        {
            await _client.Store.DeleteAsync(TrackingKeys.Heartbeat(runId)).ConfigureAwait(false);
        }
        catch (ObjectStoreException)
        {
            // Left behind: a heartbeat without a run is read by nothing.
        }
    }

    /// <summary>One past the highest number known (readable or not). Call under the lock.</summary>
    private int NextNumber() => Math.Max(_cache.Count == 0 ? 0 : _cache.Keys.Max() + 1, _unreadable.Count == 0 ? 0 : _unreadable.Keys.Max() + 1);

    private bool Claimable(TrialInfo trial)
        => trial.State == TrialState.Waiting || (trial.State == TrialState.Stale && trial.StaleRunIds.Count <= _staleRetries);

    /// <summary>
    /// Starts the trial's run (with the id the record names) and makes the trial live in this process. If the run cannot
    /// start, a claimed trial goes back to what it was (Waiting, Stale) and a new one is recorded Failed.
    /// </summary>
    private async Task<Trial> StartTrialAsync(TrialRecord record, TrialState claimedFrom, CancellationToken cancellationToken)
    {
        var options = new StartRunOptions
        {
            Name = $"{Name} trial {record.Number}",
            ParentRunId = RunId,
            PresetRunId = record.RunId,
        };
        options.Tags["mlops.study"] = Name;
        options.Tags["mlops.trial"] = record.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var parameter in record.Parameters)
        {
            options.Parameters[parameter.Name] = parameter.Distribution.ToDistribution(parameter.Name).ToExternal(parameter.Value);
        }

        Run run;
        try
        {
            run = await _client.Runs.StartAsync(Experiment, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Nobody else can finish it: give it back, or record why, rather than let it wait out the grace period.
            await TryReleaseUnstartedAsync(record, claimedFrom, ex).ConfigureAwait(false);
            throw;
        }

        var trial = new Trial(_host, record.Number, run, record.Parameters.Where(p => record.Enqueued?.ContainsKey(p.Name) != true), record.Enqueued);
        lock (_gate)
        {
            _live[record.Number] = new LiveTrial(trial, record.RunId!);
        }

        SearchLog.TrialStarted(_logger, Name, record.Number, run.Id);
        return trial;
    }

    private async Task TryReleaseUnstartedAsync(TrialRecord record, TrialState claimedFrom, Exception exception)
    {
        try
        {
            await UpdateTrialAsync(
                record.Number,
                current =>
                {
                    if (current.State != TrialState.Running || current.RunId != record.RunId)
                    {
                        return null;
                    }

                    var copy = current.Clone();
                    if (claimedFrom is TrialState.Waiting or TrialState.Stale)
                    {
                        copy.State = claimedFrom;
                        copy.RunId = claimedFrom == TrialState.Stale ? current.StaleRunIds.LastOrDefault() : null;
                        copy.Worker = null;
                        copy.StartTime = null;
                    }
                    else
                    {
                        copy.State = TrialState.Failed;
                        copy.FailureReason = exception is OperationCanceledException
                            ? "Cancelled before its run started."
                            : $"Its run could not start: {exception.GetType().Name}: {exception.Message}";
                        copy.EndTime = _client.TimeProvider.GetUtcNow();
                    }

                    return copy;
                },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ObjectStoreException or RecordFormatException)
        {
            // It goes stale after the grace period instead.
        }
    }

    /// <summary>
    /// Creates the next trial by create-if-absent: number max+1 as known, and on a conflict (another worker took it) the
    /// next, until one is created or <paramref name="totalTrials"/> is reached.
    /// </summary>
    private async Task<(TrialRecord? Record, ObjectProperties? Properties)> CreateTrialAsync(int? totalTrials, Func<int, TrialRecord> build, CancellationToken cancellationToken)
    {
        int number;
        lock (_gate)
        {
            number = NextNumber();
        }

        while (true)
        {
            if (number >= totalTrials)
            {
                return (null, null);
            }

            var record = build(number);
            record.Number = number;
            var key = SearchKeys.Trial(Name, number);
            try
            {
                var properties = await _client.Store.WriteAsync(key, RecordStore.Serialize(record, SearchJsonContext.Default.TrialRecord), WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
                Remember(number, record, properties);
                return (record, properties);
            }
            catch (PreconditionFailedException)
            {
                // Other workers went ahead: learn what the study holds now (the samplers want it too), then try past it.
                await RefreshAsync(cancellationToken).ConfigureAwait(false);
                lock (_gate)
                {
                    number = Math.Max(number + 1, NextNumber());
                }
            }
        }
    }

    /// <summary>Changes a trial's record by compare-and-swap; <paramref name="change"/> returns <see langword="null"/> to leave it.</summary>
    /// <returns>The record as stored afterwards, and whether this call wrote it.</returns>
    private async Task<(TrialRecord? Record, bool Written)> UpdateTrialAsync(int number, Func<TrialRecord, TrialRecord?> change, CancellationToken cancellationToken)
    {
        var key = SearchKeys.Trial(Name, number);
        TrialRecord? result = null;
        var written = false;
        var properties = await _conflictRetry.UpdateAsync(
            _client.Store,
            key,
            current =>
            {
                if (current is null)
                {
                    throw new RecordFormatException(key, "is missing: a trial's record is never deleted");
                }

                var before = RecordStore.Deserialize(key, current.Content, SearchJsonContext.Default.TrialRecord);
                var after = change(before);
                if (after is not null)
                {
                    after.Revision = before.Revision + 1;
                }

                written = after is not null;
                result = after ?? before;
                return after is null ? null : RecordStore.Serialize(after, SearchJsonContext.Default.TrialRecord);
            },
            cancellationToken).ConfigureAwait(false);
        if (result is not null && properties is not null)
        {
            Remember(number, result, properties);
        }

        return (result, written);
    }

    private static TrialInfo ToInfo(TrialRecord record)
    {
        var distributions = new Dictionary<string, ParameterDistribution>(record.Parameters.Count, StringComparer.Ordinal);
        var values = new Dictionary<string, double>(record.Parameters.Count, StringComparer.Ordinal);
        foreach (var parameter in record.Parameters)
        {
            distributions[parameter.Name] = parameter.Distribution.ToDistribution(parameter.Name);
            values[parameter.Name] = parameter.Value;
        }

        return new TrialInfo(record.Number, record.State, distributions, values, record.Value, record.Intermediate)
        {
            RunId = record.RunId,
            StaleRunIds = record.StaleRunIds,
            Worker = record.Worker,
            StartTime = record.StartTime,
            EndTime = record.EndTime,
            FailureReason = record.FailureReason,
            EnqueuedParameters = record.Enqueued,
        };
    }

    /// <summary>A trial's record as last read or written, with what it tells.</summary>
    private sealed class CachedTrial(TrialRecord record, ETag etag, DateTimeOffset lastModified, TrialInfo info)
    {
        public TrialRecord Record { get; } = record;

        public ETag ETag { get; } = etag;

        public DateTimeOffset LastModified { get; } = lastModified;

        public TrialInfo Info { get; } = info;
    }
}
