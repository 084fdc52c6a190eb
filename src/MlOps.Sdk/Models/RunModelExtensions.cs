using Microsoft.ML;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Models;

/// <summary>Registering the model a run trained.</summary>
public static class RunModelExtensions
{
    /// <summary>
    /// Saves a trained ML.NET model as the run's <c>model</c> artifact (<c>runs:/{runId}/model</c>) and registers it as
    /// the next version of <paramref name="name"/>, with the run's parameters, metrics, commit and datasets as lineage.
    /// </summary>
    /// <param name="run">The run that trained it.</param>
    /// <param name="client">The client whose registry gets the version.</param>
    /// <param name="name">The model's name.</param>
    /// <param name="model">The trained transformer.</param>
    /// <param name="inputSchema">The schema of the data it was trained on, for example <c>trainingData.Schema</c>.</param>
    /// <param name="options">Description, tags, input example, more datasets.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The new version.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid.</exception>
    /// <exception cref="RunNotActiveException">The run has ended.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public static Task<ModelVersion> LogModelAsync(this Run run, MlOpsClient client, string name, ITransformer model, DataViewSchema inputSchema, RegisterModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(client);
        return client.Models.RegisterCoreAsync(name, model, inputSchema, options ?? new RegisterModelOptions(), run, cancellationToken);
    }
}
