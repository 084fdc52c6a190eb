namespace MlOps.Sdk.Storage;

/// <summary>How <see cref="ObjectStore.UploadAsync(string, Stream, UploadOptions, CancellationToken)"/> and <see cref="ObjectStore.UploadFileAsync(string, string, UploadOptions, CancellationToken)"/> upload.</summary>
public sealed class UploadOptions
{
    /// <summary>Gets or sets what must hold for the upload to take place.</summary>
    /// <value>Default <see cref="WriteCondition.None"/>.</value>
    public WriteCondition Condition { get; set; }

    /// <summary>
    /// Gets or sets the SHA-256 the uploaded bytes must have. When they do not (the source changed since it was hashed),
    /// nothing is stored and the upload throws <see cref="ContentChangedException"/>.
    /// </summary>
    /// <value>Default <see langword="null"/>: not checked.</value>
    public ContentHash? ExpectedSha256 { get; set; }
}
