using Azure;

namespace MlOps.Sdk.Storage;

/// <summary>An object read whole from an <see cref="ObjectStore"/>: its content and the properties of that version.</summary>
public class StoredObject
{
    /// <summary>Initializes a new instance; used by providers and by <see cref="MlOpsModelFactory"/>.</summary>
    /// <param name="properties">The properties of the version read.</param>
    /// <param name="content">The content of the version read.</param>
    protected internal StoredObject(ObjectProperties properties, BinaryData content)
    {
        Properties = properties;
        Content = content;
    }

    /// <summary>Gets the properties of the version that was read.</summary>
    public ObjectProperties Properties { get; }

    /// <summary>Gets the content of the version that was read.</summary>
    public BinaryData Content { get; }

    /// <summary>Gets the ETag of the version that was read; pass it to <see cref="WriteCondition.IfMatch(ETag)"/> to replace exactly this version.</summary>
    public ETag ETag => Properties.ETag;
}
