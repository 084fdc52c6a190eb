namespace MlOps.Sdk.Storage;

/// <summary>The kinds of store an <see cref="MlOpsClient"/> can be configured with.</summary>
public enum ObjectStoreProvider
{
    /// <summary>A local folder: <see cref="FileSystemObjectStore"/>, the default.</summary>
    FileSystem = 0,

    /// <summary>An Azure Blob Storage container: <see cref="AzureBlobObjectStore"/>.</summary>
    AzureBlob = 1,

    /// <summary>This process's memory: <see cref="InMemoryObjectStore"/>, lost when the process ends.</summary>
    InMemory = 2,
}
