using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Testing;

/// <summary>The store providers the shared contract tests run against; a new provider gets a value here.</summary>
public enum StoreKind
{
    /// <summary><see cref="FileSystemObjectStore"/>.</summary>
    FileSystem,

    /// <summary><see cref="AzureBlobObjectStore"/> against Azurite.</summary>
    AzureBlob,

    /// <summary><see cref="InMemoryObjectStore"/>.</summary>
    InMemory,
}

/// <summary>Opens stores from the arguments a test passes to a worker process.</summary>
public static class TestStores
{
    /// <summary>The provider class each <see cref="StoreKind"/> tests.</summary>
    public static readonly IReadOnlyDictionary<StoreKind, Type> ProviderTypes = new Dictionary<StoreKind, Type>
    {
        [StoreKind.FileSystem] = typeof(FileSystemObjectStore),
        [StoreKind.AzureBlob] = typeof(AzureBlobObjectStore),
        [StoreKind.InMemory] = typeof(InMemoryObjectStore),
    };

    /// <summary>Opens a shared store: a file-system folder, or an Azure container given as <c>connection-string|container</c>.</summary>
    /// <param name="kind">The provider.</param>
    /// <param name="target">The folder, or the connection string and container separated by '|'.</param>
    /// <returns>The store.</returns>
    public static ObjectStore Open(StoreKind kind, string target) => kind switch
    {
        StoreKind.FileSystem => new FileSystemObjectStore(target),
        StoreKind.AzureBlob => new AzureBlobObjectStore(target[..target.LastIndexOf('|')], target[(target.LastIndexOf('|') + 1)..]),
        _ => throw new ArgumentException($"A {kind} store cannot be shared between processes.", nameof(kind)),
    };
}
