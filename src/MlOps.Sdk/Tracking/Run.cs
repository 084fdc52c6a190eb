using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tracking;

/// <summary>
/// A run being recorded: one execution of training, evaluation, a search trial, a retraining attempt or a pipeline step.
/// It records parameters, metrics, tags, artifacts, inputs and outputs, where it ran (user, machine, program, git
/// commit), and how it ended.
/// </summary>
/// <remarks>
/// <para>
/// Start one with <c>await using var run = await client.Runs.StartAsync("experiment")</c>. Logging parameters, tags
/// and metrics returns at once: a background writer stores them every <see cref="TrackingOptions.FlushInterval"/>
/// (one second by default, which is what a crash can lose), and sends a heartbeat every
/// <see cref="TrackingOptions.HeartbeatInterval"/>. A run whose process dies without ending it stops sending heartbeats
/// and is reported <see cref="RunStatus.Crashed"/>.
/// </para>
/// <para>
/// <see cref="CompleteAsync"/> ends it Finished; <see cref="FailAsync"/> Failed; <see cref="KillAsync"/> Killed.
/// Disposing a run that was not ended ends it Finished, or Failed when an exception left the block, or Killed when that
/// was a cancellation (detected on a best-effort basis; see <see cref="RunCatalog.RunAsync(string, Func{Run, CancellationToken, Task}, StartRunOptions?, CancellationToken)"/>
/// for the exact form). Members are thread-safe.
/// </para>
/// </remarks>
public partial class Run : IAsyncDisposable
{
    private readonly TrackingContext _context = null!;
    private readonly RunScope _scope = null!;
    private readonly object _gate = new();
    private readonly string _writer = Guid.NewGuid().ToString("N")[..8];
    private readonly MetricBuffer _metrics = null!;
    private readonly Dictionary<string, string> _parameters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _pendingParameters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _pendingTags = new(StringComparer.Ordinal);
    private readonly List<RunLinkRecord> _pendingInputs = [];
    private readonly List<RunLinkRecord> _pendingOutputs = [];
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private RunRecord _record = null!;
    private Task _background = Task.CompletedTask;
    private volatile bool _stopRequested;
    private long _segment;
    private DateTimeOffset _nextHeartbeat;
    private Exception? _backgroundFailure;
    private Phase _phase;
    private RunStatus _status;
    private Task? _ending;

    internal Run(TrackingContext context, RunRecord record, RunScope scope)
    {
        _context = context;
        _record = record;
        _scope = scope;
        _status = RunStatus.Running;
        _phase = Phase.Running;
        foreach (var (name, value) in record.Parameters)
        {
            _parameters[name] = value;
        }

        _metrics = new MetricBuffer(context.Options.MetricBufferCapacity) { HalfFull = () => _wake.Release() };
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected Run()
    {
    }

    /// <summary>Gets the run's id: 32 hex digits, ordered by start time.</summary>
    public virtual string Id => _record.Id;

    /// <summary>Gets the experiment the run belongs to.</summary>
    public virtual string Experiment => _record.Experiment;

    /// <summary>Gets the run's name, if any.</summary>
    public virtual string? Name => _record.Name;

    /// <summary>Gets the id of the parent run, if any.</summary>
    public virtual string? ParentRunId => _record.ParentRunId;

    /// <summary>Gets when the run started.</summary>
    public virtual DateTimeOffset StartTime => _record.StartTime;

    /// <summary>Gets the run's status: <see cref="RunStatus.Running"/> until it has ended.</summary>
    public virtual RunStatus Status
    {
        get
        {
            lock (_gate)
            {
                return _phase == Phase.Ended ? _status : RunStatus.Running;
            }
        }
    }

    private enum Phase
    {
        Running,
        Ending,
        Ended,
    }

    /// <summary>Records a parameter: set once; logging the same value again is accepted.</summary>
    /// <param name="name">The name: 1 to 250 letters, digits, '_', '-', '.', ' ', '/' or ':'.</param>
    /// <param name="value">The value, written with the invariant culture (<c>null</c> is recorded as "null"); secrets are redacted.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> or the value is invalid.</exception>
    /// <exception cref="ParameterConflictException">The parameter already has a different value; it is kept.</exception>
    /// <exception cref="RunNotActiveException">The run has ended.</exception>
    public virtual void LogParameter(string name, object? value)
    {
        _scope.Progress();
        TrackingNames.Key(name, "Parameter", nameof(name));
        var text = _context.Redactor.Redact(name, TrackingNames.Value(Format(value), TrackingNames.MaxParameterValueLength, "parameter", name, nameof(value)));
        lock (_gate)
        {
            ThrowIfEnded("logging a parameter");
            if (_parameters.TryGetValue(name, out var recorded))
            {
                if (recorded != text)
                {
                    throw new ParameterConflictException(Id, name, recorded, text);
                }

                return;
            }

            _parameters[name] = text;
            _pendingParameters[name] = text;
        }
    }

    /// <summary>Records several parameters; each follows the rules of <see cref="LogParameter"/>, and none is recorded if one is refused.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <exception cref="ArgumentException">A name or value is invalid.</exception>
    /// <exception cref="ParameterConflictException">A parameter already has a different value.</exception>
    /// <exception cref="RunNotActiveException">The run has ended.</exception>
    public virtual void LogParameters(IEnumerable<KeyValuePair<string, object?>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _scope.Progress();
        var prepared = new List<(string Name, string Value)>();
        foreach (var (name, value) in parameters)
        {
            TrackingNames.Key(name, "Parameter", nameof(parameters));
            prepared.Add((name, _context.Redactor.Redact(name, TrackingNames.Value(Format(value), TrackingNames.MaxParameterValueLength, "parameter", name, nameof(parameters)))));
        }

        lock (_gate)
        {
            ThrowIfEnded("logging parameters");
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, text) in prepared)
            {
                if ((_parameters.TryGetValue(name, out var recorded) || seen.TryGetValue(name, out recorded)) && recorded != text)
                {
                    throw new ParameterConflictException(Id, name, recorded, text);
                }

                seen[name] = text;
            }

            foreach (var (name, text) in seen)
            {
                if (_parameters.TryAdd(name, text))
                {
                    _pendingParameters[name] = text;
                }
            }
        }
    }

    /// <summary>Sets (or replaces) a tag: a mutable label such as <c>team</c> or <c>candidate</c>.</summary>
    /// <param name="name">The name: 1 to 250 letters, digits, '_', '-', '.', ' ', '/' or ':'.</param>
    /// <param name="value">The value; secrets are redacted.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="value"/> is invalid.</exception>
    /// <exception cref="RunNotActiveException">The run has ended (use <see cref="RunCatalog.SetTagAsync"/> then).</exception>
    public virtual void SetTag(string name, string value)
    {
        _scope.Progress();
        TrackingNames.Key(name, "Tag", nameof(name));
        var text = _context.Redactor.Redact(name, TrackingNames.Value(value, TrackingNames.MaxTagValueLength, "tag", name, nameof(value)));
        lock (_gate)
        {
            ThrowIfEnded("setting a tag");
            _pendingTags[name] = text;
        }
    }

    /// <summary>
    /// Records a value of a metric and returns at once; the background writer stores it within
    /// <see cref="TrackingOptions.FlushInterval"/>. When <see cref="TrackingOptions.MetricBufferCapacity"/> points wait,
    /// the call waits for the writer rather than let memory grow.
    /// </summary>
    /// <param name="name">The name: 1 to 250 letters, digits, '_', '-', '.', ' ', '/' or ':'.</param>
    /// <param name="value">
    /// The value. NaN and infinities are recorded as they are; they count in the metric's history and as its latest
    /// value, but not in its minimum and maximum; in searches every comparison with NaN is false except <c>!=</c>.
    /// </param>
    /// <param name="step">The step (epoch, iteration) the value belongs to; the latest value is the one with the highest step.</param>
    /// <param name="timestamp">When the value was measured; now when <see langword="null"/>. Kept to the millisecond.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid.</exception>
    /// <exception cref="RunNotActiveException">The run has ended.</exception>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "'step' is the word every tracking API uses for it.")]
    public virtual void LogMetric(string name, double value, long step = 0, DateTimeOffset? timestamp = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        _scope.Progress();
        ThrowIfEndedFast("logging a metric");
        var when = (timestamp ?? _context.TimeProvider.GetUtcNow()).ToUnixTimeMilliseconds();
        if (!_metrics.Add(name, value, step, when, ValidateMetricName, out var waited))
        {
            lock (_gate)
            {
                ThrowIfEnded("logging a metric");
            }
        }

        if (waited)
        {
            TrackingLog.MetricBackPressure(_context.Logger, Id, _context.Options.MetricBufferCapacity);
        }

        if (_context.Options.WriteMetricsToStandardOutput)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}={value:R}"));
        }
    }

    /// <summary>Records a value of a metric like <see cref="LogMetric"/>, but awaits instead of blocking when the buffer is full.</summary>
    /// <param name="name">The name.</param>
    /// <param name="value">The value.</param>
    /// <param name="step">The step.</param>
    /// <param name="timestamp">When the value was measured; now when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the wait.</param>
    /// <returns>A task that completes when the point is buffered.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid.</exception>
    /// <exception cref="RunNotActiveException">The run has ended.</exception>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "'step' is the word every tracking API uses for it.")]
    public virtual async ValueTask LogMetricAsync(string name, double value, long step = 0, DateTimeOffset? timestamp = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        _scope.Progress();
        ThrowIfEndedFast("logging a metric");
        var when = (timestamp ?? _context.TimeProvider.GetUtcNow()).ToUnixTimeMilliseconds();
        if (!await _metrics.AddAsync(name, value, step, when, ValidateMetricName, cancellationToken).ConfigureAwait(false))
        {
            lock (_gate)
            {
                ThrowIfEnded("logging a metric");
            }
        }

        if (_context.Options.WriteMetricsToStandardOutput)
        {
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{name}={value:R}")).ConfigureAwait(false);
        }
    }

    /// <summary>Records a dataset (or other) version the run read; lineage from the data to this run.</summary>
    /// <param name="uri">What was read, for example <c>datasets:/flights/3</c>.</param>
    /// <param name="context">How it was used, for example <c>training</c> or <c>validation</c>.</param>
    /// <param name="sha256">Its content hash, when known.</param>
    /// <exception cref="ArgumentException"><paramref name="uri"/> is empty.</exception>
    /// <exception cref="RunNotActiveException">The run has ended.</exception>
    public virtual void LogInput(string uri, string? context = null, ContentHash? sha256 = null) => AddLink(_pendingInputs, uri, context, sha256, "logging an input");

    /// <summary>Records a model or dataset version the run produced; lineage from this run to what it made.</summary>
    /// <param name="uri">What was produced, for example <c>models:/churn/4</c>.</param>
    /// <param name="context">What it is to the run, if anything.</param>
    /// <param name="sha256">Its content hash, when known.</param>
    /// <exception cref="ArgumentException"><paramref name="uri"/> is empty.</exception>
    /// <exception cref="RunNotActiveException">The run has ended.</exception>
    public virtual void LogOutput(string uri, string? context = null, ContentHash? sha256 = null) => AddLink(_pendingOutputs, uri, context, sha256, "logging an output");

    /// <summary>Starts a child run (a fold, a trial, a step) in the same experiment.</summary>
    /// <param name="name">The child's name, if any.</param>
    /// <param name="options">More about how it starts; its parent is this run.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The child run, which the caller ends or disposes.</returns>
    /// <exception cref="RunNotActiveException">This run has ended.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<Run> StartChildAsync(string? name = null, StartRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        _scope.Progress();
        ThrowIfEndedFast("starting a child run");
        var child = new StartRunOptions { Name = options?.Name ?? name, Description = options?.Description, ParentRunId = Id };
        foreach (var (key, value) in options?.Tags ?? new Dictionary<string, string>())
        {
            child.Tags[key] = value;
        }

        foreach (var (key, value) in options?.Parameters ?? new Dictionary<string, object?>())
        {
            child.Parameters[key] = value;
        }

        return RunCatalog.StartInScope(_context, Experiment, child, cancellationToken);
    }

    /// <summary>Writes everything logged so far to the store now, instead of at the next flush.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when it is stored.</returns>
    /// <exception cref="ParameterConflictException">Another process recorded a parameter of this run with a different value.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        RunScope.EnterSdk();
        _scope.Progress();
        cancellationToken.ThrowIfCancellationRequested();
        await FlushCoreAsync(drain: true).ConfigureAwait(false);
        ThrowBackgroundFailure();
    }

    /// <summary>Ends the run as <see cref="RunStatus.Finished"/>, storing everything logged.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the run is recorded as ended.</returns>
    /// <remarks>
    /// Ending twice, or from two threads at once, ends the run once. While it ends, logging is refused. When ending fails
    /// (the store is unreachable), nothing is lost: the run goes on Running, its writer restarted, and can be ended again.
    /// </remarks>
    /// <exception cref="ParameterConflictException">Another process recorded a parameter of this run with a different value; the run goes on.</exception>
    /// <exception cref="RunNotActiveException">Another process ended the run meanwhile.</exception>
    /// <exception cref="PreconditionFailedException">Other writers kept changing the run's record faster than it could be updated.</exception>
    /// <exception cref="ObjectStoreException">The store failed; the run goes on Running and can be ended again.</exception>
    public virtual Task CompleteAsync(CancellationToken cancellationToken = default) => EndAsync(RunStatus.Finished, null, cancellationToken);

    /// <summary>Ends the run as <see cref="RunStatus.Failed"/>, recording the exception's type, message and stack trace.</summary>
    /// <param name="exception">What went wrong.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the run is recorded as ended.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task FailAsync(Exception exception, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return EndAsync(RunStatus.Failed, exception, cancellationToken);
    }

    /// <summary>Ends the run as <see cref="RunStatus.Killed"/> (cancelled).</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the run is recorded as ended.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task KillAsync(CancellationToken cancellationToken = default) => EndAsync(RunStatus.Killed, null, cancellationToken);

    /// <summary>
    /// Ends the run if it has not ended: Finished, or Failed (Killed for a cancellation) when an exception is leaving the
    /// block the run was started in. Stores everything logged.
    /// </summary>
    /// <returns>A task that completes when the run is recorded as ended.</returns>
    /// <exception cref="ObjectStoreException">Ending a run that finished normally failed; when an exception is leaving the block, a failure to record it is logged instead, so the original exception is the one seen.</exception>
    public virtual ValueTask DisposeAsync()
    {
        // Synchronous, so the caller's flow is given back to the enclosing run (if any) before anything is awaited.
        var pending = _scope.PendingException;
        _scope.Exit();
        GC.SuppressFinalize(this);
        return new ValueTask(DisposeCoreAsync(pending));
    }

    /// <inheritdoc />
    public override string ToString() => $"{Experiment}/{Id} ({Status})";

    internal static string Format(object? value) => value switch
    {
        null => "null",
        string text => text,
        bool flag => flag ? "true" : "false",
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        float number => number.ToString("R", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>Starts the background writer; called once the run's record exists, and again when ending failed.</summary>
    internal void StartBackground()
    {
        _stopRequested = false;
        _nextHeartbeat = _context.TimeProvider.GetUtcNow() + _context.Options.HeartbeatInterval;

        // Not in the caller's flow: the writer's own exceptions must not look like the user's.
        using (ExecutionContext.SuppressFlow())
        {
            _background = Task.Run(BackgroundLoopAsync);
        }
    }

    private async Task DisposeCoreAsync(Exception? pending)
    {
        RunScope.EnterSdk();
        if (Status != RunStatus.Running)
        {
            return;
        }

        if (pending is null)
        {
            await EndAsync(RunStatus.Finished, null, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        try
        {
            await EndAsync(pending is OperationCanceledException ? RunStatus.Killed : RunStatus.Failed, pending is OperationCanceledException ? null : pending, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The exception leaving the block is the one that matters to the caller.
            TrackingLog.RunEndFailed(_context.Logger, Id, ex);
        }
    }

    /// <summary>Ends the run once, however many callers ask; a failed end leaves it Running, with its writer restarted.</summary>
    private async Task EndAsync(RunStatus status, Exception? exception, CancellationToken cancellationToken)
    {
        RunScope.EnterSdk();
        _scope.Progress();
        cancellationToken.ThrowIfCancellationRequested();
        Task ending;
        lock (_gate)
        {
            switch (_phase)
            {
                case Phase.Ended:
                    return;
                case Phase.Ending:
                    ending = _ending!;
                    break;
                default:
                    _phase = Phase.Ending;
                    _metrics.Close();
                    ending = _ending = EndCoreAsync(status, exception);
                    break;
            }
        }

        await ending.ConfigureAwait(false);
    }

    private async Task EndCoreAsync(RunStatus status, Exception? exception)
    {
        await Task.Yield();
        RunRecord ended;
        try
        {
            _stopRequested = true;
            _wake.Release();
            await _background.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await FlushCoreAsync(drain: true).ConfigureAwait(false);
            if (status == RunStatus.Finished)
            {
                ThrowBackgroundFailure();
            }

            var end = _context.TimeProvider.GetUtcNow();
            var failure = exception is null ? null : new RunFailureRecord
            {
                Type = exception.GetType().FullName ?? exception.GetType().Name,
                Message = Describe(exception),
                StackTrace = exception.ToString(),
            };
            ended = await UpdateRecordAsync(
                record =>
                {
                    record.Status = status;
                    record.EndTime = end;
                    record.Failure = failure;
                },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (RunNotActiveException ex)
        {
            // Another process ended it (after resuming it): this handle has ended too, whatever it meant to record.
            EndedElsewhere(ex);
            throw;
        }
        catch
        {
            lock (_gate)
            {
                _phase = Phase.Running;
                _ending = null;
                _metrics.Reopen();
            }

            StartBackground();
            throw;
        }

        lock (_gate)
        {
            _status = status;
            _phase = Phase.Ended;
        }

        _scope.End();
        TrackingLog.RunEnded(_context.Logger, Id, status, ended.EndTime!.Value - StartTime);

        // The run has ended; what follows only tidies up, and a search reads an ended run's record if its summary is late.
        try
        {
            await Task.WhenAll(
                _context.Index.AppendAsync(ended, CancellationToken.None),
                _context.Store.DeleteAsync(TrackingKeys.Heartbeat(Id))).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ObjectStoreException or IOException)
        {
            TrackingLog.RunTidyUpFailed(_context.Logger, Id, ex);
        }
    }

    /// <summary>Ends the run for an exception that is leaving the work it recorded: Killed for a cancellation, Failed otherwise.</summary>
    internal Task EndWithAsync(Exception exception)
        => exception is OperationCanceledException ? KillAsync(CancellationToken.None) : FailAsync(exception, CancellationToken.None);

    /// <summary>
    /// Stops this handle without recording an end: the writer and the heartbeats stop and nothing more is written. The
    /// store still says Running, so the run is reported Crashed once the grace period passes. For a caller that could not
    /// end the run (the store is down) and must not keep it alive: a search trial whose result could not be recorded.
    /// </summary>
    internal async Task AbandonAsync()
    {
        lock (_gate)
        {
            if (_phase == Phase.Ended)
            {
                return;
            }

            _phase = Phase.Ended;
            _status = RunStatus.Crashed;
            _metrics.Close();
        }

        _stopRequested = true;
        _wake.Release();
        await _background.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _scope.End();
    }

    private async Task BackgroundLoopAsync()
    {
        RunScope.EnterSdk();
        while (!_stopRequested)
        {
            await _wake.WaitAsync(_context.Options.FlushInterval).ConfigureAwait(false);
            if (_stopRequested)
            {
                return;
            }

            try
            {
                // The heartbeat first, so that no amount of logging delays it past the grace period.
                if (_context.TimeProvider.GetUtcNow() >= _nextHeartbeat)
                {
                    await BeatAsync(checkRevival: true, CancellationToken.None).ConfigureAwait(false);
                }

                await FlushCoreAsync(drain: false).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectStoreException or IOException)
            {
                // Kept in memory; the next round tries again.
                TrackingLog.RunFlushFailed(_context.Logger, Id, ex);
            }
            catch (RunNotActiveException ex)
            {
                // Another process ended the run: nothing more can be recorded, so logging is refused from now on.
                TrackingLog.RunFlushFailed(_context.Logger, Id, ex);
                Interlocked.Exchange(ref _backgroundFailure, ex);
                EndedElsewhere(ex);
                return;
            }
            catch (Exception ex)
            {
                // Not a passing outage (the record changed hands, conflicts never ended): reported at the next flush or end.
                TrackingLog.RunFlushFailed(_context.Logger, Id, ex);
                Interlocked.Exchange(ref _backgroundFailure, ex);
            }
        }
    }

    private void EndedElsewhere(RunNotActiveException ex)
    {
        lock (_gate)
        {
            _status = ex.Status;
            _phase = Phase.Ended;
            _metrics.Close();
        }

        _stopRequested = true;
        _scope.End();
    }

    /// <summary>
    /// Proves the run alive: its heartbeat object's last-modified time is judged by the store's clock. If another
    /// process meanwhile declared the run crashed (the process was stalled), it is marked Running again.
    /// </summary>
    internal async Task BeatAsync(bool checkRevival, CancellationToken cancellationToken)
    {
        var beat = BinaryData.FromString(string.Create(CultureInfo.InvariantCulture, $"{{\"processId\":{Environment.ProcessId},\"machine\":\"{Environment.MachineName}\"}}"));
        await _context.Store.WriteAsync(TrackingKeys.Heartbeat(Id), beat, cancellationToken: cancellationToken).ConfigureAwait(false);
        _nextHeartbeat = _context.TimeProvider.GetUtcNow() + _context.Options.HeartbeatInterval;
        if (checkRevival && Status == RunStatus.Running)
        {
            var stored = await _context.Records.GetAsync(TrackingKeys.Run(Id), TrackingJsonContext.Default.RunRecord, cancellationToken).ConfigureAwait(false);
            if (stored?.Status == RunStatus.Crashed)
            {
                await UpdateRecordAsync(_ => { }, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void AddLink(List<RunLinkRecord> links, string uri, string? context, ContentHash? sha256, string operation)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        _scope.Progress();
        lock (_gate)
        {
            ThrowIfEnded(operation);
            links.Add(new RunLinkRecord { Uri = uri, Context = context, Sha256 = sha256?.ToString() });
        }
    }

    /// <summary>Refuses an operation once the run is ending or has ended; call under <c>_gate</c>.</summary>
    private void ThrowIfEnded(string operation)
    {
        if (_phase != Phase.Running)
        {
            throw new RunNotActiveException(Id, _phase == Phase.Ended ? _status : RunStatus.Running, _phase == Phase.Ended ? operation : operation + " while it is ending");
        }
    }

    private void ThrowIfEndedFast(string operation)
    {
        if (Volatile.Read(ref Unsafe.As<Phase, int>(ref _phase)) != (int)Phase.Running)
        {
            lock (_gate)
            {
                ThrowIfEnded(operation);
            }
        }
    }

    private void ThrowBackgroundFailure()
    {
        var failure = Interlocked.Exchange(ref _backgroundFailure, null);
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    private static string ValidateMetricName(string name) => TrackingNames.Key(name, "Metric", nameof(name));

    private static string Describe(Exception exception)
    {
        var messages = new List<string>();
        for (var current = exception; current is not null && messages.Count < 5; current = current.InnerException)
        {
            messages.Add(current.Message);
        }

        return string.Join(" ---> ", messages);
    }
}
