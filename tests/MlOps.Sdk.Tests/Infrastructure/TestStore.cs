using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests.Infrastructure;

/// <summary>A fresh, empty store of one provider for one test, removed afterwards.</summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly Func<Task> _cleanup;

    private TestStore(StoreKind kind, ObjectStore store, string? target, Func<Task> cleanup)
    {
        Kind = kind;
        Store = store;
        Target = target;
        _cleanup = cleanup;
    }

    /// <summary>Gets the provider.</summary>
    public StoreKind Kind { get; }

    /// <summary>Gets the store.</summary>
    public ObjectStore Store { get; }

    /// <summary>Gets what a worker process opens the same store with (<see cref="TestStores.Open"/>), or <see langword="null"/> for memory.</summary>
    public string? Target { get; }

    /// <summary>Creates an empty store.</summary>
    /// <param name="kind">The provider.</param>
    /// <param name="azureOptions">Options for an Azure store.</param>
    /// <returns>The store.</returns>
    public static async Task<TestStore> CreateAsync(StoreKind kind, AzureBlobObjectStoreOptions? azureOptions = null)
    {
        switch (kind)
        {
            case StoreKind.FileSystem:
                var folder = Directory.CreateTempSubdirectory("mlops-test-").FullName;
                return new TestStore(kind, new FileSystemObjectStore(folder), folder, () =>
                {
                    Directory.Delete(folder, recursive: true);
                    return Task.CompletedTask;
                });

            case StoreKind.AzureBlob:
                var azurite = await AzuriteHost.GetAsync();
                var container = "t" + Guid.NewGuid().ToString("N");
                var store = new AzureBlobObjectStore(azurite.ConnectionString, container, azureOptions);
                return new TestStore(kind, store, $"{azurite.ConnectionString}|{container}", async () => await store.Container.DeleteIfExistsAsync());

            case StoreKind.InMemory:
                return new TestStore(kind, new InMemoryObjectStore(), null, () => Task.CompletedTask);

            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _cleanup();
}

/// <summary>The fixture arguments of suites every provider must pass: all values of <see cref="StoreKind"/>, none left out.</summary>
public static class StoreKinds
{
    /// <summary>Gets every provider.</summary>
    public static IEnumerable<TestFixtureData> All => Enum.GetValues<StoreKind>().Select(k => new TestFixtureData(k));

    /// <summary>Gets the providers several processes can share.</summary>
    public static IEnumerable<TestFixtureData> Shared => [new TestFixtureData(StoreKind.FileSystem), new TestFixtureData(StoreKind.AzureBlob)];
}
