using Microsoft.ML;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Models;

/// <content>Loading: one way to get a model and a predictor, by version, alias or run, in every environment.</content>
public partial class ModelCatalog
{
    /// <summary>Loads a model: resolves the reference, reads the saved model verified against its SHA-256, and deserializes it.</summary>
    /// <param name="uri"><c>models:/name/3</c>, <c>models:/name@alias</c> or <c>runs:/{runId}/model</c>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The loaded model.</returns>
    /// <exception cref="FormatException"><paramref name="uri"/> is not a model URI.</exception>
    /// <exception cref="ModelNotFoundException">Nothing answers it; the message says what exists.</exception>
    /// <exception cref="ContentIntegrityException">The stored bytes do not match the recorded hash; nothing was deserialized.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<LoadedModel> LoadAsync(string uri, CancellationToken cancellationToken = default) => LoadCoreAsync(ModelRef.Parse(uri), null, cancellationToken);

    /// <summary>
    /// Loads a model into a given ML.NET context: one whose component catalog knows the assemblies of custom
    /// transforms the model uses (<c>mlContext.ComponentCatalog.RegisterAssembly(...)</c> for a <c>CustomMapping</c>).
    /// </summary>
    /// <param name="uri"><c>models:/name/3</c>, <c>models:/name@alias</c> or <c>runs:/{runId}/model</c>.</param>
    /// <param name="mlContext">The context to load into.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The loaded model.</returns>
    /// <exception cref="FormatException"><paramref name="uri"/> is not a model URI.</exception>
    /// <exception cref="ModelNotFoundException">Nothing answers it.</exception>
    /// <exception cref="ContentIntegrityException">The stored bytes do not match the recorded hash.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<LoadedModel> LoadAsync(string uri, MLContext mlContext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return LoadCoreAsync(ModelRef.Parse(uri), mlContext, cancellationToken);
    }

    /// <summary>Loads a model by reference (see <see cref="LoadAsync(string, CancellationToken)"/>).</summary>
    /// <param name="reference">The reference.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The loaded model.</returns>
    /// <exception cref="ModelNotFoundException">Nothing answers it.</exception>
    /// <exception cref="ContentIntegrityException">The stored bytes do not match the recorded hash.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<LoadedModel> LoadAsync(ModelRef reference, CancellationToken cancellationToken = default) => LoadCoreAsync(reference, null, cancellationToken);

    /// <summary>Loads a model by reference into a given ML.NET context (see <see cref="LoadAsync(string, MLContext, CancellationToken)"/>).</summary>
    /// <param name="reference">The reference.</param>
    /// <param name="mlContext">The context to load into.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The loaded model.</returns>
    /// <exception cref="ModelNotFoundException">Nothing answers it.</exception>
    /// <exception cref="ContentIntegrityException">The stored bytes do not match the recorded hash.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<LoadedModel> LoadAsync(ModelRef reference, MLContext mlContext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return LoadCoreAsync(reference, mlContext, cancellationToken);
    }

    private async Task<LoadedModel> LoadCoreAsync(ModelRef reference, MLContext? mlContext, CancellationToken cancellationToken)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(reference);
        ContentHash hash;
        ModelVersion? version = null;
        string uri;
        if (reference.RunId is { } runId)
        {
            RunInfo run;
            try
            {
                run = await _context.Runs.GetAsync(runId, cancellationToken).ConfigureAwait(false);
            }
            catch (RunNotFoundException ex)
            {
                throw new ModelNotFoundException(reference.ToString(), ex.Message.TrimEnd('.'));
            }

            var artifact = run.Artifacts.FirstOrDefault(a => a.Path == reference.ArtifactPath)
                ?? throw new ModelNotFoundException(reference.ToString(), $"run {runId} has {(run.Artifacts.Count == 0 ? "no artifacts" : $"the artifacts {string.Join(", ", run.Artifacts.Select(a => a.Path))}")}");
            hash = artifact.Sha256;
            uri = reference.ToString();
        }
        else
        {
            version = await GetAsync(reference, cancellationToken).ConfigureAwait(false);
            if (version.Flavor != ModelFlavors.MlNet)
            {
                throw new NotSupportedException($"{version.Uri} is a '{version.Flavor}' model; this version of MlOps.Sdk loads '{ModelFlavors.MlNet}' models.");
            }

            hash = version.Sha256;
            uri = version.Uri;
        }

        // Verified before ML.NET sees a byte: a model is code.
        var bytes = await _context.Content.ReadAsync(hash, cancellationToken).ConfigureAwait(false);
        mlContext ??= new MLContext();
        using var stream = bytes.ToStream();
        var model = mlContext.Model.Load(stream, out var inputSchema);
        return new LoadedModel(mlContext, model, inputSchema, version, uri);
    }

    /// <summary>
    /// Loads a model and creates a thread-safe predictor for it, after checking <typeparamref name="TIn"/> against the
    /// recorded input schema and <typeparamref name="TOut"/> against the output.
    /// </summary>
    /// <typeparam name="TIn">The input row type.</typeparam>
    /// <typeparam name="TOut">The output row type.</typeparam>
    /// <param name="uri"><c>models:/name/3</c>, <c>models:/name@alias</c> or <c>runs:/{runId}/model</c>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The predictor; dispose it when done.</returns>
    /// <exception cref="ModelNotFoundException">Nothing answers the URI.</exception>
    /// <exception cref="ModelSchemaMismatchException">A type does not fit the model; every mismatched column is named.</exception>
    /// <exception cref="ContentIntegrityException">The stored bytes do not match the recorded hash.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<Predictor<TIn, TOut>> LoadPredictorAsync<TIn, TOut>(string uri, CancellationToken cancellationToken = default)
        where TIn : class
        where TOut : class, new()
    {
        var loaded = await LoadAsync(uri, cancellationToken).ConfigureAwait(false);
        return loaded.CreatePredictor<TIn, TOut>();
    }

    /// <summary>Loads a model into a given ML.NET context (one that knows its custom transforms) and creates a predictor for it.</summary>
    /// <typeparam name="TIn">The input row type.</typeparam>
    /// <typeparam name="TOut">The output row type.</typeparam>
    /// <param name="uri"><c>models:/name/3</c>, <c>models:/name@alias</c> or <c>runs:/{runId}/model</c>.</param>
    /// <param name="mlContext">The context to load into.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The predictor; dispose it when done.</returns>
    /// <exception cref="ModelNotFoundException">Nothing answers the URI.</exception>
    /// <exception cref="ModelSchemaMismatchException">A type does not fit the model.</exception>
    /// <exception cref="ContentIntegrityException">The stored bytes do not match the recorded hash.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<Predictor<TIn, TOut>> LoadPredictorAsync<TIn, TOut>(string uri, MLContext mlContext, CancellationToken cancellationToken = default)
        where TIn : class
        where TOut : class, new()
    {
        var loaded = await LoadAsync(uri, mlContext, cancellationToken).ConfigureAwait(false);
        return loaded.CreatePredictor<TIn, TOut>();
    }
}
