using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Registry;
using MlOps.Sdk.Serving;

namespace MlOps.Sdk.Monitoring;

/// <summary>
/// Monitoring (<c>client.Monitoring</c>): ground truth for logged predictions, and everything read from the logs —
/// live performance, drift against the training data, alerts, reports, diagnosis queries and retention. Every
/// computation reads the Parquet files of the documented layout (docs/monitoring-layout.md) through one reader.
/// </summary>
public partial class MonitoringCatalog
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, IncludeFields = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
    private readonly MlOpsClient _client = null!;
    private readonly MonitoringLogReader _reader = null!;
    private readonly ILogger _logger = null!;
    private readonly Records.RecordStore _records = null!;
    private long _lastFeedbackTicks;

    internal MonitoringCatalog(MlOpsClient client)
    {
        _client = client;
        _reader = new MonitoringLogReader(client.Store);
        _records = new Records.RecordStore(client.Store, client.ConflictRetry);
        _logger = client.LoggerFactory.CreateLogger<MonitoringCatalog>();
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected MonitoringCatalog()
    {
    }

    internal MlOpsClient Client => _client;

    internal MonitoringLogReader Reader => _reader;

    internal ILogger Logger => _logger;

    /// <summary>
    /// Records the ground truth of one prediction. It may come any time after the prediction (late feedback joins all
    /// the same: it is kept next to the prediction's date); recording again for the same id replaces it. The id is not
    /// looked up: feedback for an id no logged prediction has is kept and counted as unknown
    /// (<see cref="GetFeedbackSummaryAsync"/>), never an error.
    /// </summary>
    /// <typeparam name="T">The label's type: <see cref="bool"/> for binary classification, a number for regression, text or a key for multiclass.</typeparam>
    /// <param name="predictionId">The prediction's id, as returned with it.</param>
    /// <param name="actual">The actual value.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the feedback is stored.</returns>
    /// <exception cref="ArgumentException"><paramref name="actual"/> is null, NaN, infinite or not a single value (an object or array).</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual Task RecordFeedbackAsync<T>(Guid predictionId, T actual, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        var row = FeedbackRowFor(predictionId, actual, out var problem) ?? throw new ArgumentException($"The feedback for prediction {predictionId:N} is not a label: {problem}.", nameof(actual));
        return WriteFeedbackAsync([row], cancellationToken);
    }

    /// <summary>Records the ground truth of many predictions, in as few files as their dates allow.</summary>
    /// <typeparam name="T">The label's type.</typeparam>
    /// <param name="feedback">The predictions' ids and actual values.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>How many were recorded and skipped (a null, NaN or non-scalar label is skipped and counted, not thrown).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="feedback"/> is <see langword="null"/>.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed; the files written before it stay.</exception>
    public virtual async Task<FeedbackImportResult> RecordFeedbackAsync<T>(IEnumerable<PredictionFeedback<T>> feedback, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(feedback);
        var rows = new List<FeedbackRow>();
        var problems = new List<string>();
        long skipped = 0;
        foreach (var item in feedback)
        {
            if (item is null)
            {
                throw new ArgumentException("The feedback holds a null item; nothing was recorded.", nameof(feedback));
            }

            if (FeedbackRowFor(item.PredictionId, item.Actual, out var problem) is { } row)
            {
                rows.Add(row);
            }
            else
            {
                Skip(ref skipped, problems, $"{item.PredictionId:N}: {problem}");
            }
        }

        await WriteFeedbackAsync(rows, cancellationToken).ConfigureAwait(false);
        return new FeedbackImportResult(rows.Count, skipped, problems);
    }

    /// <summary>
    /// Records ground truth from a dataset version: one row per prediction, its id in one column (32 hex digits or any
    /// GUID format) and the actual value in another (Boolean, number, text or key).
    /// </summary>
    /// <param name="datasetUri">The dataset, for example <c>datasets:/delays-actual/3</c>.</param>
    /// <param name="idColumn">The column of prediction ids.</param>
    /// <param name="actualColumn">The column of actual values.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>How many were recorded and skipped (an id that is not a GUID, a missing label), with the first problems.</returns>
    /// <exception cref="ArgumentException">A column is missing, or of a type that is not a single value; the message names the columns there are.</exception>
    /// <exception cref="FormatException"><paramref name="datasetUri"/> is not a dataset URI.</exception>
    /// <exception cref="Data.DatasetNotFoundException">The dataset does not exist.</exception>
    public virtual async Task<FeedbackImportResult> RecordFeedbackFromDatasetAsync(string datasetUri, string idColumn, string actualColumn, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentException.ThrowIfNullOrWhiteSpace(idColumn);
        ArgumentException.ThrowIfNullOrWhiteSpace(actualColumn);
        var version = await _client.Datasets.GetAsync(datasetUri, cancellationToken).ConfigureAwait(false);
        var data = await version.LoadAsync(new MLContext(seed: 0), cancellationToken).ConfigureAwait(false);
        var idCol = Column(data.Schema, idColumn, datasetUri, nameof(idColumn));
        var actualCol = Column(data.Schema, actualColumn, datasetUri, nameof(actualColumn));
        if (idCol.Type is not TextDataViewType)
        {
            throw new ArgumentException($"The id column '{idColumn}' of {datasetUri} is {idCol.Type}; prediction ids are text (32 hex digits).", nameof(idColumn));
        }

        var actualGetter = ActualReader(actualCol, actualColumn, datasetUri);
        var rows = new List<FeedbackRow>();
        var problems = new List<string>();
        long skipped = 0;
        var now = _client.TimeProvider.GetUtcNow().UtcDateTime;
        using (var cursor = data.GetRowCursor([idCol, actualCol]))
        {
            var getId = cursor.GetGetter<ReadOnlyMemory<char>>(idCol);
            var getActual = actualGetter(cursor);
            ReadOnlyMemory<char> idText = default;
            while (cursor.MoveNext())
            {
                cancellationToken.ThrowIfCancellationRequested();
                getId(ref idText);
                var actual = getActual();
                if (!Guid.TryParse(idText.Span.Trim(), out var id))
                {
                    Skip(ref skipped, problems, $"row {cursor.Position}: '{idText}' is not a prediction id");
                }
                else if (actual is null)
                {
                    Skip(ref skipped, problems, $"row {cursor.Position}: the label is missing");
                }
                else
                {
                    rows.Add(new FeedbackRow { PredictionId = id.ToString("N"), Timestamp = NextFeedbackTime(now), Actual = actual });
                }
            }
        }

        await WriteFeedbackAsync(rows, cancellationToken).ConfigureAwait(false);
        return new FeedbackImportResult(rows.Count, skipped, problems);
    }

    /// <summary>
    /// Writes prediction log rows made elsewhere (a batch job, another service, a replay of history) in the layout served
    /// predictors write, so monitoring reads them like any other.
    /// </summary>
    /// <param name="rows">
    /// The rows; each with an id that is a version-7 GUID of the row's own day (<c>Guid.CreateVersion7(timestamp)</c>, as
    /// served predictors make them: feedback is kept by the date in the id), a valid model name, a version from 1, an arm,
    /// and JSON objects for input and output. The rows are not changed.
    /// </param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>How many rows were written.</returns>
    /// <exception cref="ArgumentException">A row is null or has an invalid id, model name, version, arm, input or output; nothing was written.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed; the files written before it stay.</exception>
    public virtual async Task<int> WritePredictionsAsync(IEnumerable<PredictionLogRow> rows, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(rows);
        var list = new List<PredictionLogRow>();
        foreach (var row in rows)
        {
            list.Add(Validated(row, nameof(rows)));
        }

        var now = _client.TimeProvider.GetUtcNow().UtcDateTime;
        var files = 0;
        foreach (var group in list.GroupBy(r => (r.Model, Date: DateOnly.FromDateTime(r.Timestamp))))
        {
            var part = group.ToList();
            await MonitoringLayout.WriteParquetAsync(_reader.Store, MonitoringLayout.NewFile(MonitoringLayout.PredictionPartition(group.Key.Model, group.Key.Date), now), part, cancellationToken).ConfigureAwait(false);
            files++;
        }

        MonitoringLog.PredictionsWritten(_logger, list.Count, files);
        return list.Count;
    }

    /// <summary>
    /// Reads logged predictions of a model, joined with their ground truth: the diagnosis query. Partitions outside the
    /// time range are not read.
    /// </summary>
    /// <param name="model">The model's name.</param>
    /// <param name="query">Time range, versions, arms, feedback, a predicate and the error size; everything when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The predictions, earliest first.</returns>
    /// <exception cref="ArgumentException"><paramref name="model"/> is not a valid model name.</exception>
    /// <exception cref="MonitoringLogFormatException">A log file cannot be read.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyList<LoggedPrediction>> ReadPredictionsAsync(string model, PredictionQuery? query = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(model, "Model", nameof(model));
        query ??= new PredictionQuery();
        if (query.From is { } from && query.To is { } to && to <= from)
        {
            throw new ArgumentException($"The query's range {from:O} to {to:O} is empty; give a To after From.", nameof(query));
        }

        if (query.Limit is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, "A query's Limit is 0 or more.");
        }

        var all = await _reader.ReadPredictionsAsync(model, query.From, query.To, joinFeedback: true, cancellationToken).ConfigureAwait(false);
        var selected = OfVersionsAndArms(all, query.Versions, query.Arms);
        selected = query.Feedback switch
        {
            FeedbackFilter.WithFeedback => selected.Where(p => p.HasFeedback),
            FeedbackFilter.WithoutFeedback => selected.Where(p => !p.HasFeedback),
            _ => selected,
        };
        if (query.MinError is { } minError)
        {
            selected = selected.Where(p => p.Error >= minError);
        }

        if (query.Where is { } where)
        {
            selected = selected.Where(where);
        }

        if (query.Limit is { } limit)
        {
            selected = selected.Take(limit);
        }

        return selected.ToList();
    }

    /// <summary>
    /// Says how ground truth meets the predictions of a time range, over every model: how many predictions have it, how
    /// many feedback ids match no logged prediction, and how late it comes.
    /// </summary>
    /// <param name="since">The earliest prediction time (inclusive).</param>
    /// <param name="until">The latest prediction time (exclusive).</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The summary; all counts 0 for an empty range.</returns>
    /// <exception cref="ArgumentException"><paramref name="until"/> is not after <paramref name="since"/>.</exception>
    public virtual async Task<FeedbackSummary> GetFeedbackSummaryAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        if (until <= since)
        {
            throw new ArgumentException($"The range {since:O} to {until:O} is empty; give an end after the start.", nameof(until));
        }

        var predictions = await _reader.ReadPredictionsAsync(model: null, since, until, joinFeedback: false, cancellationToken).ConfigureAwait(false);
        var (fromDate, toDate) = MonitoringLogReader.Dates(since, until);
        var feedback = await _reader.ReadFeedbackAsync(fromDate, toDate, cancellationToken).ConfigureAwait(false);
        // Per request: a shadow's row has its served prediction's id (and time), and one piece of feedback answers both.
        var ids = new HashSet<Guid>();
        var delays = new List<TimeSpan>();
        foreach (var p in predictions)
        {
            if (ids.Add(p.Id) && feedback.TryGetValue(p.Id, out var row))
            {
                delays.Add(MonitoringLayout.Utc(row.Timestamp) - p.Timestamp.UtcDateTime);
            }
        }

        // Unknown: feedback for this range's predictions (by the time in its id) that matches none of them.
        var unknown = feedback.Keys.LongCount(id => !ids.Contains(id) && (MonitoringLayout.TimeOf(id) is not { } t || (t >= since.UtcDateTime && t < until.UtcDateTime)));
        delays.Sort();
        return new FeedbackSummary(
            ids.Count,
            delays.Count,
            ids.Count - delays.Count,
            unknown,
            delays.Count == 0 ? null : delays.Count % 2 == 1 ? delays[delays.Count / 2] : (delays[(delays.Count / 2) - 1] + delays[delays.Count / 2]) / 2,
            delays.Count == 0 ? null : delays[^1]);
    }

    /// <summary>Whether a row is a shadow's copy of a served request (the same id and time as the served row).</summary>
    internal static bool IsShadow(LoggedPrediction prediction) => string.Equals(prediction.Arm, MonitoringLayout.ShadowArm, StringComparison.Ordinal);

    /// <summary>The predictions of the versions and arms given (all when a list is empty).</summary>
    internal static IEnumerable<LoggedPrediction> OfVersionsAndArms(IEnumerable<LoggedPrediction> predictions, ICollection<int> versions, ICollection<string> arms)
    {
        var versionSet = versions.ToHashSet();
        var armSet = arms.ToHashSet(StringComparer.Ordinal);
        return predictions.Where(p => (versionSet.Count == 0 || versionSet.Contains(p.Version)) && (armSet.Count == 0 || armSet.Contains(p.Arm)));
    }

    /// <summary>
    /// The time a piece of feedback is recorded at: the clock, but never the same tick twice in this process, so that of
    /// two recordings for one id the later call wins even when the clock did not move (a coarse clock, a bulk import's
    /// one 'now'). Per client; recordings by two clients within one tick are ordered arbitrarily.
    /// </summary>
    private DateTime NextFeedbackTime(DateTime now)
    {
        while (true)
        {
            var last = Interlocked.Read(ref _lastFeedbackTicks);
            var next = Math.Max(now.Ticks, last + 1);
            if (Interlocked.CompareExchange(ref _lastFeedbackTicks, next, last) == last)
            {
                return new DateTime(next, DateTimeKind.Utc);
            }
        }
    }

    /// <summary>A copy of a row to write, its time in UTC; every way it can be wrong named (nothing is written then).</summary>
    private static PredictionLogRow Validated(PredictionLogRow? row, string paramName)
    {
        if (row is null)
        {
            throw new ArgumentException("A prediction log row is null. Nothing was written.", paramName);
        }

        if (!Guid.TryParseExact(row.Id, "N", out var id))
        {
            throw new ArgumentException($"A prediction log row has the id '{row.Id}'; ids are 32 hex digits (Guid.ToString(\"N\")). Nothing was written.", paramName);
        }

        var timestamp = MonitoringLayout.Utc(row.Timestamp);

        // Feedback is kept by the date of its prediction read from the id: an id of another version, or of another day
        // than the row's, would never meet its feedback.
        if (MonitoringLayout.TimeOf(id) is not { } idTime || idTime.Date != timestamp.Date)
        {
            throw new ArgumentException($"The prediction log row {row.Id} has an id that is not a version-7 GUID of its own day ({timestamp:yyyy-MM-dd}); make ids with Guid.CreateVersion7(timestamp), so feedback recorded by id meets its prediction. Nothing was written.", paramName);
        }

        if (!RegistryNames.IsValidName(row.Model, out var problem) || row.Version < 1)
        {
            throw new ArgumentException($"The prediction log row {row.Id} names model '{row.Model}' version {row.Version}: {(row.Version < 1 ? "versions start at 1" : problem)}. Nothing was written.", paramName);
        }

        if (string.IsNullOrEmpty(row.Arm))
        {
            throw new ArgumentException($"The prediction log row {row.Id} has no arm (served predictions have 'main', an arm's alias or 'shadow'). Nothing was written.", paramName);
        }

        foreach (var (name, json) in new[] { ("input", row.Input), ("output", row.Output) })
        {
            try
            {
                using var document = JsonDocument.Parse(json);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new JsonException("not an object");
                }
            }
            catch (JsonException ex)
            {
                throw new ArgumentException($"The prediction log row {row.Id} has an {name} that is not a JSON object ({ex.Message}). Nothing was written.", paramName, ex);
            }
        }

        return new PredictionLogRow
        {
            Id = row.Id,
            Timestamp = timestamp,
            Model = row.Model,
            Version = row.Version,
            Arm = row.Arm,
            RoutingKey = row.RoutingKey,
            Input = row.Input,
            Output = row.Output,
            LatencyMs = row.LatencyMs,
        };
    }

    private static void Skip(ref long skipped, List<string> problems, string problem)
    {
        skipped++;
        if (problems.Count < 10)
        {
            problems.Add(problem);
        }
    }

    private FeedbackRow? FeedbackRowFor<T>(Guid predictionId, T actual, out string problem)
    {
        problem = string.Empty;
        string json;
        try
        {
            json = JsonSerializer.Serialize(actual, Json);
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException)
        {
            problem = $"it cannot be written as JSON ({ex.Message})";
            return null;
        }

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var ok = root.ValueKind switch
        {
            JsonValueKind.True or JsonValueKind.False or JsonValueKind.Number => true,
            JsonValueKind.String => LoggedPrediction.AsNumber(root) is not null || !double.TryParse(root.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            _ => false,
        };
        if (!ok || (root.ValueKind == JsonValueKind.String && string.IsNullOrEmpty(root.GetString())))
        {
            problem = root.ValueKind switch
            {
                JsonValueKind.Null => "it is null",
                JsonValueKind.Object or JsonValueKind.Array => $"it is not a single value ({json})",
                _ => $"it is a missing value ({json})",
            };
            return null;
        }

        return new FeedbackRow { PredictionId = predictionId.ToString("N"), Timestamp = NextFeedbackTime(_client.TimeProvider.GetUtcNow().UtcDateTime), Actual = json };
    }

    private async Task WriteFeedbackAsync(List<FeedbackRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var now = _client.TimeProvider.GetUtcNow().UtcDateTime;
        var files = 0;

        // By the date of the prediction (the time in its version-7 id), so feedback arriving days later is read with it.
        foreach (var group in rows.GroupBy(r => DateOnly.FromDateTime(MonitoringLayout.TimeOf(Guid.ParseExact(r.PredictionId, "N")) ?? now)))
        {
            await MonitoringLayout.WriteParquetAsync(_reader.Store, MonitoringLayout.NewFile(MonitoringLayout.FeedbackPartition(group.Key), now), group.ToList(), cancellationToken).ConfigureAwait(false);
            files++;
        }

        MonitoringLog.FeedbackRecorded(_logger, rows.Count, files);
    }

    private static DataViewSchema.Column Column(DataViewSchema schema, string name, string dataset, string paramName)
        => schema.GetColumnOrNull(name) ?? throw new ArgumentException($"The dataset {dataset} has no column '{name}'; it has {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}.", paramName);

    /// <summary>A key label as the class it stands for (its key value, as PredictedLabel names it), else its 1-based index; 0 is missing.</summary>
    private static Func<DataViewRowCursor, Func<string?>> KeyReader(DataViewSchema.Column column)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        if (column.HasKeyValues())
        {
            column.GetKeyValues(ref names);
        }

        var classes = names.DenseValues().Select(n => n.ToString()).ToArray();
        string? Json(ulong key) => key == 0 ? null : key <= (ulong)classes.Length ? JsonSerializer.Serialize(classes[key - 1]) : key.ToString(CultureInfo.InvariantCulture);
        return column.Type.RawType switch
        {
            var t when t == typeof(byte) => Key<byte>(column, k => Json(k)),
            var t when t == typeof(ushort) => Key<ushort>(column, k => Json(k)),
            var t when t == typeof(ulong) => Key<ulong>(column, Json),
            _ => Key<uint>(column, k => Json(k)),
        };

        static Func<DataViewRowCursor, Func<string?>> Key<TKey>(DataViewSchema.Column column, Func<TKey, string?> json)
            => cursor =>
            {
                var getter = cursor.GetGetter<TKey>(column);
                TKey value = default!;
                return () =>
                {
                    getter(ref value);
                    return json(value);
                };
            };
    }

    private static Func<DataViewRowCursor, Func<string?>> ActualReader(DataViewSchema.Column column, string actualColumn, string dataset)
    {
        static Func<DataViewRowCursor, Func<string?>> Of<TValue>(DataViewSchema.Column column, Func<TValue, string?> json)
            => cursor =>
            {
                var getter = cursor.GetGetter<TValue>(column);
                TValue value = default!;
                return () =>
                {
                    getter(ref value);
                    return json(value);
                };
            };

        static string? Number(double d) => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : null;
        return column.Type switch
        {
            BooleanDataViewType => Of<bool>(column, b => b ? "true" : "false"),
            NumberDataViewType n when n.RawType == typeof(float) => Of<float>(column, f => Number(f)),
            NumberDataViewType n when n.RawType == typeof(double) => Of<double>(column, Number),
            NumberDataViewType n when n.RawType == typeof(int) => Of<int>(column, i => i.ToString(CultureInfo.InvariantCulture)),
            NumberDataViewType n when n.RawType == typeof(long) => Of<long>(column, i => i.ToString(CultureInfo.InvariantCulture)),
            NumberDataViewType n when n.RawType == typeof(uint) => Of<uint>(column, i => i.ToString(CultureInfo.InvariantCulture)),
            TextDataViewType => Of<ReadOnlyMemory<char>>(column, t => t.Length == 0 ? null : JsonSerializer.Serialize(t.ToString())),
            KeyDataViewType => KeyReader(column),
            _ => throw new ArgumentException($"The actual column '{actualColumn}' of {dataset} is {column.Type}; a label is a Boolean, a number, text or a key.", nameof(actualColumn)),
        };
    }
}
