namespace MlOps.Sdk.Serving;

/// <summary>
/// Predictions from whatever model version an alias (or a fixed version) points at now: the same call before, during
/// and after a model change. Thread-safe. Resolve it from dependency injection
/// (<c>services.AddMlOps().AddPredictor&lt;TIn, TOut&gt;("churn", "models:/churn@production")</c>, keyed by name), or
/// start one with <see cref="ServedPredictor.StartAsync{TIn, TOut}"/>.
/// </summary>
/// <typeparam name="TIn">The input row type.</typeparam>
/// <typeparam name="TOut">The output row type.</typeparam>
public interface IPredictor<TIn, TOut>
    where TIn : class
    where TOut : class, new()
{
    /// <summary>Gets the predictor's name (its DI key).</summary>
    string Name { get; }

    /// <summary>Gets the model version serving now, or <see langword="null"/> before the first one is loaded.</summary>
    ServedModelInfo? Live { get; }

    /// <summary>Predicts one item with the live model; the result says which model, version and arm produced it.</summary>
    /// <param name="input">The input.</param>
    /// <param name="routingKey">A caller's key (a user id) for strategies that keep one key in one arm; ignored by a single model.</param>
    /// <returns>The prediction and where it came from.</returns>
    /// <exception cref="PredictorNotReadyException">No model has been loaded yet.</exception>
    PredictionResult<TOut> Predict(TIn input, string? routingKey = null);

    /// <summary>Looks at the alias now (instead of at the next poll) and swaps to the version it points at, if it changed.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when another version was loaded and is now live.</returns>
    /// <exception cref="Storage.ObjectStoreException">The store failed (the live model keeps serving).</exception>
    Task<bool> ReloadAsync(CancellationToken cancellationToken = default);
}

/// <summary>A prediction and the model that made it.</summary>
/// <typeparam name="TOut">The output row type.</typeparam>
/// <param name="Value">The prediction.</param>
/// <param name="Model">The model's name.</param>
/// <param name="Version">The model version.</param>
/// <param name="Arm">The deployment arm that served it (the alias of the predictor's URI, or an extra arm's name).</param>
/// <param name="PredictionId">The id it was logged under (a version-7 GUID, to join feedback to it later), or <see langword="null"/> when it was not logged.</param>
public sealed record PredictionResult<TOut>(TOut Value, string Model, int Version, string Arm, Guid? PredictionId = null);

/// <summary>What a served predictor serves now.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Version">The version.</param>
/// <param name="Uri">What the predictor follows, for example <c>models:/churn@production</c>.</param>
/// <param name="Sha256">The saved model's SHA-256.</param>
/// <param name="LoadedAt">When this version started serving.</param>
public sealed record ServedModelInfo(string Model, int Version, string Uri, string Sha256, DateTimeOffset LoadedAt);
