namespace MlOps.Sdk.Monitoring;

public partial class MonitoringCatalog
{
    /// <summary>Compares a model's live inputs and outputs with its training data.</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="query">The range, windows, versions, arms, reference, features and thresholds; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The drift, overall and per window.</returns>
    public virtual Task<LiveDriftReport> GetDriftAsync(string model, DriftQuery? query = null, CancellationToken cancellationToken = default)
        => throw new NotImplementedException("Issue 10: live drift is being built.");
}
