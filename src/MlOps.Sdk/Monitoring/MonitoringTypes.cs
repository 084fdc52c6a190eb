namespace MlOps.Sdk.Monitoring;

/// <summary>Ground truth for one prediction.</summary>
/// <typeparam name="T">The label's type: <see cref="bool"/> for binary classification, a number for regression, text or a key for multiclass.</typeparam>
/// <param name="PredictionId">The prediction's id, as returned with it (<see cref="Serving.PredictionResult{TOut}.PredictionId"/>).</param>
/// <param name="Actual">The actual value.</param>
public sealed record PredictionFeedback<T>(Guid PredictionId, T Actual);

/// <summary>What a bulk feedback import did.</summary>
/// <param name="Recorded">Rows recorded.</param>
/// <param name="Skipped">Rows left out: an id that is not a GUID, or a missing label (empty, NaN).</param>
/// <param name="Problems">Up to ten of the skipped rows, each with why.</param>
public sealed record FeedbackImportResult(long Recorded, long Skipped, IReadOnlyList<string> Problems);

/// <summary>How ground truth meets the predictions of a time range, over every model.</summary>
/// <param name="Predictions">Predictions logged in the range, by id (a shadow's prediction shares its served prediction's id and counts with it).</param>
/// <param name="WithFeedback">Those with ground truth.</param>
/// <param name="WithoutFeedback">Those without (missing, or not arrived yet).</param>
/// <param name="UnknownIds">Feedback recorded for the range's dates whose id matches no logged prediction (a wrong id, or a prediction not logged: sampling, a dropped log row, deleted by retention).</param>
/// <param name="MedianDelay">The median time from a prediction to its ground truth; <see langword="null"/> with none.</param>
/// <param name="MaxDelay">The longest; <see langword="null"/> with none.</param>
public sealed record FeedbackSummary(long Predictions, long WithFeedback, long WithoutFeedback, long UnknownIds, TimeSpan? MedianDelay, TimeSpan? MaxDelay)
{
    /// <summary>Gets the share of predictions with ground truth (0 when there are none).</summary>
    public double Coverage => Predictions == 0 ? 0 : (double)WithFeedback / Predictions;
}
