using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace MlOps.Sdk.Retraining;

/// <summary>Whether more or less of a metric is better.</summary>
public enum MetricDirection
{
    /// <summary>More is better (AUC, accuracy, R²).</summary>
    Maximize = 0,

    /// <summary>Less is better (log-loss, RMSE).</summary>
    Minimize = 1,
}

/// <summary>When a challenger beats the champion: by <see cref="MinimumMargin"/> or more of <see cref="Metric"/> on the same holdout.</summary>
public sealed class PromotionRule
{
    /// <summary>Gets or sets the metric compared (one the evaluator produces: <c>auc</c>).</summary>
    [Required]
    public string Metric { get; set; } = string.Empty;

    /// <summary>Gets or sets whether more or less is better.</summary>
    public MetricDirection Direction { get; set; } = MetricDirection.Maximize;

    /// <summary>Gets or sets how much better the challenger must be (in the metric's units; 0: at least as good).</summary>
    [Range(0, double.MaxValue)]
    public double MinimumMargin { get; set; }

    /// <summary>How much better the challenger is (positive: better), whichever the direction.</summary>
    internal double Gain(double challenger, double champion) => Direction == MetricDirection.Maximize ? challenger - champion : champion - challenger;

    internal string Describe(double challenger, double champion)
        => string.Create(CultureInfo.InvariantCulture, $"{Metric} {challenger:G4} vs {champion:G4} ({(Gain(challenger, champion) >= 0 ? "+" : "")}{Gain(challenger, champion):G3}, needs {(MinimumMargin > 0 ? $"+{MinimumMargin:G3}" : "no loss")})");
}

/// <summary>A metric that must not get worse by more than <see cref="MaximumRegression"/> for a challenger to be promoted.</summary>
public sealed class GuardRule
{
    /// <summary>Gets or sets the metric guarded (one the evaluator produces).</summary>
    [Required]
    public string Metric { get; set; } = string.Empty;

    /// <summary>Gets or sets whether more or less is better.</summary>
    public MetricDirection Direction { get; set; } = MetricDirection.Maximize;

    /// <summary>Gets or sets how much worse it may get (in the metric's units; 0: no worse at all).</summary>
    [Range(0, double.MaxValue)]
    public double MaximumRegression { get; set; }

    internal double Regression(double challenger, double champion) => Direction == MetricDirection.Maximize ? champion - challenger : challenger - champion;
}
