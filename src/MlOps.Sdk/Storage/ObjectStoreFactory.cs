using Azure.Core;
using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Storage;

/// <summary>Creates the store that <see cref="MlOpsStoreOptions"/> describe.</summary>
internal static class ObjectStoreFactory
{
    public static ObjectStore Create(MlOpsStoreOptions options, TokenCredential? credential, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        if (options.Provider == ObjectStoreProvider.AzureBlob && options.ServiceUri is { } serviceUri)
        {
            options = Copy(options, AzureBlobObjectStore.ContainerUri(serviceUri, options.ContainerName));
        }

        return options.Provider switch
        {
            ObjectStoreProvider.FileSystem => new FileSystemObjectStore(options.Path, options.FileSystem, loggerFactory, timeProvider),
            ObjectStoreProvider.InMemory => new InMemoryObjectStore(timeProvider: timeProvider),
            ObjectStoreProvider.AzureBlob when !string.IsNullOrWhiteSpace(options.ConnectionString)
                => new AzureBlobObjectStore(options.ConnectionString, options.ContainerName, options.AzureBlob, loggerFactory),
            ObjectStoreProvider.AzureBlob when options.ContainerUri is { } uri && credential is not null && !HasSasToken(uri)
                => new AzureBlobObjectStore(uri, credential, options.AzureBlob, loggerFactory),
            ObjectStoreProvider.AzureBlob when options.ContainerUri is { } uri && HasSasToken(uri)
                => new AzureBlobObjectStore(uri, options.AzureBlob, loggerFactory),
            ObjectStoreProvider.AzureBlob when options.ContainerUri is { } uri
                => throw new InvalidOperationException(
                    $"The Azure container '{uri}' (MlOps:Store:ContainerUri or ServiceUri) carries no SAS token and no Azure.Core.TokenCredential is available. Register one " +
                    "in dependency injection (for example DefaultAzureCredential), add a SAS token to the URI, or create an " +
                    "AzureBlobObjectStore with a credential and pass it to the MlOpsClient constructor."),
            _ => throw new ArgumentException($"The store options do not describe a store (provider '{options.Provider}').", nameof(options)),
        };
    }

    private static MlOpsStoreOptions Copy(MlOpsStoreOptions options, Uri containerUri) => new()
    {
        Provider = options.Provider,
        ContainerUri = containerUri,
        ContainerName = options.ContainerName,
        AzureBlob = options.AzureBlob,
        FileSystem = options.FileSystem,
        Path = options.Path,
    };

    private static bool HasSasToken(Uri uri)
        => uri.Query.Contains("sig=", StringComparison.OrdinalIgnoreCase);
}
