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
        if (budget.TargetValue is { } target && !double.IsFinite(target))
        {
            throw new ArgumentOutOfRangeException(nameof(budget), target, "SearchBudget.TargetValue must be a finite number.");
        }

        var search = new SearchState(budget, Stopwatch.StartNew());
        var slots = new Task[budget.Parallelism];
        for (var i = 0; i < slots.Length; i++)
        {
            slots[i] = Task.Run(() => RunSlotAsync(objective, search, cancellationToken), CancellationToken.None);
        }

        await Task.WhenAll(slots).ConfigureAwait(false);
        SearchLog.SearchStopped(_logger, Name, search.Reason, search.Complete + search.Pruned + search.Failed);
        cancellationToken.ThrowIfCancellationRequested();
        await RefreshAsync(CancellationToken.None).ConfigureAwait(false);
        var best = Best(Snapshot());
        await TryTagStudyRunAsync(best).ConfigureAwait(false);
        if (search.Reason == SearchStopReason.TooManyFailures && search.LastFailure is { } failure)
        {
            failure.Throw();
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
        string? reason = null;
        Exception? failure = null;
        try
        {
            value = await objective(trial, cancellationToken).ConfigureAwait(false);
            state = double.IsNaN(value.Value) ? TrialState.Failed : TrialState.Complete;
            reason = state == TrialState.Failed ? "The objective returned NaN." : null;
        }
        catch (TrialPrunedException)
        {
            state = TrialState.Pruned;
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            state = TrialState.Failed;
            reason = "Cancelled.";
            failure = ex;
            search.Stop(SearchStopReason.Cancelled);
        }
        catch (Exception ex)
        {
            state = TrialState.Failed;
            reason = $"{ex.GetType().FullName}: {ex.Message}";
            failure = ex;
            SearchLog.TrialFailed(_logger, Name, trial.Number, ex);
        }

        try
        {
            await EndTrialAsync(live, state, state == TrialState.Complete ? value : null, reason, failure, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TrialNotActiveException ex)
        {
            // Judged stale and taken over while it ran (a long pause): the other attempt's result is the study's.
            SearchLog.TrialTakenOver(_logger, Name, trial.Number, ex.State);
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

                if (Interlocked.Increment(ref search.Failed) >= search.Budget.MaxFailedTrials)
                {
                    search.LastFailure = failure is null ? null : ExceptionDispatchInfo.Capture(failure);
                    search.Stop(SearchStopReason.TooManyFailures);
                }

                break;
        }
    }

    /// <summary>
    /// Ends a trial: its record first (by compare-and-swap, only while this attempt holds it), then its run, so that while
    /// the record says Running the run still sends heartbeats.
    /// </summary>
    private async Task<TrialInfo> EndTrialAsync(LiveTrial live, TrialState state, double? value, string? reason, Exception? failure, CancellationToken cancellationToken)
    {
        var trial = live.Trial;
        trial.MarkEnded();
        await live.WaitForPersistAsync().ConfigureAwait(false);
        var parameters = trial.ParameterRecords();
        var intermediate = trial.IntermediateCopy();
        var end = _client.TimeProvider.GetUtcNow();
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
        finally
        {
            lock (_gate)
            {
                _live.Remove(trial.Number);
            }
        }

        await EndRunAsync(trial.Run, state, value, failure, reason).ConfigureAwait(false);
        if (!written)
        {
            throw new TrialNotActiveException(Name, trial.Number, recorded?.State ?? TrialState.Stale, "recording this attempt's result (another worker took the trial over after it went stale)");
        }

        SearchLog.TrialEnded(_logger, Name, trial.Number, state, value);
        return ToInfo(recorded!);
    }

    private async Task EndRunAsync(Run run, TrialState state, double? value, Exception? failure, string? reason)
    {
        try
        {
            if (value is { } v)
            {
                run.LogMetric("value", v);
            }

            run.SetTag("mlops.trial.state", state.ToString());
            if (state == TrialState.Failed && failure is OperationCanceledException)
            {
                await run.KillAsync(CancellationToken.None).ConfigureAwait(false);
            }
            else if (state == TrialState.Failed)
            {
                await run.FailAsync(failure ?? new InvalidOperationException(reason ?? "The trial failed."), CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await run.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is ObjectStoreException or RunNotActiveException or PreconditionFailedException)
        {
            // The trial's record is the study's truth and is written; the run shows Crashed if it cannot be ended.
            SearchLog.ReportNotStored(_logger, Name, -1, ex);
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
        catch (Exception ex) when (ex is ObjectStoreException or RecordFormatException or PreconditionFailedException)
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
    private sealed class LiveTrial(Trial trial, string runId)
    {
        private readonly object _gate = new();
        private Task _persisting = Task.CompletedTask;
        private long _lastPersistTicks;

        public Trial Trial { get; } = trial;

        public string RunId { get; } = runId;

        /// <summary>Stores the reports at most about once per second, one write at a time; what comes between is stored by the next one, or when the trial ends.</summary>
        public void SchedulePersist(Study study)
        {
            lock (_gate)
            {
                if (!_persisting.IsCompleted || Stopwatch.GetElapsedTime(_lastPersistTicks) < ReportInterval)
                {
                    return;
                }

                _lastPersistTicks = Stopwatch.GetTimestamp();
                _persisting = study.PersistAsync(this);
            }
        }

        public Task WaitForPersistAsync()
        {
            lock (_gate)
            {
                return _persisting;
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
