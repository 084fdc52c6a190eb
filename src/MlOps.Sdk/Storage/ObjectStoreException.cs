namespace MlOps.Sdk.Storage;

/// <summary>
/// A store operation failed for a reason other than a condition or a missing object: the store could not be
/// reached, refused the credentials, ran out of space, or answered with an error.
/// </summary>
/// <remarks>
/// This is the exception to treat as an outage (for example in a circuit breaker): the provider's own exception
/// (<c>Azure.RequestFailedException</c>, <see cref="IOException"/>, ...) is the <see cref="Exception.InnerException"/>.
/// </remarks>
public class ObjectStoreException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="key">The key the operation was on, or <see langword="null"/> when it was not about one key.</param>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The provider's exception.</param>
    public ObjectStoreException(string? key, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Key = key;
    }

    /// <summary>Gets the key the failed operation was on, if any.</summary>
    public string? Key { get; }
}
