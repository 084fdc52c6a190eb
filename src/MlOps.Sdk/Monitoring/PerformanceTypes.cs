namespace MlOps.Sdk.Monitoring;

/// <summary>What a model predicts, which decides the metrics of its live performance.</summary>
public enum MonitoringTask
{
    /// <summary>Decided from the logged outputs: a Boolean <c>PredictedLabel</c> is binary classification, a vector <c>Score</c> multiclass, a single <c>Score</c> regression.</summary>
    Auto,

    /// <summary>Binary classification: accuracy, precision, recall, F1, AUC, log-loss.</summary>
    BinaryClassification,

    /// <summary>Multiclass classification: micro and macro accuracy, log-loss.</summary>
    MulticlassClassification,

    /// <summary>Regression: MAE, RMSE, R².</summary>
    Regression,
}

/// <summary>Which predictions live performance is measured on, and how they are grouped.</summary>
public sealed class PerformanceQuery
{
    /// <summary>Gets or sets the earliest prediction time (inclusive); no bound when <see langword="null"/>.</summary>
    public DateTimeOffset? From { get; set; }

    /// <summary>Gets or sets the latest prediction time (exclusive); no bound when <see langword="null"/>.</summary>
    public DateTimeOffset? To { get; set; }

    /// <summary>Gets or sets the width of a time window (windows start at midnight UTC); one window for the whole range when <see langword="null"/>.</summary>
    /// <value>Default 1 day.</value>
    public TimeSpan? Window { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Gets the model versions measured; all when empty.</summary>
    public IList<int> Versions { get; } = [];

    /// <summary>Gets the arms measured; all when empty.</summary>
    public IList<string> Arms { get; } = [];

    /// <summary>Gets or sets what the model predicts.</summary>
    /// <value>Default <see cref="MonitoringTask.Auto"/>.</value>
    public MonitoringTask Task { get; set; } = MonitoringTask.Auto;
}

/// <summary>The live performance of one model version on one arm in one time window.</summary>
/// <param name="Version">The model version.</param>
/// <param name="Arm">The arm.</param>
/// <param name="Start">The window's start (inclusive).</param>
/// <param name="End">The window's end (exclusive).</param>
/// <param name="Predictions">Predictions logged in the window.</param>
/// <param name="WithFeedback">Those with ground truth: the metrics are measured on them.</param>
/// <param name="Metrics">The metrics by name (as <c>ModelEvaluator</c> names them: <c>accuracy</c>, <c>auc</c>, <c>rmse</c>, ...); empty when no prediction has ground truth.</param>
/// <param name="Note">Why a metric is missing (no ground truth yet, a single class in the window), or <see langword="null"/>.</param>
public sealed record PerformanceWindow(int Version, string Arm, DateTimeOffset Start, DateTimeOffset End, long Predictions, long WithFeedback, IReadOnlyDictionary<string, double> Metrics, string? Note);

/// <summary>A model's live performance: per version, arm and window, and over the whole range.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Task">What it predicts (decided, when asked for <see cref="MonitoringTask.Auto"/>).</param>
/// <param name="Windows">Per version, arm and window, in time order.</param>
/// <param name="Totals">Per version and arm, over the whole range.</param>
public sealed record PerformanceReport(string Model, MonitoringTask Task, IReadOnlyList<PerformanceWindow> Windows, IReadOnlyList<PerformanceWindow> Totals);
