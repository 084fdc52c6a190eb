namespace MlOps.Sdk.Monitoring;

/// <summary>Which logged predictions to read: a time range, versions, arms, feedback, a predicate on the row and the size of the error.</summary>
public sealed class PredictionQuery
{
    /// <summary>Gets or sets the earliest prediction time (inclusive); no bound when <see langword="null"/>.</summary>
    public DateTimeOffset? From { get; set; }

    /// <summary>Gets or sets the latest prediction time (exclusive); no bound when <see langword="null"/>.</summary>
    public DateTimeOffset? To { get; set; }

    /// <summary>Gets the model versions to read; all when empty.</summary>
    public IList<int> Versions { get; } = [];

    /// <summary>Gets the arms to read (<c>main</c>, an arm's alias, <c>shadow</c>); all when empty.</summary>
    public IList<string> Arms { get; } = [];

    /// <summary>Gets or sets which predictions to read by their ground truth.</summary>
    /// <value>Default <see cref="FeedbackFilter.Any"/>.</value>
    public FeedbackFilter Feedback { get; set; } = FeedbackFilter.Any;

    /// <summary>
    /// Gets or sets the smallest <see cref="LoggedPrediction.Error"/> to read (predictions without feedback are left out
    /// when set).
    /// </summary>
    public double? MinError { get; set; }

    /// <summary>
    /// Gets or sets a predicate on the prediction, for feature predicates:
    /// <c>p =&gt; p.InputText("Origin") == "SEA" &amp;&amp; p.InputNumber("Distance") &gt; 1000</c>.
    /// </summary>
    public Func<LoggedPrediction, bool>? Where { get; set; }

    /// <summary>Gets or sets the most predictions to read (the earliest first); all when <see langword="null"/>.</summary>
    public int? Limit { get; set; }
}

/// <summary>Which predictions a query reads by their ground truth.</summary>
public enum FeedbackFilter
{
    /// <summary>All of them.</summary>
    Any,

    /// <summary>Those with ground truth.</summary>
    WithFeedback,

    /// <summary>Those without ground truth (yet).</summary>
    WithoutFeedback,
}
