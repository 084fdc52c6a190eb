namespace MlOps.Sdk.Serving;

/// <summary>A served predictor was asked for a prediction before its first model was loaded (the service is starting, or the store is unreachable).</summary>
public class PredictorNotReadyException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="name">The predictor.</param>
    /// <param name="uri">The model it follows.</param>
    /// <param name="lastError">Why loading failed so far, if it did.</param>
    public PredictorNotReadyException(string name, string uri, Exception? lastError = null)
        : base($"Predictor '{name}' has not loaded {uri} yet{(lastError is null ? "." : $": {lastError.Message}")}", lastError)
    {
        Name = name;
        Uri = uri;
    }

    /// <summary>Gets the predictor.</summary>
    public string Name { get; }

    /// <summary>Gets the model it follows.</summary>
    public string Uri { get; }
}
