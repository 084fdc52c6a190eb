using Azure;

namespace MlOps.Sdk.Storage;

/// <summary>What the store knows about one object: its key, size, ETag and when it was last written.</summary>
/// <remarks>
/// <see cref="LastModified"/> comes from the store's clock (for Azure Blob Storage, the service's), which is what
/// staleness of heartbeats is judged by. Create instances for tests with <see cref="MlOpsModelFactory"/>.
/// </remarks>
public class ObjectProperties
{
    /// <summary>Initializes a new instance; used by providers and by <see cref="MlOpsModelFactory"/>.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="size">The content length in bytes.</param>
    /// <param name="etag">The ETag of this version of the object.</param>
    /// <param name="lastModified">When this version was written, by the store's clock.</param>
    protected internal ObjectProperties(string key, long size, ETag etag, DateTimeOffset lastModified)
    {
        Key = key;
        Size = size;
        ETag = etag;
        LastModified = lastModified;
    }

    /// <summary>Gets the object's key.</summary>
    public string Key { get; }

    /// <summary>Gets the content length in bytes.</summary>
    public long Size { get; }

    /// <summary>Gets the ETag of this version; it changes on every write.</summary>
    public ETag ETag { get; }

    /// <summary>Gets when this version was written, by the store's clock.</summary>
    public DateTimeOffset LastModified { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Key} ({Size} bytes, {ETag})";
}
