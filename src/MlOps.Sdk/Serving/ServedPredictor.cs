using System.Diagnostics;
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
/// version, and a circuit breaker leaves the store alone for a while.
/// </summary>
/// <typeparam name="TIn">The input row type.</typeparam>
/// <typeparam name="TOut">The output row type.</typeparam>
public sealed class ServedPredictor<TIn, TOut> : IPredictor<TIn, TOut>, IServedPredictor, IAsyncDisposable
    where TIn : class
    where TOut : class, new()
{
    private const string SingleArm = "single";
    private readonly MlOpsClient _client;
    private readonly ModelRef _reference;
    private readonly PredictorOptions _options;
    private readonly MLContext? _mlContext;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _breaker;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private volatile ServedModel<TIn, TOut>? _current;
    private ETag? _aliasETag;
    private Task? _loop;
    private volatile bool _disposed;

    internal ServedPredictor(MlOpsClient client, string name, string uri, PredictorOptions? options, MLContext? mlContext, ILoggerFactory? loggerFactory = null)
    {
        _client = Guard.NotNull(client);
        Name = Guard.NotNullOrWhiteSpace(name);
        _reference = ModelRef.Parse(Guard.NotNull(uri));
        if (_reference.Name is null)
        {
            throw new ArgumentException($"'{uri}' names a run's model; a served predictor follows a registered model (models:/name@alias or models:/name/3).", nameof(uri));
        }

        _options = options ?? new PredictorOptions();
        OptionsValidation.ThrowIfInvalid(_options);
        _mlContext = mlContext;
        _logger = (loggerFactory ?? client.LoggerFactory).CreateLogger("MlOps.Sdk.Serving");
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
    public ServedModelInfo? Live => _current?.Info;

    /// <summary>Gets why the last look at the store failed, or <see langword="null"/> when it worked (health reports Degraded meanwhile).</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Gets when the store was last looked at successfully.</summary>
    public DateTimeOffset? LastRefresh { get; private set; }

    /// <summary>Gets the model in service now (for tests: its predictor's disposal is observable).</summary>
    internal ServedModel<TIn, TOut>? Current => _current;

    /// <inheritdoc />
    public PredictionResult<TOut> Predict(TIn input, string? routingKey = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var model = _current ?? throw new PredictorNotReadyException(Name, Uri, LastError);
            if (!model.TryAcquire())
            {
                continue; // swapped meanwhile: the slot already holds the new version
            }

            try
            {
                var value = model.Predictor.Predict(input);
                Record(model.Info, started, failed: false);
                return new PredictionResult<TOut>(value, model.Info.Model, model.Info.Version, SingleArm);
            }
            catch (Exception ex) when (ex is not ObjectDisposedException)
            {
                Record(model.Info, started, failed: true);
                throw;
            }
            finally
            {
                model.Release();
            }
        }
    }

    /// <inheritdoc />
    public async Task<bool> ReloadAsync(CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var swapped = await _breaker.ExecuteAsync(RefreshAsync, cancellationToken).ConfigureAwait(false);
            LastError = null;
            LastRefresh = _client.TimeProvider.GetUtcNow();
            return swapped;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
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
        Interlocked.Exchange(ref _current, null)?.Retire();
        _stop.Dispose();
        _refresh.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Uri} -> {(Live is { } live ? $"models:/{live.Model}/{live.Version}" : "not loaded")}";

    void IServedPredictor.Start() => Start();

    async Task IServedPredictor.StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    internal void Start() => _loop ??= Task.Run(() => WatchAsync(_stop.Token));

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (_current is not null)
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
                if (_current is null)
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
        var name = _reference.Name!;
        ETag? etag = null;
        if (_reference.Alias is { } alias && alias != ModelRef.LatestAlias)
        {
            etag = await _client.Models.GetAliasETagAsync(name, alias, cancellationToken).ConfigureAwait(false);
            if (_current is not null && etag == _aliasETag)
            {
                return false; // the alias did not move: one properties request
            }
        }
        else if (_reference.Version is not null && _current is not null)
        {
            return false; // a fixed version never changes
        }

        var version = await _client.Models.GetAsync(_reference, cancellationToken).ConfigureAwait(false);
        if (_current is { } live && live.Info.Version == version.Version && live.Info.Sha256 == version.Sha256.ToString())
        {
            _aliasETag = etag;
            return false;
        }

        // Load and check the new version off the request path; only then swap.
        var loaded = _mlContext is null
            ? await _client.Models.LoadAsync(version.Ref, cancellationToken).ConfigureAwait(false)
            : await _client.Models.LoadAsync(version.Ref, _mlContext, cancellationToken).ConfigureAwait(false);
        var predictor = loaded.CreatePredictor<TIn, TOut>();
        var served = new ServedModel<TIn, TOut>(predictor, new ServedModelInfo(name, version.Version, Uri, version.Sha256.ToString(), _client.TimeProvider.GetUtcNow()));
        var retired = Interlocked.Exchange(ref _current, served);
        retired?.Retire();
        _aliasETag = etag;
        ServingMetrics.Reloads.Add(1, new KeyValuePair<string, object?>("model", name), new KeyValuePair<string, object?>("version", version.Version));
        ServingLog.Swapped(_logger, Name, Uri, retired?.Info.Version, version.Version);
        return true;
    }

    private static void Record(ServedModelInfo info, long started, bool failed)
    {
        if (!ServingMetrics.Predictions.Enabled && !ServingMetrics.Duration.Enabled && !(failed && ServingMetrics.Errors.Enabled))
        {
            return;
        }

        var tags = new TagList { { "model", info.Model }, { "version", info.Version }, { "arm", SingleArm } };
        if (failed)
        {
            ServingMetrics.Errors.Add(1, tags);
            return;
        }

        ServingMetrics.Predictions.Add(1, tags);
        ServingMetrics.Duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
    }
}
