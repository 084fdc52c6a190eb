namespace MlOps.Sdk.Storage;

/// <summary>
/// The content being put changed while the content store read it (the file was written to meanwhile): the bytes it
/// would have sent do not match the hash it computed first. Nothing was stored.
/// </summary>
/// <remarks>Put it again once it has stopped changing.</remarks>
public class ContentChangedException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="source">The file or stream that changed.</param>
    /// <param name="first">The hash of the content when it was first read.</param>
    /// <param name="second">The hash of the content as it was being uploaded.</param>
    public ContentChangedException(string source, ContentHash first, ContentHash second)
        : base($"The content of {source} changed while it was being stored (SHA-256 {first} when hashed, {second} when uploaded); nothing was stored. Put it again once it has stopped changing.")
    {
        ContentSource = source;
        First = first;
        Second = second;
    }

    /// <summary>Gets the file or stream that changed.</summary>
    public string ContentSource { get; }

    /// <summary>Gets the hash of the content when it was first read.</summary>
    public ContentHash First { get; }

    /// <summary>Gets the hash of the content as it was being uploaded.</summary>
    public ContentHash Second { get; }
}
