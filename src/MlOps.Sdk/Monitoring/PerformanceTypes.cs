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

    /// <summary>
    /// Gets or sets the width of a time window; one window for the whole range when <see langword="null"/>. Windows start
    /// at whole multiples of the width counted from midnight UTC, 1 January 1970 (so a width that divides a day starts a
    /// window at every midnight UTC); the first and last window may reach outside <see cref="From"/> and <see cref="To"/>,
    /// but only predictions inside them are counted.
    /// </summary>
    /// <value>Default 1 day; from 1 second, when set.</value>
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
/// <param name="Metrics">
/// The metrics by name, measured by ML.NET's evaluators and named as <see cref="Retraining.ModelEvaluator"/> names them:
/// binary <c>auc</c>, <c>auprc</c>, <c>accuracy</c>, <c>f1</c>, <c>precision</c>, <c>recall</c> and, when the outputs have
/// a <c>Probability</c>, <c>log-loss</c>; regression <c>mae</c>, <c>mse</c>, <c>rmse</c>, <c>r2</c>; multiclass
/// <c>micro-accuracy</c>, <c>macro-accuracy</c>, <c>log-loss</c>. Empty when no prediction has ground truth; only
/// <c>accuracy</c> for a binary window whose labels are all one class.
/// </param>
/// <param name="Note">
/// Why metrics or rows are missing (no predictions, no ground truth yet, a single class, labels that fit no class), what
/// the metrics counted that the user may not expect (multiclass labels of classes the version never predicted, counted as
/// mistakes), and how many logged binary <c>PredictedLabel</c> values disagree with <c>Score</c> &gt; 0 (a custom
/// threshold: the metrics still decide by <c>Score</c> &gt; 0); or <see langword="null"/>.
/// </param>
public sealed record PerformanceWindow(int Version, string Arm, DateTimeOffset Start, DateTimeOffset End, long Predictions, long WithFeedback, IReadOnlyDictionary<string, double> Metrics, string? Note);

/// <summary>A model's live performance: per version, arm and window, and over the whole range.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Task">What it predicts (decided, when asked for <see cref="MonitoringTask.Auto"/>).</param>
/// <param name="Windows">Per version, arm and window, in time order.</param>
/// <param name="Totals">Per version and arm, over the whole range.</param>
public sealed record PerformanceReport(string Model, MonitoringTask Task, IReadOnlyList<PerformanceWindow> Windows, IReadOnlyList<PerformanceWindow> Totals);

/// <summary>One metric of a champion and a challenger side by side.</summary>
/// <param name="Champion">The champion's value, or <see langword="null"/> when it was not measured.</param>
/// <param name="Challenger">The challenger's value, or <see langword="null"/>.</param>
/// <param name="Delta">The challenger's value minus the champion's, or <see langword="null"/> when either is missing.</param>
public sealed record MetricComparison(double? Champion, double? Challenger, double? Delta);

/// <summary>A champion and a challenger measured in the same window, every arm pooled.</summary>
/// <param name="Start">The window's start (inclusive).</param>
/// <param name="End">The window's end (exclusive).</param>
/// <param name="Champion">The champion's performance (its <see cref="PerformanceWindow.Arm"/> is <c>*</c>: every arm).</param>
/// <param name="Challenger">The challenger's performance.</param>
/// <param name="Metrics">Each metric either has, by name.</param>
public sealed record ComparedWindow(DateTimeOffset Start, DateTimeOffset End, PerformanceWindow Champion, PerformanceWindow Challenger, IReadOnlyDictionary<string, MetricComparison> Metrics);

/// <summary>Two versions of a model on the same live data, side by side.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Task">What it predicts.</param>
/// <param name="Champion">The champion's version.</param>
/// <param name="Challenger">The challenger's version.</param>
/// <param name="Windows">Per window, in time order.</param>
/// <param name="Total">Over the whole range.</param>
public sealed record PerformanceComparison(string Model, MonitoringTask Task, int Champion, int Challenger, IReadOnlyList<ComparedWindow> Windows, ComparedWindow Total);
