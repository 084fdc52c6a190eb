using MlOps.Sdk.Maintenance;
using MlOps.Sdk.Models;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tests.Models;

namespace MlOps.Sdk.Tests.Maintenance;

/// <summary>Garbage collection of unreferenced content, on every provider.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class GarbageCollectionTests(StoreKind kind)
{
    private TestStore _test = null!;
    private DataSandbox _sandbox = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _sandbox = new DataSandbox();
        _client = _sandbox.CreateClient(_test.Store);
    }

    [TearDown]
    public async Task TearDown()
    {
        _sandbox.Dispose();
        await _test.DisposeAsync();
    }

    [Test]
    public async Task CollectGarbageAsync_DeletesOnlyUnreferencedContentOlderThanTheGracePeriod()
    {
        var (model1, data, _) = TestModels.TrainWeather(iterations: 2);
        var (model2, _, _) = TestModels.TrainWeather(iterations: 9);
        var v1 = await _client.Models.RegisterAsync("temp-max", model1, data.Schema);
        var v2 = await _client.Models.RegisterAsync("temp-max", model2, data.Schema);
        Assert.That(v1.Sha256, Is.Not.EqualTo(v2.Sha256), "two different saved models");
        for (var i = 0; i < 30; i++)
        {
            _sandbox.Write($"part-{i:D2}.bin", Data.DatasetRegistrationTests.RandomBytes(5000, i));
        }

        _sandbox.Write("large.bin", Data.DatasetRegistrationTests.RandomBytes(2_000_000, 99));
        var dataset = await _client.Datasets.RegisterDirectoryAsync("parts", _sandbox.Source);
        string runId;
        await using (var run = await _client.Runs.StartAsync("gc"))
        {
            runId = run.Id;
            await run.LogArtifactAsync("notes.txt", new MemoryStream("kept"u8.ToArray()));
        }

        var orphan = await _client.Content.PutAsync(BinaryData.FromString("nobody refers to me"));
        await _client.Models.DeleteVersionAsync("temp-max", 1);

        var young = await _client.CollectGarbageAsync();
        Assert.That(young.Deleted, Is.Zero, "with the default grace period, fresh content is in-flight content");
        Assert.That(young.KeptYoung, Is.EqualTo(2), "the orphan and the deleted version's model");

        await Task.Delay(kind == StoreKind.AzureBlob ? 1100 : 50); // Azure's times have whole seconds
        var dry = await _client.CollectGarbageAsync(new GarbageCollectionOptions { GracePeriod = TimeSpan.Zero, DryRun = true });
        Assert.That((dry.Deleted, dry.DryRun), Is.EqualTo((2, true)));
        Assert.That(await _client.Content.ExistsAsync(orphan.Hash), Is.True, "a dry run deletes nothing");

        var result = await _client.CollectGarbageAsync(new GarbageCollectionOptions { GracePeriod = TimeSpan.Zero });

        Assert.That(result.Deleted, Is.EqualTo(2));
        Assert.That(result.DeletedBytes, Is.EqualTo(orphan.Length + v1.Size));
        Assert.That(await _client.Content.ExistsAsync(orphan.Hash), Is.False);
        Assert.That(await _client.Content.ExistsAsync(v1.Sha256), Is.False);
        Assert.That(await _client.Content.ExistsAsync(v2.Sha256), Is.True);
        using (var predictor = await _client.Models.LoadPredictorAsync<WeatherInput, TempPrediction>("models:/temp-max/2"))
        {
            Assert.That(predictor.Predict(TestModels.Rows(1)[0]).Score, Is.Not.NaN, "the kept model still loads");
        }

        var materialized = await dataset.MaterializeAsync(Path.Combine(_sandbox.Root, "out"));
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(materialized, "part-07.bin")), Is.EqualTo(Data.DatasetRegistrationTests.RandomBytes(5000, 7)), "packs are kept");
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(materialized, "large.bin")), Is.EqualTo(Data.DatasetRegistrationTests.RandomBytes(2_000_000, 99)));
        var artifact = (await _client.Runs.GetAsync(runId)).Artifacts.Single();
        Assert.That(await _client.Content.ExistsAsync(artifact.Sha256), Is.True, "run artifacts are kept");
    }

    [Test]
    public async Task CollectGarbageAsync_UnreadableRecord_StopsBeforeDeletingAnything()
    {
        var orphan = await _client.Content.PutAsync(BinaryData.FromString("orphan"));
        await _test.Store.WriteAsync("models/broken/versions/1.json", BinaryData.FromString("{ not json"));

        Assert.ThrowsAsync<RecordFormatException>(() => _client.CollectGarbageAsync(new GarbageCollectionOptions { GracePeriod = TimeSpan.Zero }));

        Assert.That(await _client.Content.ExistsAsync(orphan.Hash), Is.True);
    }

    [Test]
    public void CollectGarbageAsync_NegativeGracePeriod_IsRefused()
    {
        var ex = Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => _client.CollectGarbageAsync(new GarbageCollectionOptions { GracePeriod = TimeSpan.FromSeconds(-1) }));
        Assert.That(ex!.Message, Does.Contain("GracePeriod"));
    }
}
