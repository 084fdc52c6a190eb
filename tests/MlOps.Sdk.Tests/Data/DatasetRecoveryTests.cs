using MlOps.Sdk.Data;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Data;

/// <summary>What a crashed registration leaves behind, and how the next registration of the same content recovers.</summary>
public sealed class DatasetRecoveryTests
{
    private TestStore _test = null!;
    private DataSandbox _sandbox = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(StoreKind.FileSystem);
        _sandbox = new DataSandbox();
        _client = _sandbox.CreateClient(_test.Store, o => o.Datasets.RegistrationTimeout = TimeSpan.FromSeconds(1));
    }

    [TearDown]
    public async Task TearDown()
    {
        _sandbox.Dispose();
        await _test.DisposeAsync();
    }

    [Test]
    public async Task UnfinishedClaim_OlderThanTheTimeout_IsTakenOver()
    {
        var path = _sandbox.Write("data.bin", [1, 2, 3]);
        var identity = await IdentityOfAsync(path);
        await WriteClaimAsync("orphan", identity, version: null, age: TimeSpan.FromMinutes(5));

        var version = await _client.Datasets.RegisterFileAsync("orphan", path);

        Assert.That(version.Version, Is.EqualTo(1));
        Assert.That(version.Created, Is.True);
        Assert.That((await _client.Datasets.RegisterFileAsync("orphan", path)).Version, Is.EqualTo(1), "the claim now names the version");
    }

    [Test]
    public async Task UnfinishedClaim_OfALiveRegistration_IsWaitedFor()
    {
        var path = _sandbox.Write("data.bin", [4, 5, 6]);
        var identity = await IdentityOfAsync(path);
        var started = DateTime.UtcNow; // no later than the claim's time
        await WriteClaimAsync("busy", identity, version: null, age: TimeSpan.Zero);

        var version = await _client.Datasets.RegisterFileAsync("busy", path);

        Assert.That(DateTime.UtcNow - started, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(0.9)), "it waited for the other registration's timeout");
        Assert.That(version.Version, Is.EqualTo(1));
    }

    [Test]
    public async Task CrashAfterTheVersionBeforeTheClaimWasFinished_FindsThatVersionInsteadOfMakingASecond()
    {
        var path = _sandbox.Write("data.bin", [7, 8, 9]);
        var first = await _client.Datasets.RegisterFileAsync("late", path);
        await WriteClaimAsync("late", first.Identity.ToString(), version: null, age: TimeSpan.FromMinutes(5)); // as if the claim was never finished

        var again = await _client.Datasets.RegisterFileAsync("late", path);

        Assert.That(again.Version, Is.EqualTo(1));
        Assert.That(again.Created, Is.False);
        Assert.That(await _client.Datasets.ListVersionsAsync("late").CountAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task StoreFailsWritingTheVersion_NothingIsRegistered_AndTheNextAttemptSucceeds()
    {
        var path = _sandbox.Write("data.bin", DatasetRegistrationTests.RandomBytes(5000, 1));
        var failing = new FaultInjectingObjectStore(_test.Store)
        {
            FailWrite = key => key.Contains("/versions/", StringComparison.Ordinal) ? new ObjectStoreException(key, "disk full") : null,
        };
        var client = _sandbox.CreateClient(failing, o => o.Datasets.RegistrationTimeout = TimeSpan.FromSeconds(1));

        Assert.ThrowsAsync<ObjectStoreException>(() => client.Datasets.RegisterFileAsync("flaky", path));
        Assert.That(await _client.Datasets.ListVersionsAsync("flaky").CountAsync(), Is.EqualTo(0));
        Assert.That(await _test.Store.ListAsync("datasets/flaky/identities/").CountAsync(), Is.EqualTo(0), "the failed registration released its claim");

        // A claim left behind would make this client wait a minute.
        var patient = _sandbox.CreateClient(_test.Store, o => o.Datasets.RegistrationTimeout = TimeSpan.FromMinutes(1));
        var started = DateTime.UtcNow;
        var version = await patient.Datasets.RegisterFileAsync("flaky", path);
        Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(30)), "no waiting for a claim's timeout");
        Assert.That(version.Version, Is.EqualTo(1));
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(await version.MaterializeAsync(), "data.bin")), Is.EqualTo(DatasetRegistrationTests.RandomBytes(5000, 1)));
    }

    private async Task<string> IdentityOfAsync(string path)
    {
        // The identity the SDK will compute: register into a scratch store and read it back.
        var scratch = _sandbox.CreateClient(new InMemoryObjectStore());
        return (await scratch.Datasets.RegisterFileAsync("scratch", path)).Identity.ToString();
    }

    private async Task WriteClaimAsync(string name, string identity, int? version, TimeSpan age)
    {
        var claim = new DatasetClaimRecord { Identity = identity, Version = version, ClaimedBy = "crashed@elsewhere/1", ClaimedAt = DateTimeOffset.UtcNow - age };
        await _test.Store.WriteAsync(DataKeys.Claim(name, identity), RecordStore.Serialize(claim, DataJsonContext.Default.DatasetClaimRecord));
    }
}
