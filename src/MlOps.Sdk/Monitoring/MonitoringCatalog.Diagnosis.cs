using Microsoft.ML;

namespace MlOps.Sdk.Monitoring;

/// <summary>Diagnosis: logged predictions as a data view for a notebook.</summary>
public partial class MonitoringCatalog
{
    /// <summary>
    /// Reads logged predictions of a model, joined with their ground truth, as an ML.NET <see cref="IDataView"/>: the
    /// query of <see cref="ReadPredictionsAsync"/>, with the columns <see cref="LoggedPredictionDataView.ToDataView"/>
    /// describes (each input and output field its own column).
    /// </summary>
    /// <param name="model">The model's name.</param>
    /// <param name="query">Time range, versions, arms, feedback, a predicate and the error size; everything when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The data view, earliest prediction first; held in memory.</returns>
    /// <exception cref="ArgumentException"><paramref name="model"/> is not a valid model name.</exception>
    /// <exception cref="MonitoringLogFormatException">A log file cannot be read.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<IDataView> ReadPredictionsAsDataViewAsync(string model, PredictionQuery? query = null, CancellationToken cancellationToken = default)
        => (await ReadPredictionsAsync(model, query, cancellationToken).ConfigureAwait(false)).ToDataView();
}
