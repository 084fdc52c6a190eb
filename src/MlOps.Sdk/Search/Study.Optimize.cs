using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Search;

/// <content>The search loop (define-by-run), and how a trial ends: its record first, then its run.</content>
public partial class Study
{
    /// <summary>
    /// Runs trials of <paramref name="objective"/> until the budget is spent: each trial a child run of the study's run,
    /// <see cref="SearchBudget.Parallelism"/> at a time in this process, alongside any other workers of the study.
    /// </summary>
    /// <param name="objective">
    /// Suggests parameters through the trial, trains and evaluates, and returns the value. Throw
    /// <see cref="TrialPrunedException"/> to stop a trial early (see <see cref="Trial.ShouldPrune"/>); any other exception
    /// fails the trial (and, at <see cref="SearchBudget.MaxFailedTrials"/>, the search). A NaN value fails the trial.
    /// </param>
    /// <param name="budget">When to stop starting trials.</param>
    /// <param name="cancellationToken">A token to cancel the search: running trials get it, are recorded Failed (cancelled) and their runs Killed.</param>
    /// <returns>What this call did, and the study's best trial.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="budget"/> holds a value out of range.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    /// <remarks>When <see cref="SearchBudget.MaxFailedTrials"/> trials fail, the exception of the last one is rethrown once the others running have ended.</remarks>
    public virtual async Task<SearchResult> OptimizeAsync(Func<Trial, CancellationToken, Task<double>> objective, SearchBudget budget, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(budget);
        OptionsValidation.ThrowIfInvalid(budget);

        var search = new SearchState(budget, Stopwatch.StartNew());
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var slots = new Task[budget.Parallelism];
        for (var i = 0; i < slots.Length; i++)
        {
            slots[i] = Task.Run(
                async () =>
                {
                    try
                    {
                        await RunSlotAsync(objective, search, stopping.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                    {
                        // The store failed (or a bug): the other slots stop too (their objectives are cancelled), and the
                        // failure surfaces once they have.
                        lock (search)
                        {
                            search.Fault ??= ExceptionDispatchInfo.Capture(ex);
                        }

                        search.Stop(SearchStopReason.Cancelled);
                        await stopping.CancelAsync().ConfigureAwait(false);
                    }
                },
                CancellationToken.None);
        }

        await Task.WhenAll(slots).ConfigureAwait(false);
        SearchLog.SearchStopped(_logger, Name, search.Reason, search.Complete + search.Pruned + search.Failed);
        search.Fault?.Throw();
        cancellationToken.ThrowIfCancellationRequested();
        await RefreshAsync(CancellationToken.None).ConfigureAwait(false);
        var best = Best(Snapshot());
        await TryTagStudyRunAsync(best).ConfigureAwait(false);
        if (search.Reason == SearchStopReason.TooManyFailures)
        {
            search.LastFailure?.Throw();
        }

        return new SearchResult(search.Reason, best, search.Complete, search.Pruned, search.Failed, search.Clock.Elapsed);
    }

    /// <summary>Runs trials of <paramref name="objective"/> until <paramref name="trials"/> ran here (see <see cref="OptimizeAsync(Func{Trial, CancellationToken, Task{double}}, SearchBudget, CancellationToken)"/>).</summary>
    /// <param name="objective">The objective.</param>
    /// <param name="trials">How many trials to run: at least 1.</param>
    /// <param name="cancellationToken">A token to cancel the search.</param>
    /// <returns>What this call did, and the study's best trial.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="trials"/> is below 1.</exception>
    public virtual Task<SearchResult> OptimizeAsync(Func<Trial, CancellationToken, Task<double>> objective, int trials, CancellationToken cancellationToken = default)
        => OptimizeAsync(objective, new SearchBudget { Trials = trials }, cancellationToken);

    private async Task RunSlotAsync(Func<Trial, CancellationToken, Task<double>> objective, SearchState search, CancellationToken cancellationToken)
    {
        while (!search.Stopped)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                search.Stop(SearchStopReason.Cancelled);
                return;
            }

            // The target and the sampler judge the study as it is now, other workers' trials included.
            try
            {
                await RefreshAsync(cancellationToken, AskRefreshInterval).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                search.Stop(SearchStopReason.Cancelled);
                return;
            }

            if (search.Budget.Trials is { } trials && Interlocked.Increment(ref search.Started) > trials)
            {
                search.Stop(SearchStopReason.TrialsRun);
                return;
            }

            if (search.Budget.Timeout is { } timeout && search.Clock.Elapsed >= timeout)
            {
                search.Stop(SearchStopReason.Timeout);
                return;
            }

            if (search.Budget.TargetValue is { } target && Best(Snapshot()) is { Value: { } best }
                && (Direction == StudyDirection.Minimize ? best <= target : best >= target))
            {
                search.Stop(SearchStopReason.TargetReached);
                return;
            }

            if (_sampler.IsExhausted(new SamplingContext(Name, Direction, -1, Snapshot())))
            {
                search.Stop(SearchStopReason.SamplerExhausted);
                return;
            }

            Trial? trial;
            try
            {
                trial = await AskCoreAsync(search.Budget.TotalTrials, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                search.Stop(SearchStopReason.Cancelled);
                return;
            }

            if (trial is null)
            {
                search.Stop(SearchStopReason.TotalTrialsReached);
                return;
            }

            await EvaluateAsync(objective, trial, search, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task EvaluateAsync(Func<Trial, CancellationToken, Task<double>> objective, Trial trial, SearchState search, CancellationToken cancellationToken)
    {
        var live = Live(trial);
        TrialState state;
        double? value = null;
        Exception? failure = null;
        try
        {
            value = await objective(trial, cancellationToken).ConfigureAwait(false);
            state = double.IsNaN(value.Value) ? TrialState.Failed : TrialState.Complete;
            failure = state == TrialState.Failed ? new InvalidOperationException($"The objective returned NaN for trial {trial.Number} of study '{Name}'.") : null;
        }
        catch (TrialPrunedException)
        {
            state = TrialState.Pruned;
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            state = TrialState.Failed;
            failure = ex;
            search.Stop(SearchStopReason.Cancelled);
        }
        catch (Exception ex)
        {
            state = TrialState.Failed;
            failure = ex;
            SearchLog.TrialFailed(_logger, Name, trial.Number, ex);
        }

        try
        {
            await EndTrialAsync(live, state, state == TrialState.Complete ? value : null, failure, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TrialNotActiveException ex)
        {
            // Judged stale and taken over while it ran (a long pause): the other attempt's result is the study's, and
            // this one counts for nothing.
            SearchLog.TrialTakenOver(_logger, Name, trial.Number, ex.State);
            return;
        }

        switch (state)
        {
            case TrialState.Complete:
                Interlocked.Increment(ref search.Complete);
                break;
            case TrialState.Pruned:
                Interlocked.Increment(ref search.Pruned);
                break;
            default:
                if (failure is OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                search.LastFailure = ExceptionDispatchInfo.Capture(failure!);
                if (Interlocked.Increment(ref search.Failed) >= search.Budget.MaxFailedTrials)
                {
                    search.Stop(SearchStopReason.TooManyFailures);
                }

                break;
        }
    }

    /// <summary>
    /// Ends a trial: its record first (by compare-and-swap, only while this attempt holds it), then its run, so that while
    /// the record says Running the run still sends heartbeats. When the record cannot be written (the store failed) the
    /// run is killed, so that its heartbeats stop, the trial goes stale and is retried. When another worker took the
    /// trial over, the run is killed and tagged so, without a value.
    /// </summary>
    /// <exception cref="TrialNotActiveException">Another worker took the trial over after it went stale.</exception>
    private async Task<TrialInfo> EndTrialAsync(LiveTrial live, TrialState state, double? value, Exception? failure, CancellationToken cancellationToken, string? reason = null)
    {
        var trial = live.Trial;
        if (!trial.MarkEnded(state))
        {
            // Told twice at once (two threads, or TellAsync inside OptimizeAsync's objective): the first one ends it.
            throw new TrialNotActiveException(Name, trial.Number, trial.EndedState ?? state, "telling it a result (it is already ending)");
        }

        await live.StopPersistingAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var parameters = trial.ParameterRecords();
        var intermediate = trial.IntermediateCopy();
        var end = _client.TimeProvider.GetUtcNow();
        reason ??= failure switch
        {
            null => null,
            OperationCanceledException => "Cancelled.",
            _ => $"{failure.GetType().FullName}: {failure.Message}",
        };
        TrialRecord? recorded;
        bool written;
        try
        {
            (recorded, written) = await UpdateTrialAsync(
                trial.Number,
                current =>
                {
                    if (current.State != TrialState.Running || current.RunId != live.RunId)
                    {
                        return null;
                    }

                    var copy = current.Clone();
                    copy.State = state;
                    copy.Value = value;
                    copy.Parameters = [.. parameters];
                    copy.Intermediate = new(intermediate);
                    copy.EndTime = end;
                    copy.FailureReason = reason;
                    return copy;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not TrialNotActiveException)
        {
            // The write may have landed with its answer lost (a timeout): then it is recorded after all.
            recorded = await TryReadTrialAsync(trial.Number).ConfigureAwait(false);
            if (recorded is not { } landed || landed.RunId != live.RunId || landed.State != state || landed.EndTime != end)
            {
                Forget(trial);
                await EndRunAsync(trial.Run, null, null, null, "Unrecorded").ConfigureAwait(false);
                throw;
            }

            written = true;
        }

        Forget(trial);
        if (!written)
        {
            await EndRunAsync(trial.Run, null, null, null, TrialState.Stale.ToString()).ConfigureAwait(false);
            throw new TrialNotActiveException(Name, trial.Number, recorded?.State ?? TrialState.Stale, "recording this attempt's result (the trial went stale and another worker took it over)");
        }

        await EndRunAsync(trial.Run, state, value, failure, state.ToString()).ConfigureAwait(false);
        SearchLog.TrialEnded(_logger, Name, trial.Number, state, value);
        return ToInfo(recorded!);
    }

    private async Task<TrialRecord?> TryReadTrialAsync(int number)
    {
        try
        {
            var key = SearchKeys.Trial(Name, number);
            var stored = await _client.Store.ReadAsync(key).ConfigureAwait(false);
            return stored is null ? null : RecordStore.Deserialize(key, stored.Content, SearchJsonContext.Default.TrialRecord);
        }
        catch (Exception ex) when (ex is ObjectStoreException or RecordFormatException or IOException or OperationCanceledException)
        {
            return null;
        }
    }

    private void Forget(Trial trial)
    {
        lock (_gate)
        {
            _live.Remove(trial.Number);
        }
    }

    /// <summary>Ends a trial's run: Finished (Complete, Pruned), Failed, or Killed (cancelled, or <paramref name="state"/> <see langword="null"/>: not recorded).</summary>
    private async Task EndRunAsync(Run run, TrialState? state, double? value, Exception? failure, string tag)
    {
        try
        {
            if (value is { } v)
            {
                run.LogMetric("value", v);
            }

            run.SetTag("mlops.trial.state", tag);
            if (state is null || (state == TrialState.Failed && failure is OperationCanceledException))
            {
                await run.KillAsync(CancellationToken.None).ConfigureAwait(false);
            }
            else if (state == TrialState.Failed)
            {
                await run.FailAsync(failure ?? new InvalidOperationException("The trial failed."), CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await run.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // The trial's record is the study's truth. A run that cannot be ended must not beat on (its trial would never
            // go stale): it is abandoned, and shows Crashed after the grace period.
            SearchLog.RunNotEnded(_logger, Name, run.Id, ex);
            await run.AbandonAsync().ConfigureAwait(false);
        }
        finally
        {
            await run.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stores a running trial's reports and parameters, so that other workers' pruners and samplers see them.</summary>
    private async Task PersistAsync(LiveTrial live)
    {
        var trial = live.Trial;
        var parameters = trial.ParameterRecords();
        var intermediate = trial.IntermediateCopy();
        try
        {
            await UpdateTrialAsync(
                trial.Number,
                current =>
                {
                    if (current.State != TrialState.Running || current.RunId != live.RunId)
                    {
                        return null;
                    }

                    var copy = current.Clone();
                    copy.Parameters = [.. parameters];
                    copy.Intermediate = new(intermediate);
                    return copy;
                },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            SearchLog.ReportNotStored(_logger, Name, trial.Number, ex);
        }
    }

    private async Task TryTagStudyRunAsync(TrialInfo? best)
    {
        if (best is null)
        {
            return;
        }

        try
        {
            await _client.Runs.SetTagAsync(RunId, "mlops.study.best_trial", best.Number.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            await _client.Runs.SetTagAsync(RunId, "mlops.study.best_value", best.Value!.Value.ToString("R", CultureInfo.InvariantCulture)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ObjectStoreException or RunNotFoundException or PreconditionFailedException)
        {
            SearchLog.ReportNotStored(_logger, Name, best.Number, ex);
        }
    }

    /// <summary>A trial running in this process: its run's id (the attempt) and its report writer.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The token source has no timer and no linked sources: it holds nothing to dispose, and stays usable for a late SchedulePersist.")]
    private sealed class LiveTrial(Trial trial, string runId)
    {
        private readonly object _gate = new();
        private readonly CancellationTokenSource _ending = new();
        private Task _persisting = Task.CompletedTask;
        private bool _dirty;
        private bool _writing;

        public Trial Trial { get; } = trial;

        public string RunId { get; } = runId;

        /// <summary>
        /// Stores new parameters and reports in the background: at once, then at most about once per second, one write at a
        /// time; what comes meanwhile goes with the next write, or with the trial's end.
        /// </summary>
        public void SchedulePersist(Study study)
        {
            lock (_gate)
            {
                _dirty = true;
                if (_writing || _ending.IsCancellationRequested)
                {
                    return;
                }

                _writing = true;
                _persisting = Task.Run(() => PersistLoopAsync(study));
            }
        }

        /// <summary>Stops the background writes (the trial's end stores everything) and waits for one in flight.</summary>
        public async Task StopPersistingAsync()
        {
            Task persisting;
            lock (_gate)
            {
                _ending.Cancel();
                persisting = _persisting;
            }

            await persisting.ConfigureAwait(false);
        }

        private async Task PersistLoopAsync(Study study)
        {
            try
            {
                await PersistLoopCoreAsync(study).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Whatever went wrong, the trial's end stores everything; this writer only makes it visible earlier.
                SearchLog.ReportNotStored(study._logger, study.Name, Trial.Number, ex);
            }
            finally
            {
                lock (_gate)
                {
                    _writing = false;
                }
            }
        }

        private async Task PersistLoopCoreAsync(Study study)
        {
            // A short trial ends before this and stores everything once, with its end.
            if (!await DelayAsync(FirstPersistDelay).ConfigureAwait(false))
            {
                return;
            }

            while (true)
            {
                lock (_gate)
                {
                    if (!_dirty || _ending.IsCancellationRequested)
                    {
                        return;
                    }

                    _dirty = false;
                }

                await study.PersistAsync(this).ConfigureAwait(false);
                await DelayAsync(ReportInterval).ConfigureAwait(false);
            }
        }

        /// <returns><see langword="false"/> when the trial ended meanwhile (its end stores everything).</returns>
        private async Task<bool> DelayAsync(TimeSpan delay)
        {
            try
            {
                await Task.Delay(delay, _ending.Token).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    /// <summary>What the slots of one search share.</summary>
    private sealed class SearchState(SearchBudget budget, Stopwatch clock)
    {
        public int Started;
        public int Complete;
        public int Pruned;
        public int Failed;
        private int _stopped;

        public SearchBudget Budget { get; } = budget;

        public Stopwatch Clock { get; } = clock;

        public SearchStopReason Reason { get; private set; }

        public ExceptionDispatchInfo? LastFailure { get; set; }

        public ExceptionDispatchInfo? Fault { get; set; }

        public bool Stopped => Volatile.Read(ref _stopped) != 0;

        public void Stop(SearchStopReason reason)
        {
            if (Interlocked.CompareExchange(ref _stopped, 1, 0) == 0)
            {
                Reason = reason;
            }
        }
    }
}
