using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Storage;

/// <summary>What the Azure Blob provider adds to the shared contract, against a real Azurite.</summary>
public sealed class AzureBlobObjectStoreTests
{
    private string _connectionString = null!;
    private string _container = null!;

    [SetUp]
    public async Task SetUp()
    {
        _connectionString = (await AzuriteHost.GetAsync()).ConnectionString;
        _container = "t" + Guid.NewGuid().ToString("N");
    }

    [TearDown]
    public async Task TearDown() => await new BlobContainerClient(_connectionString, _container).DeleteIfExistsAsync();

    [Test]
    public async Task WriteAsync_ContainerMissing_CreatesItOnFirstWrite()
    {
        var store = new AzureBlobObjectStore(_connectionString, _container);
        Assert.That(await store.ReadAsync("x"), Is.Null, "reads of a missing container report missing objects");
        Assert.That(await store.ListAsync(string.Empty).ToListAsync(), Is.Empty);
        Assert.That((await store.Container.ExistsAsync()).Value, Is.False, "reads do not create the container");

        await store.WriteAsync("runs/r1/run.json", BinaryData.FromString("{}"));

        Assert.That((await store.Container.ExistsAsync()).Value, Is.True);
        var blob = await store.Container.GetBlobClient("runs/r1/run.json").DownloadContentAsync();
        Assert.That(blob.Value.Content.ToString(), Is.EqualTo("{}"), "the key is the blob's name");
    }

    [Test]
    public async Task UploadAsync_NonSeekableStreamIntoMissingContainer_UploadsWholeContent()
    {
        var store = new AzureBlobObjectStore(_connectionString, _container);

        var written = await store.UploadAsync("blob.bin", new Testing.TestContentStream(10_000_000, 5));

        var sink = new Testing.HashingSinkStream();
        await store.DownloadToAsync("blob.bin", sink);
        Assert.That(written.Size, Is.EqualTo(10_000_000));
        Assert.That(sink.Sha256Hex(), Is.EqualTo(Testing.TestContentStream.Sha256Hex(10_000_000, 5)));
    }

    [Test]
    public void WriteAsync_ContainerMissingAndCreationOff_ThrowsObjectStoreExceptionNamingIt()
    {
        var store = new AzureBlobObjectStore(_connectionString, _container, new AzureBlobObjectStoreOptions { CreateContainerIfNotExists = false });

        var ex = Assert.ThrowsAsync<ObjectStoreException>(() => store.WriteAsync("x.json", BinaryData.FromString("{}")));

        Assert.That(ex!.Message, Does.Contain("ContainerNotFound").And.Contain(_container));
        Assert.That(ex.InnerException, Is.InstanceOf<RequestFailedException>());
    }

    [Test]
    public async Task Constructor_FromContainerClient_UsesIt()
    {
        var container = new BlobContainerClient(_connectionString, _container);
        await container.CreateAsync();
        await container.GetBlobClient("existing.json").UploadAsync(BinaryData.FromString("made by the Azure SDK"));

        var store = new AzureBlobObjectStore(container);

        Assert.That((await store.ReadAsync("existing.json"))!.Content.ToString(), Is.EqualTo("made by the Azure SDK"));
        Assert.That(store.Container, Is.SameAs(container));
        Assert.That(store.Location.AbsoluteUri, Does.EndWith("/" + _container));
    }

    [Test]
    public async Task Constructor_ReadOnlySas_ReadsAndListsButCannotWrite()
    {
        var owner = new AzureBlobObjectStore(_connectionString, _container);
        await owner.WriteAsync("models/churn/versions/1.json", BinaryData.FromString("v1"));
        var sas = owner.Container.GenerateSasUri(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.List, DateTimeOffset.UtcNow.AddHours(1));

        var reader = new AzureBlobObjectStore(sas);

        Assert.That(reader.Location.Query, Is.Empty, "the SAS token is not shown in the location");
        Assert.That((await reader.ReadAsync("models/churn/versions/1.json"))!.Content.ToString(), Is.EqualTo("v1"));
        Assert.That(await reader.ListAsync("models/").CountAsync(), Is.EqualTo(1));
        var ex = Assert.ThrowsAsync<ObjectStoreException>(() => reader.WriteAsync("models/churn/versions/2.json", BinaryData.FromString("v2"), WriteCondition.IfNotExists));
        Assert.That(ex!.Message, Does.Contain("403"));
        Assert.That(await owner.ReadAsync("models/churn/versions/2.json"), Is.Null);
    }

    [Test]
    public void Constructor_BadConnectionString_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => _ = new AzureBlobObjectStore("not a connection string", "mlops"));
        Assert.Throws<ArgumentException>(() => _ = new AzureBlobObjectStore(_connectionString, " "));
    }

    [Test]
    public void Constructor_OptionsOutOfRange_ThrowsNamingEachOne()
    {
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => _ = new AzureBlobObjectStore(
            _connectionString,
            _container,
            new AzureBlobObjectStoreOptions { MaxTransferConcurrency = 0, TransferChunkSize = 10, MaxRetries = -1 }));

        Assert.That(ex!.Failures, Has.Some.Contains("MaxTransferConcurrency"));
        Assert.That(ex.Failures, Has.Some.Contains("TransferChunkSize"));
        Assert.That(ex.Failures, Has.Some.Contains("MaxRetries"));
    }

    [Test]
    public void RetryOptions_AreAppliedToAzureCoreTransportRetries()
    {
        // Nothing listens on this port: every attempt fails in transport and is retried by Azure.Core.
        var port = FreePort();
        var attempts = new CountingPolicy();
        var clientOptions = new BlobClientOptions();
        clientOptions.AddPolicy(attempts, HttpPipelinePosition.PerRetry);
        var store = new AzureBlobObjectStore(
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Testing.AzuriteServer.AccountKey};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;",
            "mlops",
            new AzureBlobObjectStoreOptions { MaxRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(5), ClientOptions = clientOptions });

        var ex = Assert.ThrowsAsync<ObjectStoreException>(() => store.GetPropertiesAsync("x"));

        Assert.That(attempts.Count, Is.EqualTo(3), "one attempt and MaxRetries = 2 retries");
        Assert.That(ex!.Message, Does.Contain("could not be reached").And.Contain("'x'"));
    }

    [Test]
    public async Task UploadAsync_NonSeekableStreamAfterTheContainerWasDeleted_FailsAndStoresNothing()
    {
        // Regression: a store that had seen its container sent what was left of a non-rewindable stream after the
        // first attempt consumed it and found the container gone, storing an empty blob and reporting success.
        var store = new AzureBlobObjectStore(_connectionString, _container);
        await store.WriteAsync("first.json", BinaryData.FromString("{}"));
        await store.Container.DeleteAsync();
        await WaitUntilDeletedAsync(store.Container);

        var ex = Assert.ThrowsAsync<ObjectStoreException>(() => store.UploadAsync("model.zip", new Testing.TestContentStream(100_000, 9), WriteCondition.IfNotExists));

        Assert.That(ex!.Message, Does.Contain("cannot be rewound").And.Contain("model.zip"));
        Assert.That(await store.GetPropertiesAsync("model.zip"), Is.Null, "nothing was stored");
        var again = await store.UploadAsync("model.zip", new Testing.TestContentStream(100_000, 9), WriteCondition.IfNotExists);
        Assert.That(again.Size, Is.EqualTo(100_000), "the container was re-created, so a second upload succeeds");
    }

    [TestCase(409, "ContainerBeingDeleted")]
    [TestCase(412, "LeaseLost")]
    public async Task WriteAsync_ServiceRefusesForAnotherReason_IsAStoreFailureNotAConditionFailure(int status, string errorCode)
    {
        // Regression: every 409 counted as "already exists" (so a put of content reported success with nothing stored)
        // and every 412 as a lost compare-and-swap (retried in vain).
        var fault = new FaultInjectionTransport(m => m.Request.Method == RequestMethod.Put && m.Request.Uri.Path.EndsWith("/record.json", StringComparison.Ordinal), status, errorCode);
        var clientOptions = new BlobClientOptions { Transport = fault };
        var store = new AzureBlobObjectStore(_connectionString, _container, new AzureBlobObjectStoreOptions { ClientOptions = clientOptions });
        await store.WriteAsync("other.json", BinaryData.FromString("creates the container"));

        var ifNotExists = Assert.ThrowsAsync<ObjectStoreException>(() => store.WriteAsync("record.json", BinaryData.FromString("x"), WriteCondition.IfNotExists));
        var ifMatch = Assert.ThrowsAsync<ObjectStoreException>(() => store.WriteAsync("record.json", BinaryData.FromString("x"), WriteCondition.IfMatch(new ETag("\"0x1\""))));

        Assert.That(ifNotExists!.Message, Does.Contain(errorCode));
        Assert.That(ifMatch!.Message, Does.Contain(errorCode));
        Assert.That(fault.Injected, Is.EqualTo(2));
    }

    [Test]
    public async Task WriteAsync_ServiceReportsTheConditions_AreConditionFailures()
    {
        var store = new AzureBlobObjectStore(_connectionString, _container);
        var written = await store.WriteAsync("record.json", BinaryData.FromString("v1"));
        await store.WriteAsync("record.json", BinaryData.FromString("v2"));

        var exists = Assert.ThrowsAsync<PreconditionFailedException>(() => store.WriteAsync("record.json", BinaryData.FromString("x"), WriteCondition.IfNotExists));
        var stale = Assert.ThrowsAsync<PreconditionFailedException>(() => store.WriteAsync("record.json", BinaryData.FromString("x"), WriteCondition.IfMatch(written.ETag)));

        Assert.That(((RequestFailedException)exists!.InnerException!).ErrorCode, Is.EqualTo("BlobAlreadyExists"));
        Assert.That(((RequestFailedException)stale!.InnerException!).ErrorCode, Is.EqualTo("ConditionNotMet"));
    }

    [Test]
    public async Task OpenReadAsync_ObjectReplacedWhileReading_ThrowsObjectStoreException()
    {
        // Regression: the stream handed out threw the Azure SDK's RequestFailedException, outside the store contract.
        var store = new AzureBlobObjectStore(_connectionString, _container, new AzureBlobObjectStoreOptions { TransferChunkSize = 1 << 20 });
        await store.UploadAsync("blob.bin", new Testing.TestContentStream(5 << 20, 1));
        await using var stream = await store.OpenReadAsync("blob.bin");
        var buffer = new byte[1 << 20];
        await stream.ReadExactlyAsync(buffer);

        await store.UploadAsync("blob.bin", new Testing.TestContentStream(5 << 20, 2));
        var ex = Assert.ThrowsAsync<ObjectStoreException>(async () => await stream.CopyToAsync(Stream.Null));

        Assert.That(ex!.Message, Does.Contain("replaced while it was being read"));
        Assert.That(ex.Key, Is.EqualTo("blob.bin"));
    }

    private static async Task WaitUntilDeletedAsync(BlobContainerClient container)
    {
        for (var i = 0; i < 100 && (await container.ExistsAsync()).Value; i++)
        {
            await Task.Delay(50);
        }
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        private int _count;

        public int Count => _count;

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _count);
    }
}
