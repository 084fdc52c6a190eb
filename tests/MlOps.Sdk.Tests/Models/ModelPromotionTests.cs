using Microsoft.ML;
using MlOps.Sdk.Models;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Models;

/// <summary>Promotion between environments: acceptance on the file system, production on Azurite.</summary>
public sealed class ModelPromotionTests
{
    private TestStore _acceptanceStore = null!;
    private TestStore _productionStore = null!;
    private DataSandbox _sandbox = null!;
    private MlOpsClient _acceptance = null!;
    private MlOpsClient _production = null!;

    [SetUp]
    public async Task SetUp()
    {
        _acceptanceStore = await TestStore.CreateAsync(StoreKind.FileSystem);
        _productionStore = await TestStore.CreateAsync(StoreKind.AzureBlob);
        _sandbox = new DataSandbox();
        _acceptance = _sandbox.CreateClient(_acceptanceStore.Store, o => o.Environment = "acceptance");
        _production = _sandbox.CreateClient(_productionStore.Store, o => o.Environment = "production");
    }

    [TearDown]
    public async Task TearDown()
    {
        _sandbox.Dispose();
        await _acceptanceStore.DisposeAsync();
        await _productionStore.DisposeAsync();
    }

    [Test]
    public async Task PromoteToAsync_CopiesContentRecordAndLineage_RecordsTheOrigin_AndLeavesTheSourceAlone()
    {
        var (model, data, mlContext) = TestModels.TrainWeather();
        ModelVersion source;
        await using (var run = await _acceptance.Runs.StartAsync("temperature"))
        {
            run.LogParameter("iterations", 5);
            await _acceptance.Models.RegisterAsync("temp-max", model, data.Schema);
            source = await run.LogModelAsync(_acceptance, "temp-max", model, data.Schema);
        }

        var keysBefore = await _acceptanceStore.Store.ListAsync(string.Empty).Select(o => (o.Key, o.ETag)).ToListAsync();

        var promoted = await _acceptance.Models.PromoteToAsync(source.Ref, _production.Models, "passed acceptance tests", "production");

        var read = await _production.Models.GetAsync("models:/temp-max@production");
        Assert.That(promoted.Version, Is.EqualTo(1), "the first version in production");
        Assert.That(read.Version, Is.EqualTo(1));
        Assert.That(read.Sha256, Is.EqualTo(source.Sha256));
        Assert.That(read.SourceRunId, Is.EqualTo(source.SourceRunId));
        Assert.That(read.Parameters, Is.EquivalentTo(source.Parameters));
        Assert.That(read.InputSchema, Is.EqualTo(source.InputSchema));
        Assert.That(read.Environment, Is.EqualTo("production"));
        Assert.That(read.Origin, Is.Not.Null);
        Assert.That((read.Origin!.Name, read.Origin.Version, read.Origin.Environment, read.Origin.Reason), Is.EqualTo(("temp-max", 2, "acceptance", "passed acceptance tests")));
        Assert.That(read.Origin.Store, Is.EqualTo(_acceptanceStore.Store.Location.ToString()));
        Assert.That((await _production.Models.GetAliasHistoryAsync("temp-max", "production")).Single().Reason, Is.EqualTo("passed acceptance tests"));
        Assert.That(await _acceptanceStore.Store.ListAsync(string.Empty).Select(o => (o.Key, o.ETag)).ToListAsync(), Is.EqualTo(keysBefore), "the source store is untouched");

        var again = await _acceptance.Models.PromoteToAsync(source.Ref, _production.Models, "retried after a timeout", "production");
        Assert.That(again.Version, Is.EqualTo(1), "a retry finds the copy made before");
        Assert.That(await _production.Models.ListVersionsAsync("temp-max").CountAsync(), Is.EqualTo(1));

        using var predictor = await _production.Models.LoadPredictorAsync<WeatherInput, TempPrediction>("models:/temp-max@production");
        using var raw = mlContext.Model.CreatePredictionEngine<WeatherInput, TempPrediction>(model);
        var row = TestModels.Rows(3)[2];
        Assert.That(predictor.Predict(row).Score, Is.EqualTo(raw.Predict(row).Score));
    }

    [Test]
    public void PromoteToAsync_BadInput_IsRefused()
    {
        Assert.ThrowsAsync<ArgumentException>(() => _acceptance.Models.PromoteToAsync(ModelRef.ForVersion("temp-max", 1), _acceptance.Models, "same store"));
        Assert.ThrowsAsync<ArgumentException>(() => _acceptance.Models.PromoteToAsync(ModelRef.ForVersion("temp-max", 1), _production.Models, ""));
        Assert.ThrowsAsync<ModelNotFoundException>(() => _acceptance.Models.PromoteToAsync(ModelRef.ForVersion("temp-max", 1), _production.Models, "nothing there"));
    }
}
