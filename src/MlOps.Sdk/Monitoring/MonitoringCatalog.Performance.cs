namespace MlOps.Sdk.Monitoring;

public partial class MonitoringCatalog
{
    /// <summary>Measures a model's live performance from its logged predictions and their ground truth.</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="query">The range, windows, versions, arms and task; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The performance per version, arm and window.</returns>
    public virtual Task<PerformanceReport> GetPerformanceAsync(string model, PerformanceQuery? query = null, CancellationToken cancellationToken = default)
        => throw new NotImplementedException("Issue 10: live performance is being built.");
}
