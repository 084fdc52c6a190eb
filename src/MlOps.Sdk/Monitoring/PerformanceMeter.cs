using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Sdk.Retraining;

namespace MlOps.Sdk.Monitoring;

/// <summary>
/// Live performance from logged predictions joined with ground truth: groups them by version, arm and window, and
/// measures each group with ML.NET's evaluators (through <see cref="ModelEvaluator"/>, so a live metric is named and
/// defined as the holdout's).
/// </summary>
internal static class PerformanceMeter
{
    /// <summary>The arm of a group that pools every arm.</summary>
    public const string AllArms = "*";

    private const int MaxWindows = 100_000;
    private static readonly IReadOnlyDictionary<string, double> None = new Dictionary<string, double>();

    public static void Validate(PerformanceQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.From is { } f && query.To is { } t && t <= f)
        {
            throw new ArgumentException($"The range {f:O} to {t:O} is empty; give a To after the From.", nameof(query));
        }

        if (query.Window is { } w && w < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"The window {w} is shorter than a second; give a longer one, or null for one window over the range.", nameof(query));
        }

        if (!Enum.IsDefined(query.Task))
        {
            throw new ArgumentException($"The task {query.Task} is not a MonitoringTask.", nameof(query));
        }
    }

    /// <summary>
    /// Measures the predictions (sorted by time) per version and arm (or every arm pooled), per window and in total;
    /// <c>versions</c> are reported even without predictions (their windows empty), <see langword="null"/> for those seen.
    /// </summary>
    public static PerformanceReport Measure(string model, PerformanceQuery query, List<LoggedPrediction> predictions, bool poolArms, int[]? versions = null)
    {
        if (predictions.Count == 0 && versions is null)
        {
            return new PerformanceReport(model, query.Task, [], []);
        }

        var task = predictions.Count == 0 ? query.Task : TaskOf(model, query.Task, predictions);
        var evaluator = new WindowEvaluator(task, predictions);
        var start = query.From ?? (predictions.Count > 0 ? predictions[0].Timestamp : query.To ?? DateTimeOffset.UnixEpoch);
        var end = query.To ?? (predictions.Count > 0 ? predictions[^1].Timestamp.AddTicks(1) : start);
        // Pooled, a version's request counts once (a version serving an arm and shadowing too logs two rows of one id).
        var byKey = predictions.GroupBy(p => (p.Version, Arm: poolArms ? AllArms : p.Arm))
            .ToDictionary(g => g.Key, g => poolArms ? g.DistinctBy(p => p.Id).ToList() : g.ToList());
        foreach (var version in versions ?? [])
        {
            byKey.TryAdd((version, AllArms), []);
        }

        var keys = byKey.Keys.OrderBy(k => k.Version).ThenBy(k => k.Arm, StringComparer.Ordinal).ToList();
        var starts = WindowStarts(query.Window, start, end, keys.Count);
        var windows = new List<PerformanceWindow>();
        var totals = new List<PerformanceWindow>();
        foreach (var key in keys)
        {
            var rows = byKey[key];
            var total = evaluator.Measure(key.Version, key.Arm, start, end, rows);
            totals.Add(total);
            if (query.Window is not { } width)
            {
                windows.Add(total);
                continue;
            }

            var buckets = starts.Select(_ => new List<LoggedPrediction>()).ToArray();
            foreach (var p in rows)
            {
                buckets[(int)((Align(p.Timestamp, width) - starts[0]).Ticks / width.Ticks)].Add(p);
            }

            for (var i = 0; i < starts.Count; i++)
            {
                windows.Add(evaluator.Measure(key.Version, key.Arm, starts[i], starts[i] + width, buckets[i]));
            }
        }

        return new PerformanceReport(model, task, [.. windows.OrderBy(w => w.Start)], totals);
    }

    /// <summary>Two versions, every arm pooled, window by window.</summary>
    public static PerformanceComparison Compare(string model, int champion, int challenger, PerformanceQuery query, List<LoggedPrediction> predictions)
    {
        var report = Measure(model, query, predictions, poolArms: true, versions: [champion, challenger]);
        var windows = report.Windows.GroupBy(w => w.Start)
            .Select(g => Pair(g.Single(w => w.Version == champion), g.Single(w => w.Version == challenger)))
            .ToList();
        return new PerformanceComparison(model, report.Task, champion, challenger, windows, Pair(report.Totals.Single(w => w.Version == champion), report.Totals.Single(w => w.Version == challenger)));
    }

    /// <summary>The metrics live performance can give for a task (the names <see cref="ModelEvaluator"/>'s evaluator for it gives); empty for <see cref="MonitoringTask.Auto"/>.</summary>
    public static IReadOnlyList<string> MetricsOf(MonitoringTask task) => task switch
    {
        MonitoringTask.BinaryClassification => ModelEvaluator.BinaryClassification().Metrics,
        MonitoringTask.MulticlassClassification => ModelEvaluator.MulticlassClassification().Metrics,
        MonitoringTask.Regression => ModelEvaluator.Regression().Metrics,
        _ => [],
    };

    /// <summary>Decides the task from the first output that has the fields of one, or checks the one asked for.</summary>
    private static MonitoringTask TaskOf(string model, MonitoringTask asked, List<LoggedPrediction> predictions)
    {
        if (asked != MonitoringTask.Auto)
        {
            return asked;
        }

        foreach (var p in predictions)
        {
            var predicted = LoggedPrediction.Field(p.Output, "PredictedLabel");
            var score = LoggedPrediction.Field(p.Output, "Score");
            if (predicted?.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                return MonitoringTask.BinaryClassification;
            }

            if (score?.ValueKind == JsonValueKind.Array)
            {
                return MonitoringTask.MulticlassClassification;
            }

            if (score is { } s && LoggedPrediction.AsNumber(s) is not null)
            {
                return MonitoringTask.Regression;
            }
        }

        throw new ArgumentException(
            $"The logged outputs of model '{model}' fit no task (for example prediction {predictions[0].Id:N}: {predictions[0].Output.GetRawText()}): " +
            "binary classification needs a Boolean PredictedLabel and a Score or Probability, multiclass a Score vector, regression a single Score.",
            nameof(model));
    }

    private static double Logit(double probability)
    {
        var p = Math.Clamp(probability, 1e-7, 1 - 1e-7);
        return Math.Log(p / (1 - p));
    }

    private static List<DateTimeOffset> WindowStarts(TimeSpan? window, DateTimeOffset start, DateTimeOffset end, int groups)
    {
        if (window is not { } width || end <= start)
        {
            return [];
        }

        var first = Align(start, width);
        var count = ((end - first).Ticks + width.Ticks - 1) / width.Ticks;
        if (count * Math.Max(groups, 1) > MaxWindows)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{count} windows of {width} from {start:O} to {end:O} for {groups} versions and arms is more than {MaxWindows}; give a wider Window or a shorter range."));
        }

        return [.. Enumerable.Range(0, (int)count).Select(i => first + (width * i))];
    }

    /// <summary>The start of the window a time falls in: a whole multiple of the width from midnight UTC, 1 January 1970.</summary>
    private static DateTimeOffset Align(DateTimeOffset time, TimeSpan width)
    {
        var ticks = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / width.Ticks * width.Ticks;
        if (time.UtcTicks < DateTimeOffset.UnixEpoch.UtcTicks && (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) % width.Ticks != 0)
        {
            ticks -= width.Ticks;
        }

        return DateTimeOffset.UnixEpoch.AddTicks(ticks);
    }

    private static ComparedWindow Pair(PerformanceWindow champion, PerformanceWindow challenger)
    {
        var metrics = new Dictionary<string, MetricComparison>(StringComparer.Ordinal);
        foreach (var name in champion.Metrics.Keys.Union(challenger.Metrics.Keys))
        {
            double? a = champion.Metrics.TryGetValue(name, out var x) ? x : null;
            double? b = challenger.Metrics.TryGetValue(name, out var y) ? y : null;
            metrics[name] = new MetricComparison(a, b, b - a);
        }

        return new ComparedWindow(champion.Start, champion.End, champion, challenger, metrics);
    }

    /// <summary>Measures one group of predictions with ML.NET's evaluator for the task.</summary>
    private sealed class WindowEvaluator
    {
        private readonly MonitoringTask _task;
        private readonly MLContext _ml = new(seed: 0);
        private readonly Dictionary<int, ClassMap> _classes = [];

        public WindowEvaluator(MonitoringTask task, List<LoggedPrediction> predictions)
        {
            _task = task;
            if (task != MonitoringTask.MulticlassClassification)
            {
                return;
            }

            // The logged output has the Score vector and the PredictedLabel (a name), not which slot is which class:
            // each prediction's highest slot names its class. Per version: a retrained model can number its classes
            // in another order (ML.NET numbers them in the order training met them).
            foreach (var p in predictions)
            {
                if (LoggedPrediction.Field(p.Output, "Score") is { ValueKind: JsonValueKind.Array } score && LoggedPrediction.Field(p.Output, "PredictedLabel") is { } label && LoggedPrediction.JsonText(label) is { } name)
                {
                    if (!_classes.TryGetValue(p.Version, out var map))
                    {
                        _classes[p.Version] = map = new ClassMap();
                    }

                    var slots = Vector(score);
                    map.Count = Math.Max(map.Count, slots.Length);
                    map.Slots.TryAdd(name, ArgMax(slots));
                }
            }
        }

        public PerformanceWindow Measure(int version, string arm, DateTimeOffset start, DateTimeOffset end, List<LoggedPrediction> rows)
        {
            if (rows.Count == 0)
            {
                return new PerformanceWindow(version, arm, start, end, 0, 0, None, "no predictions in the window");
            }

            var withFeedback = rows.FindAll(p => p.HasFeedback);
            if (withFeedback.Count == 0)
            {
                return new PerformanceWindow(version, arm, start, end, rows.Count, 0, None, string.Create(CultureInfo.InvariantCulture, $"no ground truth yet for its {rows.Count} predictions"));
            }

            var (metrics, note) = _task switch
            {
                MonitoringTask.BinaryClassification => Binary(withFeedback),
                MonitoringTask.Regression => Regression(withFeedback),
                _ => Multiclass(version, withFeedback),
            };
            return new PerformanceWindow(version, arm, start, end, rows.Count, withFeedback.Count, metrics, note);
        }

        private (IReadOnlyDictionary<string, double>, string?) Binary(List<LoggedPrediction> rows)
        {
            var data = new List<BinaryRow>(rows.Count);
            var calibrated = true;
            var disagreements = 0;
            foreach (var p in rows)
            {
                var label = BooleanLabel(p.Actual!.Value);

                // An output class without a Score (PredictedLabel and Probability only) is measured on the probability's
                // logit: the same ranking (AUC), the same decisions (Score > 0 where Probability > 0.5).
                var score = p.OutputNumber("Score") ?? (p.OutputNumber("Probability") is { } pr ? Logit(pr) : Required(p, "Score"));
                if (LoggedPrediction.Field(p.Output, "PredictedLabel") is not { ValueKind: JsonValueKind.True or JsonValueKind.False } predicted)
                {
                    throw Missing(p, "Boolean PredictedLabel");
                }

                var probability = p.OutputNumber("Probability");
                calibrated &= probability is not null;
                if (label is { } l)
                {
                    disagreements += predicted.GetBoolean() == score > 0 ? 0 : 1;
                    data.Add(new BinaryRow { Label = l, Score = (float)score, Probability = (float)(probability ?? double.NaN), PredictedLabel = score > 0 });
                }
            }

            var leftOut = Join(Unusable(rows.Count - data.Count, "not Boolean (true, false, 1 or 0)"), Disagreeing(disagreements, data.Count));
            if (data.Count == 0)
            {
                return (None, leftOut);
            }

            var positives = data.Count(r => r.Label);
            if (positives == 0 || positives == data.Count)
            {
                // ML.NET's binary evaluator refuses a single class (AUC is undefined); accuracy is its multiclass evaluator's
                // micro-accuracy of the same decisions (Score > 0, as the binary evaluator decides).
                var twoClass = _ml.Data.LoadFromEnumerable(data.Select(r => new KeyRow { Label = r.Label ? 1u : 0u, Score = r.Score > 0 ? [0f, 1f] : [1f, 0f], PredictedLabel = r.Score > 0 ? 1u : 0u }), KeyRow.Schema(2));
                var accuracy = _ml.MulticlassClassification.Evaluate(twoClass).MicroAccuracy;
                var single = string.Create(CultureInfo.InvariantCulture, $"all {data.Count} labels are {(positives == 0 ? "false" : "true")}: AUC, AUPRC, F1, precision, recall and log-loss are undefined or not measured with one class; accuracy only");
                return (new Dictionary<string, double> { ["accuracy"] = accuracy }, Join(single, leftOut));
            }

            var view = _ml.Data.LoadFromEnumerable(data);
            return (ModelEvaluator.BinaryClassification(calibrated: calibrated).Evaluate(_ml, view), Join(calibrated ? null : "no Probability in every output: uncalibrated, no log-loss", leftOut));
        }

        private (IReadOnlyDictionary<string, double>, string?) Regression(List<LoggedPrediction> rows)
        {
            var data = new List<RegressionRow>(rows.Count);
            foreach (var p in rows)
            {
                var score = Required(p, "Score");
                if (p.ActualNumber() is { } label)
                {
                    data.Add(new RegressionRow { Label = (float)label, Score = (float)score });
                }
            }

            var leftOut = Unusable(rows.Count - data.Count, "not numbers");
            return data.Count == 0 ? (None, leftOut) : (ModelEvaluator.Regression().Evaluate(_ml, _ml.Data.LoadFromEnumerable(data)), leftOut);
        }

        private (IReadOnlyDictionary<string, double>, string?) Multiclass(int version, List<LoggedPrediction> rows)
        {
            var map = _classes.GetValueOrDefault(version) ?? new ClassMap();
            var data = new List<KeyRow>(rows.Count);
            var unseen = new List<string>();
            var unseenRows = 0;
            foreach (var p in rows)
            {
                if (LoggedPrediction.Field(p.Output, "Score") is not { ValueKind: JsonValueKind.Array } score)
                {
                    throw Missing(p, "Score vector");
                }

                if (map.Count == 0)
                {
                    throw Missing(p, "PredictedLabel naming a class (in any prediction of its version)");
                }

                var slots = Vector(score);
                if (slots.Length != map.Count)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Prediction {p.Id:N} of version {p.Version} has {slots.Length} scores where others of the version have {map.Count}."));
                }

                if (LoggedPrediction.JsonText(p.Actual!.Value) is not { } name)
                {
                    continue;
                }

                if (!map.Slots.TryGetValue(name, out var index))
                {
                    // A class this version never predicted: which slot is its is unknown, but the prediction was wrong
                    // (its slot never won). It gets a slot of its own after the model's, scored the lowest a score can
                    // be: a mistake for micro and macro accuracy, and ML.NET's floor probability (1e-15) for log-loss.
                    index = unseen.IndexOf(name);
                    if (index < 0)
                    {
                        unseen.Add(name);
                        index = unseen.Count - 1;
                    }

                    index += map.Count;
                    unseenRows++;
                }

                data.Add(new KeyRow { Label = (uint)index, Score = slots, PredictedLabel = (uint)ArgMax(slots) });
            }

            var leftOut = Unusable(rows.Count - data.Count, "not a class name");
            if (data.Count == 0)
            {
                return (None, leftOut);
            }

            var classes = map.Count + unseen.Count;
            foreach (var row in data.Where(r => r.Score.Length < classes))
            {
                row.Score = [.. row.Score, .. Enumerable.Repeat(float.MinValue, classes - row.Score.Length)];
            }

            var never = unseenRows == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"{unseenRows} labels of classes version {version} never predicted ({string.Join(", ", unseen.Take(5))}{(unseen.Count > 5 ? ", ..." : string.Empty)}): counted as mistakes, at ML.NET's floor probability 1e-15 for log-loss");
            var metrics = ModelEvaluator.MulticlassClassification().Evaluate(_ml, _ml.Data.LoadFromEnumerable(data, KeyRow.Schema(classes)));
            return (metrics, Join(never, leftOut));
        }

        private static double Required(LoggedPrediction p, string field) => p.OutputNumber(field) ?? throw Missing(p, $"numeric {field}");

        private static ArgumentException Missing(LoggedPrediction p, string what)
            => new($"Prediction {p.Id:N} of version {p.Version} has no {what} in its output ({p.Output.GetRawText()}); set PerformanceQuery.Task to the model's task, or log outputs with the fields it needs.");

        private static bool? BooleanLabel(JsonElement actual) => actual.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(actual.GetString(), out var b) => b,
            _ => LoggedPrediction.AsNumber(actual) switch
            {
                1 => true,
                0 => false,
                _ => null,
            },
        };

        private static string? Unusable(int count, string why)
            => count == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"{count} labels left out: {why}");

        private static string? Disagreeing(int count, int of)
            => count == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"{count} of {of} logged PredictedLabel values disagree with Score > 0 (a custom threshold?): the metrics decide by Score > 0, as ML.NET's binary evaluator does");

        private static string? Join(string? a, string? b) => a is null ? b : b is null ? a : $"{a}; {b}";

        private static float[] Vector(JsonElement array) => [.. array.EnumerateArray().Select(e => (float)(LoggedPrediction.AsNumber(e) ?? double.NaN))];

        private static int ArgMax(float[] values)
        {
            var best = 0;
            for (var i = 1; i < values.Length; i++)
            {
                if (values[i] > values[best])
                {
                    best = i;
                }
            }

            return best;
        }
    }

    /// <summary>The classes of one version: the slot each predicted class name won, and how many slots its scores have.</summary>
    private sealed class ClassMap
    {
        public Dictionary<string, int> Slots { get; } = new(StringComparer.Ordinal);

        public int Count { get; set; }
    }

    private sealed class BinaryRow
    {
        public bool Label { get; set; }

        public float Score { get; set; }

        public float Probability { get; set; }

        // The binary evaluator decides by Score > 0 (it reads no predicted label); the column is there because it asks for it.
        public bool PredictedLabel { get; set; }
    }

    private sealed class RegressionRow
    {
        public float Label { get; set; }

        public float Score { get; set; }
    }

    /// <summary>A row of key labels: loaded from a class, ML.NET reads a key member as the 0-based class index (0 is the first class, not missing).</summary>
    private sealed class KeyRow
    {
        public uint Label { get; set; }

        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }

        public static SchemaDefinition Schema(int classes)
        {
            var schema = SchemaDefinition.Create(typeof(KeyRow));
            schema[nameof(Label)].ColumnType = new KeyDataViewType(typeof(uint), classes);
            schema[nameof(PredictedLabel)].ColumnType = new KeyDataViewType(typeof(uint), classes);
            schema[nameof(Score)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, classes);
            return schema;
        }
    }
}
