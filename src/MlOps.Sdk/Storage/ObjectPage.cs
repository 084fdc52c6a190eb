namespace MlOps.Sdk.Storage;

/// <summary>One page of a listing by prefix, and the token that continues it.</summary>
public class ObjectPage
{
    /// <summary>Initializes a new instance; used by providers and by <see cref="MlOpsModelFactory"/>.</summary>
    /// <param name="items">The objects on this page, in ordinal key order.</param>
    /// <param name="continuationToken">The token for the next page, or <see langword="null"/> on the last page.</param>
    protected internal ObjectPage(IReadOnlyList<ObjectProperties> items, string? continuationToken)
    {
        Items = items;
        ContinuationToken = continuationToken;
    }

    /// <summary>Gets the objects on this page, in ordinal key order.</summary>
    public IReadOnlyList<ObjectProperties> Items { get; }

    /// <summary>Gets the opaque token that continues the listing, or <see langword="null"/> when this is the last page.</summary>
    public string? ContinuationToken { get; }
}
