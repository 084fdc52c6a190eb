using Microsoft.ML;

namespace MlOps.Sdk.Retraining;

/// <summary>
/// How a model is measured on the holdout: the champion and the challenger score the same rows and are measured the same
/// way. The factories use ML.NET's own evaluators, so a metric means what ML.NET says it means.
/// </summary>
public abstract class ModelEvaluator
{
    /// <summary>Gets the names of the metrics <see cref="Evaluate"/> produces: a promotion rule or guard may name only these.</summary>
    public abstract IReadOnlyList<string> Metrics { get; }

    /// <summary>Measures a model's predictions.</summary>
    /// <param name="mlContext">The context to evaluate in.</param>
    /// <param name="scored">The holdout, transformed by the model.</param>
    /// <returns>Each metric of <see cref="Metrics"/> by name.</returns>
    public abstract IReadOnlyDictionary<string, double> Evaluate(MLContext mlContext, IDataView scored);

    /// <summary>
    /// Binary classification: <c>auc</c>, <c>auprc</c>, <c>accuracy</c>, <c>f1</c>, <c>precision</c>, <c>recall</c>, and for
    /// a calibrated model (one with a <c>Probability</c> column) <c>log-loss</c>.
    /// </summary>
    /// <param name="labelColumn">The label column of the scored data (a model that computes its label from the input has it too).</param>
    /// <param name="calibrated">Whether the models give probabilities; <see langword="false"/> for uncalibrated trainers (averaged perceptron, linear SVM), which have no log-loss.</param>
    /// <returns>The evaluator.</returns>
    public static ModelEvaluator BinaryClassification(string labelColumn = "Label", bool calibrated = true)
        => calibrated
            ? new Delegating(["auc", "auprc", "accuracy", "f1", "precision", "recall", "log-loss"], (ml, scored) =>
            {
                if (scored.Schema.GetColumnOrNull("Probability") is null)
                {
                    throw new InvalidOperationException("The model gives no Probability column (an uncalibrated trainer?): measure it with ModelEvaluator.BinaryClassification(calibrated: false), which has no log-loss.");
                }

                var m = ml.BinaryClassification.Evaluate(scored, labelColumn);
                var metrics = Binary(m);
                metrics["log-loss"] = m.LogLoss;
                return metrics;
            })
            : new Delegating(["auc", "auprc", "accuracy", "f1", "precision", "recall"], (ml, scored) => Binary(ml.BinaryClassification.EvaluateNonCalibrated(scored, labelColumn)));

    /// <summary>The metrics calibrated and uncalibrated binary classifiers share.</summary>
    private static Dictionary<string, double> Binary(Microsoft.ML.Data.BinaryClassificationMetrics m) => new()
    {
        ["auc"] = m.AreaUnderRocCurve,
        ["auprc"] = m.AreaUnderPrecisionRecallCurve,
        ["accuracy"] = m.Accuracy,
        ["f1"] = m.F1Score,
        ["precision"] = m.PositivePrecision,
        ["recall"] = m.PositiveRecall,
    };

    /// <summary>Regression: <c>mae</c>, <c>mse</c>, <c>rmse</c>, <c>r2</c>.</summary>
    /// <param name="labelColumn">The label column.</param>
    /// <returns>The evaluator.</returns>
    public static ModelEvaluator Regression(string labelColumn = "Label")
        => new Delegating(["mae", "mse", "rmse", "r2"], (ml, scored) =>
        {
            var m = ml.Regression.Evaluate(scored, labelColumn);
            return new Dictionary<string, double> { ["mae"] = m.MeanAbsoluteError, ["mse"] = m.MeanSquaredError, ["rmse"] = m.RootMeanSquaredError, ["r2"] = m.RSquared };
        });

    /// <summary>Multiclass classification: <c>micro-accuracy</c>, <c>macro-accuracy</c>, <c>log-loss</c>.</summary>
    /// <param name="labelColumn">The label column (a key type, as the model's trainer saw it).</param>
    /// <returns>The evaluator.</returns>
    public static ModelEvaluator MulticlassClassification(string labelColumn = "Label")
        => new Delegating(["micro-accuracy", "macro-accuracy", "log-loss"], (ml, scored) =>
        {
            var m = ml.MulticlassClassification.Evaluate(scored, labelColumn);
            return new Dictionary<string, double> { ["micro-accuracy"] = m.MicroAccuracy, ["macro-accuracy"] = m.MacroAccuracy, ["log-loss"] = m.LogLoss };
        });

    /// <summary>Any measurement: it must produce every metric it names.</summary>
    /// <param name="metrics">The names of the metrics it produces.</param>
    /// <param name="evaluate">Measures the scored holdout.</param>
    /// <returns>The evaluator.</returns>
    /// <exception cref="ArgumentException">No metric is named.</exception>
    public static ModelEvaluator Custom(IReadOnlyList<string> metrics, Func<MLContext, IDataView, IReadOnlyDictionary<string, double>> evaluate)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(evaluate);
        return metrics.Count == 0 ? throw new ArgumentException("A custom evaluator names at least one metric.", nameof(metrics)) : new Delegating([.. metrics], evaluate);
    }

    private sealed class Delegating(IReadOnlyList<string> metrics, Func<MLContext, IDataView, IReadOnlyDictionary<string, double>> evaluate) : ModelEvaluator
    {
        public override IReadOnlyList<string> Metrics => metrics;

        public override IReadOnlyDictionary<string, double> Evaluate(MLContext mlContext, IDataView scored) => evaluate(mlContext, scored);
    }
}
