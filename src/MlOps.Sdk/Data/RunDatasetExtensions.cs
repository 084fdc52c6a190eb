using MlOps.Sdk.Internal;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Data;

/// <summary>Lineage between runs and dataset versions.</summary>
public static class RunDatasetExtensions
{
    /// <summary>
    /// Records that a run uses a dataset version, as what (<c>training</c>, <c>validation</c>, ...): an input of the run,
    /// and a usage of the version, so "which runs used this data?" has an answer.
    /// </summary>
    /// <param name="run">The run.</param>
    /// <param name="dataset">The version.</param>
    /// <param name="context">What it is to the run.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the usage is stored (the run's input is written with its next flush).</returns>
    /// <exception cref="ArgumentException"><paramref name="context"/> is empty.</exception>
    /// <exception cref="RunNotActiveException">The run has ended.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public static Task UseDatasetAsync(this Run run, DatasetVersion dataset, string context = "training", CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentException.ThrowIfNullOrWhiteSpace(context);
        return dataset.Catalog.RecordUsageAsync(run, dataset, context, cancellationToken);
    }
}
