namespace MlOps.Sdk.Storage;

/// <summary>
/// Bytes read from the store (or the local cache) do not match their address: they were corrupted or tampered with.
/// </summary>
/// <remarks>
/// The bytes are not handed over as valid content: <see cref="ContentStore.ReadAsync"/> and
/// <see cref="ContentStore.DownloadToFileAsync"/> throw before returning anything, and a stream from
/// <see cref="ContentStore.OpenReadAsync"/> throws on the read that would complete the content. A corrupt cached copy is
/// deleted and fetched again on the next read. A corrupt stored copy stays for an operator to inspect; a put of the
/// original does not replace a stored copy of the right size, so repair it by deleting the object
/// (<c>store.DeleteAsync(ContentStore.GetKey(hash))</c>) and putting the original again.
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
