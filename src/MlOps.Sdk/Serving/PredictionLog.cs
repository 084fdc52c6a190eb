using System.Runtime.CompilerServices;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MlOps.Sdk.Storage;
using Parquet.Serialization;

namespace MlOps.Sdk.Serving;

/// <summary>One logged prediction, as a row of the Parquet files (the layout is a contract: see docs/architecture.md).</summary>
public sealed class PredictionLogRow
{
    /// <summary>Gets or sets the prediction's id, 32 hex digits (the GUID returned to the caller, for feedback).</summary>
    [JsonPropertyName("id")]
    public string Id { get; set; } = string.Empty;

    /// <summary>Gets or sets when it was made (UTC).</summary>
    [JsonPropertyName("timestamp")]
    public DateTime Timestamp { get; set; }

    /// <summary>Gets or sets the model's name.</summary>
    [JsonPropertyName("model")]
    public string Model { get; set; } = string.Empty;

    /// <summary>Gets or sets the model version.</summary>
    [JsonPropertyName("version")]
    public int Version { get; set; }

    /// <summary>Gets or sets the arm that served it (<c>shadow</c> for a shadow's prediction).</summary>
    [JsonPropertyName("arm")]
    public string Arm { get; set; } = string.Empty;

    /// <summary>Gets or sets the caller's routing key, if any.</summary>
    [JsonPropertyName("routing_key")]
    public string? RoutingKey { get; set; }

    /// <summary>Gets or sets the input, as JSON.</summary>
    [JsonPropertyName("input")]
    public string Input { get; set; } = string.Empty;

    /// <summary>Gets or sets the output, as JSON.</summary>
    [JsonPropertyName("output")]
    public string Output { get; set; } = string.Empty;

    /// <summary>Gets or sets how long the prediction took, in milliseconds.</summary>
    [JsonPropertyName("latency_ms")]
    public double LatencyMs { get; set; }
}

/// <summary>
/// The queue and writer behind prediction logging: <see cref="TryLog"/> costs the caller an id and a lock-free enqueue
/// (the input and output are serialized by the writer, off the request path); a full queue drops and counts. The writer
/// looks every 20 ms (or <see cref="PredictionLogOptions.FlushInterval"/> if shorter), groups rows by model and day and
/// writes each group as one Parquet file (create-if-absent, unique name) when it is full or its oldest row has waited
/// <see cref="PredictionLogOptions.FlushInterval"/>.
/// </summary>
internal sealed class PredictionLog<TIn, TOut> : IAsyncDisposable
    where TIn : class
    where TOut : class, new()
{
    // ML.NET rows often have public fields, and NaN for missing values: both must log, not break the writer.
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, IncludeFields = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
    private readonly PredictionLogOptions _options;
    private readonly ObjectStore _store;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<Entry> _queue = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;
    private long _queued;
    private volatile bool _closed;
    private long _dropped;
    private long _written;
    private long _failed;

    public PredictionLog(PredictionLogOptions options, ObjectStore store, ILogger logger)
    {
        _options = options;
        _store = options.Store ?? store;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    public const string Prefix = "monitoring/predictions/";

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Written => Interlocked.Read(ref _written);

    public long Failed => Interlocked.Read(ref _failed);

    public bool ShouldSample() => _options.SamplingRate >= 1.0 || (_options.SamplingRate > 0 && Random.Shared.NextDouble() < _options.SamplingRate);

    /// <summary>Queues a prediction; <see langword="false"/> (and counted) when the queue is full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryLog(Guid id, DateTime utcNow, ServedModelInfo model, string arm, string? routingKey, TIn input, TOut output, double latencyMs)
    {
        // A lock-free queue and a counter for its bound: two interlocked operations, no lock, no signal to the writer
        // (it looks every few milliseconds). After the log is closed (a request that outlived its predictor), rows are
        // counted as dropped rather than left in a queue nobody reads.
        if (_closed || Interlocked.Increment(ref _queued) > _options.QueueCapacity)
        {
            if (!_closed)
            {
                Interlocked.Decrement(ref _queued);
            }

            Interlocked.Increment(ref _dropped);
            ServingMetrics.LogDropped.Add(1, new KeyValuePair<string, object?>("model", model.Model));
            return false;
        }

        _queue.Enqueue(new Entry(id, utcNow, model.Model, model.Version, arm, routingKey, input, output, latencyMs));
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        _closed = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    public static string Key(string model, DateTime day)
        => string.Create(CultureInfo.InvariantCulture, $"{Prefix}model={model}/date={day:yyyy-MM-dd}/{DateTime.UtcNow:yyyyMMdd'T'HHmmssfff}-{Guid.NewGuid():N}.parquet");

    private async Task WriteLoopAsync()
    {
        var batch = new List<Entry>(Math.Min(_options.MaxRowsPerFile, 65_536));
        var poll = TimeSpan.FromTicks(Math.Min(_options.FlushInterval.Ticks, TimeSpan.FromMilliseconds(20).Ticks));
        var oldest = 0L;
        while (true)
        {
            var stopping = _stopping.IsCancellationRequested;
            while (_queue.TryDequeue(out var entry))
            {
                Interlocked.Decrement(ref _queued);
                if (batch.Count == 0)
                {
                    oldest = Environment.TickCount64;
                }

                batch.Add(entry);
                if (batch.Count >= _options.MaxRowsPerFile)
                {
                    await WriteAsync(batch).ConfigureAwait(false);
                    batch.Clear();
                }
            }

            // Write when the oldest row has waited FlushInterval, or on the way out.
            if (batch.Count > 0 && (stopping || Environment.TickCount64 - oldest >= (long)_options.FlushInterval.TotalMilliseconds))
            {
                await WriteAsync(batch).ConfigureAwait(false);
                batch.Clear();
            }

            if (stopping)
            {
                return;
            }

            try
            {
                await Task.Delay(poll, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping: one more round drains the queue.
            }
        }
    }

    private async Task WriteAsync(List<Entry> batch)
    {
        foreach (var group in batch.GroupBy(e => (e.Model, e.Timestamp.Date)))
        {
            var rows = new List<PredictionLogRow>();
            foreach (var e in group)
            {
                try
                {
                    rows.Add(new PredictionLogRow
                    {
                        Id = e.Id.ToString("N"),
                        Timestamp = e.Timestamp,
                        Model = e.Model,
                        Version = e.Version,
                        Arm = e.Arm,
                        RoutingKey = e.RoutingKey,
                        Input = JsonSerializer.Serialize(e.Input, Json),
                        Output = JsonSerializer.Serialize(e.Output, Json),
                        LatencyMs = e.LatencyMs,
                    });
                }
                catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException or ArgumentException)
                {
                    // A row that cannot be written as JSON is lost alone, counted, never the writer.
                    Interlocked.Increment(ref _failed);
                    ServingMetrics.LogFailed.Add(1, new KeyValuePair<string, object?>("model", e.Model));
                    ServingLog.PredictionLogFailed(_logger, e.Model, 1, ex);
                }
            }

            if (rows.Count == 0)
            {
                continue;
            }

            try
            {
                using var stream = new MemoryStream();
                await ParquetSerializer.SerializeAsync(rows, stream).ConfigureAwait(false);
                await _store.WriteAsync(Key(group.Key.Model, group.Key.Date), BinaryData.FromBytes(stream.GetBuffer().AsMemory(0, (int)stream.Length)), WriteCondition.IfNotExists).ConfigureAwait(false);
                Interlocked.Add(ref _written, rows.Count);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The logs must never take the service down: the rows are counted as lost and logged.
                Interlocked.Add(ref _failed, rows.Count);
                ServingMetrics.LogFailed.Add(rows.Count, new KeyValuePair<string, object?>("model", group.Key.Model));
                ServingLog.PredictionLogFailed(_logger, group.Key.Model, rows.Count, ex);
            }
        }
    }

    private readonly record struct Entry(Guid Id, DateTime Timestamp, string Model, int Version, string Arm, string? RoutingKey, TIn Input, TOut Output, double LatencyMs);
}
