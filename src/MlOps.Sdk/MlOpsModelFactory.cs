using Azure;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk;

/// <summary>Creates the SDK's output models, whose constructors are not public, for tests and mocks.</summary>
public static class MlOpsModelFactory
{
    /// <summary>Creates an <see cref="Storage.ObjectProperties"/>.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="size">The content length in bytes.</param>
    /// <param name="etag">The ETag.</param>
    /// <param name="lastModified">When the version was written.</param>
    /// <returns>The instance.</returns>
    public static ObjectProperties ObjectProperties(string key, long size = 0, ETag etag = default, DateTimeOffset lastModified = default)
        => new(key, size, etag, lastModified);

    /// <summary>Creates a <see cref="Storage.StoredObject"/>.</summary>
    /// <param name="properties">The properties of the version.</param>
    /// <param name="content">The content.</param>
    /// <returns>The instance.</returns>
    public static StoredObject StoredObject(ObjectProperties properties, BinaryData content) => new(properties, content);

    /// <summary>Creates an <see cref="Storage.ObjectPage"/>.</summary>
    /// <param name="items">The objects on the page.</param>
    /// <param name="continuationToken">The token of the next page, if any.</param>
    /// <returns>The instance.</returns>
    public static ObjectPage ObjectPage(IReadOnlyList<ObjectProperties> items, string? continuationToken = null) => new(items, continuationToken);

    /// <summary>Creates a <see cref="Storage.ContentInfo"/>.</summary>
    /// <param name="hash">The content's hash.</param>
    /// <param name="length">The content's length.</param>
    /// <param name="uploaded">Whether the put uploaded it.</param>
    /// <returns>The instance.</returns>
    public static ContentInfo ContentInfo(ContentHash hash, long length, bool uploaded = true) => new(hash, length, uploaded);
}
