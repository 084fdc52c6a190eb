using Microsoft.Extensions.Options;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests;

public sealed class MlOpsClientTests
{
    [Test]
    public void CreateDefault_UsesTheMlopsFolderInTheWorkingDirectory()
    {
        var previous = Environment.CurrentDirectory;
        var folder = Directory.CreateTempSubdirectory("mlops-cwd-").FullName;
        try
        {
            Environment.CurrentDirectory = folder;

            var client = MlOpsClient.CreateDefault();

            Assert.That(client.Store, Is.InstanceOf<FileSystemObjectStore>());
            Assert.That(((FileSystemObjectStore)client.Store).RootPath, Is.EqualTo(Path.Combine(folder, ".mlops")));
            Assert.That(client.Environment, Is.EqualTo("development"));
            Assert.That(client.Content.Store, Is.SameAs(client.Store));
            Assert.That(client.Content.CachePath, Is.Null, "a local store needs no cache");
        }
        finally
        {
            Environment.CurrentDirectory = previous;
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task Constructor_AzureOptions_WorksOnTheContainer()
    {
        var azurite = await AzuriteHost.GetAsync();
        var options = new MlOpsOptions { Environment = "test" };
        options.Store.Provider = ObjectStoreProvider.AzureBlob;
        options.Store.ConnectionString = azurite.ConnectionString;
        options.Store.ContainerName = "client-" + Guid.NewGuid().ToString("N")[..12];
        options.ContentCache.Path = Directory.CreateTempSubdirectory("mlops-cache-").FullName;

        var client = new MlOpsClient(options);
        var info = await client.Content.PutAsync(BinaryData.FromString("through the client"));

        Assert.That(client.Store, Is.InstanceOf<AzureBlobObjectStore>());
        Assert.That(client.Environment, Is.EqualTo("test"));
        Assert.That((await client.Content.ReadAsync(info.Hash)).ToString(), Is.EqualTo("through the client"));
        Assert.That(client.Content.CachePath, Is.EqualTo(options.ContentCache.Path), "a remote store is cached");
        await ((AzureBlobObjectStore)client.Store).Container.DeleteAsync();
        Directory.Delete(options.ContentCache.Path, recursive: true);
    }

    [Test]
    public async Task Constructor_ServiceUriWithAccountSas_WorksOnTheNamedContainer()
    {
        var azurite = await AzuriteHost.GetAsync();
        var service = new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString);
        var sas = service.GenerateAccountSasUri(
            Azure.Storage.Sas.AccountSasPermissions.All,
            DateTimeOffset.UtcNow.AddHours(1),
            Azure.Storage.Sas.AccountSasResourceTypes.All);
        var options = new MlOpsOptions();
        options.Store.Provider = ObjectStoreProvider.AzureBlob;
        options.Store.ServiceUri = sas;
        options.Store.ContainerName = "svc-" + Guid.NewGuid().ToString("N")[..12];
        options.ContentCache.Enabled = false;

        var client = new MlOpsClient(options);
        await client.Store.WriteAsync("hello.json", BinaryData.FromString("{}"));

        Assert.That(client.Store.Location.AbsolutePath, Does.EndWith("/" + options.Store.ContainerName));
        Assert.That((await service.GetBlobContainerClient(options.Store.ContainerName).GetBlobClient("hello.json").ExistsAsync()).Value, Is.True);
        await service.DeleteBlobContainerAsync(options.Store.ContainerName);
    }

    [Test]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var options = new MlOpsOptions { Environment = "prod env!" };
        options.Store.Provider = ObjectStoreProvider.AzureBlob;
        options.Store.ContainerName = "Bad_Name";
        options.ContentCache.MaxSizeBytes = 10;

        var ex = Assert.Throws<OptionsValidationException>(() => _ = new MlOpsClient(options));

        Assert.That(ex!.Failures, Has.Some.Contains("MlOpsOptions.Environment"));
        Assert.That(ex.Failures, Has.Some.Contains("MlOpsOptions.Store.ContainerName"));
        Assert.That(ex.Failures, Has.Some.Contains("ConnectionString").And.Some.Contains("ContainerUri").And.Some.Contains("ServiceUri"));
        Assert.That(ex.Failures, Has.Some.Contains("MlOpsOptions.ContentCache.MaxSizeBytes"));
    }

    [Test]
    public void Constructor_ContainerUriWithoutSasOrCredential_FailsNamingTheWayOut()
    {
        // Regression: it silently connected anonymously, which fails later with a confusing 403 or 404.
        var options = new MlOpsOptions();
        options.Store.Provider = ObjectStoreProvider.AzureBlob;
        options.Store.ContainerUri = new Uri("https://acme.blob.core.windows.net/mlops");

        var ex = Assert.Throws<InvalidOperationException>(() => _ = new MlOpsClient(options));

        Assert.That(ex!.Message, Does.Contain("TokenCredential").And.Contain("SAS"));
    }

    [Test]
    public void Constructor_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => _ = new MlOpsClient((MlOpsOptions)null!));
        Assert.Throws<ArgumentNullException>(() => _ = new MlOpsClient((ObjectStore)null!));
    }

    [Test]
    public void Constructor_InMemoryProvider_NeedsNoPath()
    {
        var options = new MlOpsOptions();
        options.Store.Provider = ObjectStoreProvider.InMemory;

        Assert.That(new MlOpsClient(options).Store, Is.InstanceOf<InMemoryObjectStore>());
    }
}
