using MlOps.Sdk.Internal;
using MlOps.Sdk.Registry;

namespace MlOps.Sdk.Monitoring;

/// <content>Live performance: logged predictions joined with their ground truth, measured by ML.NET's evaluators.</content>
public partial class MonitoringCatalog
{
    /// <summary>
    /// Measures a model's live performance from its logged predictions and their ground truth: per version, arm and
    /// time window, and over the whole range per version and arm. The metrics are ML.NET's evaluators' on the predictions
    /// with ground truth (<see cref="PerformanceWindow.Metrics"/>); predictions without it are counted. A window without
    /// predictions or ground truth, or with one class only, is reported with a <see cref="PerformanceWindow.Note"/>, not
    /// thrown; a model with no logged predictions (an unknown name too) gives an empty report.
    /// </summary>
    /// <param name="model">The model's name.</param>
    /// <param name="query">The range, windows, versions, arms and task; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The performance per version, arm and window.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="model"/> is not a valid name; the range is empty or the window shorter than a second or so short
    /// that there would be more than 100,000 windows; or the outputs fit no task (or miss a field the task needs: a
    /// <c>Score</c>, a Boolean <c>PredictedLabel</c>); the message names the prediction and what it has.
    /// </exception>
    /// <exception cref="MonitoringLogFormatException">A log file cannot be read.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<PerformanceReport> GetPerformanceAsync(string model, PerformanceQuery? query = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(model, "Model", nameof(model));
        query ??= new PerformanceQuery();
        var predictions = await ReadForPerformanceAsync(model, query, null, cancellationToken).ConfigureAwait(false);
        var report = PerformanceMeter.Measure(model, query, predictions, poolArms: false);
        MonitoringLog.PerformanceMeasured(_logger, model, predictions.Count, report.Windows.Count, report.Task);
        return report;
    }

    /// <summary>
    /// Measures two versions of a model on the same windows, every arm pooled (the champion serves production, the
    /// challenger a canary or shadow arm), side by side with each metric's difference.
    /// </summary>
    /// <param name="model">The model's name.</param>
    /// <param name="champion">The champion's version.</param>
    /// <param name="challenger">The challenger's version.</param>
    /// <param name="query">The range, windows, arms and task (its versions are ignored); defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>Both versions per window and over the range; a version with no predictions has empty windows with a note.</returns>
    /// <exception cref="ArgumentException">As <see cref="GetPerformanceAsync"/>; or a version is below 1, or both are the same.</exception>
    /// <exception cref="MonitoringLogFormatException">A log file cannot be read.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<PerformanceComparison> CompareAsync(string model, int champion, int challenger, PerformanceQuery? query = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(model, "Model", nameof(model));
        ArgumentOutOfRangeException.ThrowIfLessThan(champion, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(challenger, 1);
        if (champion == challenger)
        {
            throw new ArgumentException($"The champion and the challenger are both version {champion}; compare two versions.", nameof(challenger));
        }

        query ??= new PerformanceQuery();
        var predictions = await ReadForPerformanceAsync(model, query, [champion, challenger], cancellationToken).ConfigureAwait(false);
        var comparison = PerformanceMeter.Compare(model, champion, challenger, query, predictions);
        MonitoringLog.PerformanceCompared(_logger, model, champion, challenger, predictions.Count);
        return comparison;
    }

    private async Task<List<LoggedPrediction>> ReadForPerformanceAsync(string model, PerformanceQuery query, int[]? versions, CancellationToken cancellationToken)
    {
        PerformanceMeter.Validate(query);
        var all = await _reader.ReadPredictionsAsync(model, query.From, query.To, joinFeedback: true, cancellationToken).ConfigureAwait(false);
        var wanted = versions ?? (query.Versions.Count > 0 ? [.. query.Versions] : null);
        var arms = query.Arms.Count > 0 ? query.Arms.ToHashSet(StringComparer.Ordinal) : null;
        return all.FindAll(p => (wanted is null || wanted.Contains(p.Version)) && (arms is null || arms.Contains(p.Arm)));
    }
}
