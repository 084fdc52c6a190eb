namespace MlOps.Sdk.Storage;

/// <summary>
/// Bytes read from the store (or the local cache) do not match their address: they were corrupted or tampered with.
/// </summary>
/// <remarks>
/// The bytes were not handed over as valid content (a model is never deserialized from them). A corrupt cached copy is
/// deleted; a corrupt stored copy stays for an operator to inspect and repair, for example by putting the original again.
/// </remarks>
public class ContentIntegrityException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="expected">The hash the content is addressed by.</param>
    /// <param name="actual">The hash of the bytes actually read.</param>
    /// <param name="location">Where the bytes were read from (a store key or a cache path).</param>
    public ContentIntegrityException(ContentHash expected, ContentHash actual, string location)
        : base($"Content read from '{location}' is corrupt: it should have SHA-256 {expected} but has {actual}.")
    {
        Expected = expected;
        Actual = actual;
        Location = location;
    }

    /// <summary>Gets the hash the content is addressed by.</summary>
    public ContentHash Expected { get; }

    /// <summary>Gets the hash of the bytes actually read.</summary>
    public ContentHash Actual { get; }

    /// <summary>Gets where the corrupt bytes were read from: a store key or a local cache path.</summary>
    public string Location { get; }
}
