using System.Runtime.CompilerServices;
using System.Diagnostics;
using System.Threading.Channels;
using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.ML;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Models;
using MlOps.Sdk.Storage;
using Polly;
using Polly.CircuitBreaker;

namespace MlOps.Sdk.Serving;

/// <summary>Starts served predictors without dependency injection (scripts, tests, workers).</summary>
public static class ServedPredictor
{
    /// <summary>Loads the model a URI points at now, starts following it, and returns the predictor.</summary>
    /// <typeparam name="TIn">The input row type.</typeparam>
    /// <typeparam name="TOut">The output row type.</typeparam>
    /// <param name="client">The client whose registry holds the model.</param>
    /// <param name="name">The predictor's name.</param>
    /// <param name="uri"><c>models:/name@alias</c> (followed), <c>models:/name/3</c> (fixed) or <c>models:/name@latest</c>.</param>
    /// <param name="options">The poll interval and circuit breaker; defaults when <see langword="null"/>.</param>
    /// <param name="mlContext">A context that knows the model's custom transforms, if it has any.</param>
    /// <param name="cancellationToken">A token to cancel the first load.</param>
    /// <returns>The predictor, serving; dispose it to stop following the model.</returns>
    /// <exception cref="FormatException"><paramref name="uri"/> is not a <c>models:/</c> URI.</exception>
    /// <exception cref="ModelNotFoundException">Nothing answers it.</exception>
    /// <exception cref="ModelSchemaMismatchException">The row types do not fit the model.</exception>
    public static async Task<ServedPredictor<TIn, TOut>> StartAsync<TIn, TOut>(MlOpsClient client, string name, string uri, PredictorOptions? options = null, MLContext? mlContext = null, CancellationToken cancellationToken = default)
        where TIn : class
        where TOut : class, new()
    {
        var predictor = new ServedPredictor<TIn, TOut>(client, name, uri, options, mlContext);
        try
        {
            await predictor.ReloadAsync(cancellationToken).ConfigureAwait(false);
            predictor.Start();
            return predictor;
        }
        catch
        {
            await predictor.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary>What health checks and the hosting service see of a served predictor, whatever its row types.</summary>
internal interface IServedPredictor
{
    string Name { get; }

    string Uri { get; }

    ServedModelInfo? Live { get; }

    Exception? LastError { get; }

    DateTimeOffset? LastRefresh { get; }

    void Start();

    Task StopAsync();
}

/// <summary>
/// A predictor that follows a model URI: it serves the version the alias points at, looks at the alias every
/// <see cref="PredictorOptions.PollInterval"/> (one properties request when nothing changed), and swaps a new version in
/// atomically. Requests in flight finish on the version they started with; no request starts on a retired version; a
/// retired version's engines are disposed by its last request. When the store fails it keeps serving the last good
/// version, and a circuit breaker leaves the store alone for a while. Optional arms (canary, A/B) take shares of the
/// requests, randomly or sticky by a caller's key; an optional shadow predicts on copies off the request path.
/// </summary>
/// <typeparam name="TIn">The input row type.</typeparam>
/// <typeparam name="TOut">The output row type.</typeparam>
public sealed class ServedPredictor<TIn, TOut> : IPredictor<TIn, TOut>, IServedPredictor, IAsyncDisposable, IDisposable
    where TIn : class
    where TOut : class, new()
{
    private readonly MlOpsClient _client;
    private readonly ModelRef _reference;
    private readonly PredictorOptions _options;
    private readonly MLContext? _mlContext;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _breaker;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly ServedArm<TIn, TOut> _main;
    private readonly ServedArm<TIn, TOut>[] _arms;
    private readonly ServedArm<TIn, TOut>? _shadow;
    private readonly Channel<ShadowRequest>? _shadowQueue;
    private readonly PredictionLog<TIn, TOut>? _log;
    private Task? _loop;
    private Task? _shadowLoop;
    private long _shadowDropped;
    private volatile bool _disposed;

    internal ServedPredictor(MlOpsClient client, string name, string uri, PredictorOptions? options, MLContext? mlContext, ILoggerFactory? loggerFactory = null)
    {
        _client = Guard.NotNull(client);
        Name = Guard.NotNullOrWhiteSpace(name);
        _reference = Registered(uri, nameof(uri));
        _options = options ?? new PredictorOptions();
        OptionsValidation.ThrowIfInvalid(_options);
        var total = 0.0;
        foreach (var arm in _options.Arms)
        {
            if (arm.Weight is < 0 or > 1 || double.IsNaN(arm.Weight))
            {
                throw new ArgumentException($"The weight of arm '{arm.Name}' is {arm.Weight}; it must be from 0 to 1.", nameof(options));
            }

            total += arm.Weight;
        }

        if (total > 1 + 1e-9)
        {
            throw new ArgumentException($"The arms' weights add up to {total:0.###}; at most 1, the predictor's own URI getting the rest.", nameof(options));
        }

        _main = new ServedArm<TIn, TOut>(_reference.Alias ?? "main", _reference, 1 - total);
        _arms = [_main, .. _options.Arms.Select(a => new ServedArm<TIn, TOut>(Guard.NotNullOrWhiteSpace(a.Name), Registered(a.Uri, nameof(options)), a.Weight))];
        if (_arms.Select(a => a.Name).Distinct(StringComparer.Ordinal).Count() != _arms.Length)
        {
            throw new ArgumentException($"Two arms of predictor '{name}' share a name ({string.Join(", ", _arms.Select(a => a.Name))}); every result names its arm.", nameof(options));
        }

        if (_options.ShadowUri is { } shadow)
        {
            if (_arms.FirstOrDefault(a => a.Name == Monitoring.MonitoringLayout.ShadowArm) is { } clash)
            {
                throw new ArgumentException($"Predictor '{name}' has a shadow and an arm named '{clash.Name}' ({clash.Reference}); the shadow's results and log rows are named '{Monitoring.MonitoringLayout.ShadowArm}': give the arm another name.", nameof(options));
            }

            _shadow = new ServedArm<TIn, TOut>(Monitoring.MonitoringLayout.ShadowArm, Registered(shadow, nameof(options)), 0);
            _shadowQueue = Channel.CreateBounded<ShadowRequest>(new BoundedChannelOptions(_options.ShadowQueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        }

        _mlContext = mlContext;
        _logger = (loggerFactory ?? client.LoggerFactory).CreateLogger("MlOps.Sdk.Serving");
        if (_options.PredictionLog.Enabled)
        {
            OptionsValidation.ThrowIfInvalid(_options.PredictionLog);
            _log = new PredictionLog<TIn, TOut>(_options.PredictionLog, client.Store, _logger);
        }
        _breaker = new ResiliencePipelineBuilder { TimeProvider = client.TimeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = _options.FailuresBeforeBreak,
                SamplingDuration = TimeSpan.FromTicks(Math.Clamp(_options.PollInterval.Ticks * _options.FailuresBeforeBreak * 2, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromDays(1).Ticks)),
                BreakDuration = _options.BreakDuration,
                ShouldHandle = new PredicateBuilder().Handle<ObjectStoreException>(),
            })
            .Build();
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Gets the URI the predictor follows.</summary>
    public string Uri => _reference.ToString();

    /// <inheritdoc />
    public ServedModelInfo? Live => _main.Current?.Info;

    /// <summary>
    /// Gets every arm: its name, the share of requests it gets now (an arm with no model loaded gets none: its configured
    /// share goes to the main arm), and the version it serves (<see langword="null"/> when none is loaded).
    /// </summary>
    public IReadOnlyList<(string Arm, double Weight, ServedModelInfo? Live)> Arms
    {
        get
        {
            var live = _arms.Select(a => a.Current?.Info).ToArray();
            var shares = _arms.Select((a, i) => i == 0 ? 0.0 : live[i] is null ? 0.0 : a.EffectiveWeight).ToArray();
            var extra = Math.Min(1, shares.Sum());
            return [.. _arms.Select((a, i) => (a.Name, i == 0 ? 1 - extra : shares[i], live[i]))];
        }
    }

    /// <summary>Gets how many predictions were not logged because the log queue was full.</summary>
    public long LogDropped => _log?.Dropped ?? 0;

    /// <summary>Gets how many predictions were written to the prediction log.</summary>
    public long LogWritten => _log?.Written ?? 0;

    /// <summary>Gets how many logged predictions were lost because they could not be written (the store failed, or a row was not serializable).</summary>
    public long LogFailed => _log?.Failed ?? 0;

    /// <summary>Gets how many request copies the shadow dropped because its queue was full.</summary>
    public long ShadowDropped => Interlocked.Read(ref _shadowDropped);

    /// <summary>Gets why the last look at the store failed, or <see langword="null"/> when it worked (health reports Degraded meanwhile).</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Gets when the store was last looked at successfully.</summary>
    public DateTimeOffset? LastRefresh { get; private set; }

    /// <summary>Gets the main arm's model in service now (for tests: its predictor's disposal is observable).</summary>
    internal ServedModel<TIn, TOut>? Current => _main.Current;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public PredictionResult<TOut> Predict(TIn input, string? routingKey = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var started = Stopwatch.GetTimestamp();
        var arm = Route(routingKey);
        var model = arm.Acquire();
        if (model is null && !ReferenceEquals(arm, _main))
        {
            arm = _main; // an arm with nothing to serve (no @canary yet) sends its requests to the main model
            model = arm.Acquire();
        }

        if (model is null)
        {
            throw new PredictorNotReadyException(Name, Uri, LastError);
        }

        TOut value;
        try
        {
            value = model.Predictor.Predict(input);
            Record(model.Info, arm.Name, started, failed: false);
        }
        catch (Exception ex) when (ex is not ObjectDisposedException)
        {
            Record(model.Info, arm.Name, started, failed: true);
            throw;
        }
        finally
        {
            model.Release();
        }

        Guid? id = null;
        var loggedAt = default(DateTime);
        if (_log is not null && _log.ShouldSample())
        {
            loggedAt = DateTime.UtcNow;
            id = PredictionIds.Next(loggedAt);
            if (!_log.TryLog(id.Value, loggedAt, model.Info, arm.Name, routingKey, input, value, Stopwatch.GetElapsedTime(started).TotalMilliseconds))
            {
                id = null;
            }
        }

        if (_shadowQueue is not null && !_shadowQueue.Writer.TryWrite(new ShadowRequest(input, value, routingKey, id, loggedAt)))
        {
            Interlocked.Increment(ref _shadowDropped);
        }

        return new PredictionResult<TOut>(value, model.Info.Model, model.Info.Version, arm.Name, id);
    }

    /// <inheritdoc />
    public async Task<bool> ReloadAsync(CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this); // disposed while this waited: nothing may be swapped in now
            var swapped = await _breaker.ExecuteAsync(RefreshAsync, cancellationToken).ConfigureAwait(false);
            LastError = null;
            LastRefresh = _client.TimeProvider.GetUtcNow();
            return swapped;
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or ObjectDisposedException) || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // A store timeout can surface as a cancellation the caller did not ask for: it is a failure like any other.
            LastError = ex;
            ServingMetrics.RefreshFailures.Add(1, new KeyValuePair<string, object?>("model", _reference.Name));
            throw;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>Stops following the model and retires it (requests in flight finish first).</summary>
    /// <returns>A task that completes when the watcher has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await ((IServedPredictor)this).StopAsync().ConfigureAwait(false);

        // Wait out a reload a caller started (it checks the flag once it holds the lock): nothing is swapped in after this.
        await _refresh.WaitAsync().ConfigureAwait(false);
        foreach (var arm in _arms)
        {
            arm.Retire();
        }

        _shadow?.Retire();
        _refresh.Release();
        if (_log is not null)
        {
            await _log.DisposeAsync().ConfigureAwait(false); // writes what is queued
        }

        _stop.Dispose();
    }

    /// <summary>Stops following the model and retires it; the synchronous form of <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Uri} -> {(Live is { } live ? $"models:/{live.Model}/{live.Version}" : "not loaded")}";

    void IServedPredictor.Start() => Start();

    async Task IServedPredictor.StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        _shadowQueue?.Writer.TryComplete();
        foreach (var task in new[] { _loop, _shadowLoop })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    internal void Start()
    {
        _loop ??= Task.Run(() => WatchAsync(_stop.Token));
        if (_shadowQueue is not null)
        {
            _shadowLoop ??= Task.Run(ShadowAsync);
        }
    }

    private static ModelRef Registered(string uri, string paramName)
    {
        var reference = ModelRef.Parse(Guard.NotNull(uri));
        return reference.Name is not null
            ? reference
            : throw new ArgumentException($"'{uri}' names a run's model; a served predictor follows a registered model (models:/name@alias or models:/name/3).", paramName);
    }

    /// <summary>Chooses an arm: by a stable hash of the caller's key (one user stays in one arm), else at random.</summary>
    private ServedArm<TIn, TOut> Route(string? routingKey)
    {
        if (_arms.Length == 1)
        {
            return _main;
        }

        // Cumulative shares of the extra arms (each its alias's traffic weight when the store sets one); a draw past the
        // last goes to the main arm. A routing key lands in the same arm while the weights stay, and in the canary as it
        // grows once it did (its fraction stays below the growing bound).
        var draw = routingKey is null ? Random.Shared.NextDouble() : StableFraction(routingKey);
        var bound = 0.0;
        for (var i = 1; i < _arms.Length; i++)
        {
            bound += _arms[i].EffectiveWeight;
            if (draw < bound)
            {
                return _arms[i];
            }
        }

        return _main;
    }

    /// <summary>FNV-1a over the key's UTF-16 code units, as a fraction in [0, 1): the same in every process and on every machine.</summary>
    private static double StableFraction(string key)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash ^= hash >> 33; // mix the high bits down: FNV's low bits are weak for short keys
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return (hash >> 11) * (1.0 / (1UL << 53));
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (_main.Current is not null)
            {
                try
                {
                    await Task.Delay(_options.PollInterval, _client.TimeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            try
            {
                await ReloadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Keep serving the last good model; health reports Degraded (or Unhealthy before the first model).
                ServingLog.RefreshFailed(_logger, Name, Uri, ex);
                if (_main.Current is null)
                {
                    try
                    {
                        await Task.Delay(_options.PollInterval, _client.TimeProvider, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }
    }

    private async ValueTask<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        var any = false;
        Exception? first = null;
        foreach (var arm in _shadow is null ? _arms : [.. _arms, _shadow])
        {
            try
            {
                var (swapped, from, to) = await arm.RefreshAsync(_client, _mlContext, cancellationToken).ConfigureAwait(false);
                if (swapped)
                {
                    any = true;
                    ServingMetrics.Reloads.Add(1, new KeyValuePair<string, object?>("model", arm.Reference.Name), new KeyValuePair<string, object?>("version", to), new KeyValuePair<string, object?>("arm", arm.Name));
                    var uri = arm.Reference.ToString();
                    ServingLog.Swapped(_logger, Name, uri, from, to!.Value);
                }
            }
            catch (ModelNotFoundException) when (!ReferenceEquals(arm, _main))
            {
                // An arm or shadow whose alias is not set (yet, or any more) serves nothing: its share goes to the main model.
                arm.Retire();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                first ??= ex; // the other arms are still looked at; the first failure is reported (health: Degraded)
            }
        }

        if (first is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }

        return any;
    }

    private async Task ShadowAsync()
    {
        await foreach (var (input, served, routingKey, servedId, servedAt) in _shadowQueue!.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var model = _shadow!.Acquire();
            if (model is null)
            {
                continue;
            }

            try
            {
                var started = Stopwatch.GetTimestamp();
                var value = model.Predictor.Predict(input);
                var elapsed = Stopwatch.GetElapsedTime(started);
                if (_log is not null && servedId is { } id)
                {
                    // Logged when (and as) the served prediction was: its id and time, so its ground truth is the shadow's too.
                    _log.TryLog(id, servedAt, model.Info, Monitoring.MonitoringLayout.ShadowArm, routingKey, input, value, elapsed.TotalMilliseconds);
                }

                _options.OnShadowPrediction?.Invoke(new ShadowPrediction(Name, input, served, model.Info.Model, model.Info.Version, value, elapsed));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                ServingLog.ShadowFailed(_logger, Name, ex); // a shadow's failure never reaches a caller
            }
            finally
            {
                model.Release();
            }
        }
    }

    /// <summary>A request copied to the shadow: what was served, and the served prediction's log id and time when it was logged.</summary>
    private readonly record struct ShadowRequest(TIn Input, TOut Served, string? RoutingKey, Guid? ServedId, DateTime ServedAt);

    private static void Record(ServedModelInfo info, string arm, long started, bool failed)
    {
        if (!ServingMetrics.Predictions.Enabled && !ServingMetrics.Duration.Enabled && !(failed && ServingMetrics.Errors.Enabled))
        {
            return;
        }

        var tags = new TagList { { "model", info.Model }, { "version", info.Version }, { "arm", arm } };
        if (failed)
        {
            ServingMetrics.Errors.Add(1, tags);
            return;
        }

        ServingMetrics.Predictions.Add(1, tags);
        ServingMetrics.Duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
    }
}
