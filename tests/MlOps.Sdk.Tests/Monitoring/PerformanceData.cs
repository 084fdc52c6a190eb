using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Serving;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// Synthetic prediction logs with ground truth for live performance tests, and the independent measurement: the same
/// labels and scores handed to ML.NET's evaluators directly.
/// </summary>
internal static class PerformanceData
{
    public static readonly string[] Classes = ["a", "b", "c"];

    /// <summary>One logged prediction of the test: its output and its label (null: no feedback).</summary>
    public sealed record Logged(DateTimeOffset At, int Version, string Arm, float Score, float? Probability, float[]? Scores, object? Actual)
    {
        public Guid Id { get; } = Guid.CreateVersion7(At);
    }

    /// <summary>Binary predictions: the score leans to the label by <paramref name="skill"/> (0: none).</summary>
    public static List<Logged> Binary(int count, DateTimeOffset start, TimeSpan step, int version = 1, string arm = "production", double skill = 1, bool calibrated = true, int seed = 1, bool? onlyLabel = null)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var label = onlyLabel ?? random.NextDouble() < 0.5;
            var score = (float)(((label ? 1 : -1) * skill) + Gaussian(random));
            return new Logged(start + (step * i), version, arm, score, calibrated ? (float)(1 / (1 + Math.Exp(-score))) : null, null, label);
        })];
    }

    public static List<Logged> Regression(int count, DateTimeOffset start, TimeSpan step, int version = 1, double noise = 1, int seed = 1)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var actual = random.NextDouble() * 30;
            return new Logged(start + (step * i), version, "production", (float)(actual + (noise * Gaussian(random))), null, null, actual);
        })];
    }

    public static List<Logged> Multiclass(int count, DateTimeOffset start, TimeSpan step, int seed = 1)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var label = random.Next(3);
            var raw = Enumerable.Range(0, 3).Select(k => (k == label ? 1.2 : 0) + Gaussian(random)).ToArray();
            var sum = raw.Sum(Math.Exp);
            return new Logged(start + (step * i), 1, "production", 0, null, [.. raw.Select(r => (float)(Math.Exp(r) / sum))], Classes[label]);
        })];
    }

    /// <summary>Writes the predictions as served predictors log them, and the feedback of those that have it.</summary>
    public static async Task WriteAsync(MlOpsClient client, string model, IEnumerable<Logged> logged, bool feedback = true)
    {
        var list = logged.ToList();
        await client.Monitoring.WritePredictionsAsync(list.Select(l => new PredictionLogRow
        {
            Id = l.Id.ToString("N"),
            Timestamp = l.At.UtcDateTime,
            Model = model,
            Version = l.Version,
            Arm = l.Arm,
            Input = "{}",
            Output = Output(l),
        }));
        if (feedback)
        {
            await FeedbackAsync(client, list);
        }
    }

    public static async Task FeedbackAsync(MlOpsClient client, IEnumerable<Logged> logged)
    {
        var list = logged.Where(l => l.Actual is not null).ToList();
        await client.Monitoring.RecordFeedbackAsync(list.Where(l => l.Actual is bool).Select(l => new PredictionFeedback<bool>(l.Id, (bool)l.Actual!)));
        await client.Monitoring.RecordFeedbackAsync(list.Where(l => l.Actual is double).Select(l => new PredictionFeedback<double>(l.Id, (double)l.Actual!)));
        await client.Monitoring.RecordFeedbackAsync(list.Where(l => l.Actual is string).Select(l => new PredictionFeedback<string>(l.Id, (string)l.Actual!)));
    }

    /// <summary>ML.NET's binary evaluator on the labels and scores, named as the report names them.</summary>
    public static Dictionary<string, double> EvaluateBinary(IEnumerable<Logged> logged, bool calibrated = true)
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(logged.Select(l => new BinaryRow { Label = (bool)l.Actual!, Score = l.Score, Probability = l.Probability ?? 0, PredictedLabel = l.Score > 0 }));
        var m = calibrated ? ml.BinaryClassification.Evaluate(data) : ml.BinaryClassification.EvaluateNonCalibrated(data);
        var metrics = new Dictionary<string, double>
        {
            ["auc"] = m.AreaUnderRocCurve,
            ["auprc"] = m.AreaUnderPrecisionRecallCurve,
            ["accuracy"] = m.Accuracy,
            ["f1"] = m.F1Score,
            ["precision"] = m.PositivePrecision,
            ["recall"] = m.PositiveRecall,
        };
        if (m is CalibratedBinaryClassificationMetrics c)
        {
            metrics["log-loss"] = c.LogLoss;
        }

        return metrics;
    }

    public static Dictionary<string, double> EvaluateRegression(IEnumerable<Logged> logged)
    {
        var ml = new MLContext(seed: 0);
        var m = ml.Regression.Evaluate(ml.Data.LoadFromEnumerable(logged.Select(l => new RegressionRow { Label = (float)(double)l.Actual!, Score = l.Score })));
        return new() { ["mae"] = m.MeanAbsoluteError, ["mse"] = m.MeanSquaredError, ["rmse"] = m.RootMeanSquaredError, ["r2"] = m.RSquared };
    }

    /// <summary>ML.NET's multiclass evaluator, the label mapped to a key by its own text (a → 1, b → 2, c → 3).</summary>
    public static Dictionary<string, double> EvaluateMulticlass(IEnumerable<Logged> logged)
    {
        var ml = new MLContext(seed: 0);
        var rows = logged.Select(l => new ClassRow { Label = Array.IndexOf(Classes, (string)l.Actual!), Scores = l.Scores!, Predicted = Array.IndexOf(l.Scores!, l.Scores!.Max()) });
        var data = ml.Data.LoadFromEnumerable(rows);
        var keys = ml.Data.LoadFromEnumerable(Enumerable.Range(0, Classes.Length).Select(k => new KeyData { Value = k }));
        var byValue = Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue;
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", "Label", keyOrdinality: byValue, keyData: keys)
            .Append(ml.Transforms.Conversion.MapValueToKey("PredictedLabel", "Predicted", keyOrdinality: byValue, keyData: keys))
            .Append(ml.Transforms.CopyColumns("Score", "Scores"))
            .Fit(data).Transform(data);
        var m = ml.MulticlassClassification.Evaluate(keyed);
        return new() { ["micro-accuracy"] = m.MicroAccuracy, ["macro-accuracy"] = m.MacroAccuracy, ["log-loss"] = m.LogLoss };
    }

    private static string Output(Logged l)
    {
        if (l.Scores is { } scores)
        {
            var best = Array.IndexOf(scores, scores.Max());
            return $"{{\"PredictedLabel\":\"{Classes[best]}\",\"Score\":[{string.Join(",", scores.Select(F))}]}}";
        }

        if (l.Actual is bool || l.Probability is not null)
        {
            return $"{{\"PredictedLabel\":{(l.Score > 0 ? "true" : "false")},\"Score\":{F(l.Score)}{(l.Probability is { } p ? $",\"Probability\":{F(p)}" : string.Empty)}}}";
        }

        return $"{{\"Score\":{F(l.Score)}}}";
    }

    private static string F(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private sealed class BinaryRow
    {
        public bool Label { get; set; }

        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }
    }

    private sealed class RegressionRow
    {
        public float Label { get; set; }

        public float Score { get; set; }
    }

    private sealed class ClassRow
    {
        public int Label { get; set; }

        public int Predicted { get; set; }

        [VectorType(3)]
        public float[] Scores { get; set; } = [];
    }

    private sealed class KeyData
    {
        public int Value { get; set; }
    }
}
