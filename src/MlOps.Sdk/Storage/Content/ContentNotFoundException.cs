namespace MlOps.Sdk.Storage;

/// <summary>The content store holds no content with the requested hash.</summary>
public class ContentNotFoundException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="hash">The hash that has no content.</param>
    /// <param name="location">The store that was searched.</param>
    /// <param name="innerException">The store's exception, if any.</param>
    public ContentNotFoundException(ContentHash hash, Uri location, Exception? innerException = null)
        : base($"The store {location} holds no content with SHA-256 {hash}.", innerException)
    {
        Hash = hash;
    }

    /// <summary>Gets the hash that has no content.</summary>
    public ContentHash Hash { get; }
}
