namespace MlOps.Sdk.Storage;

/// <summary>What <see cref="ContentStore"/> knows of some stored content: its hash, its length, and whether a put uploaded it.</summary>
public class ContentInfo
{
    /// <summary>Initializes a new instance; used by the content store and by <see cref="MlOpsModelFactory"/>.</summary>
    /// <param name="hash">The content's SHA-256.</param>
    /// <param name="length">The content's length in bytes.</param>
    /// <param name="uploaded">Whether the put that returned this uploaded the bytes (<see langword="false"/> when they were already stored).</param>
    protected internal ContentInfo(ContentHash hash, long length, bool uploaded)
    {
        Hash = hash;
        Length = length;
        Uploaded = uploaded;
    }

    /// <summary>Gets the content's SHA-256, its address.</summary>
    public ContentHash Hash { get; }

    /// <summary>Gets the content's length in bytes.</summary>
    public long Length { get; }

    /// <summary>Gets a value indicating whether the put uploaded the bytes; <see langword="false"/> when the store already held them.</summary>
    public bool Uploaded { get; }

    /// <inheritdoc />
    public override string ToString() => $"sha256:{Hash} ({Length} bytes)";
}
