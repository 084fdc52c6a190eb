using System.Diagnostics.Metrics;
using Azure.Storage.Sas;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tests.Models;

namespace MlOps.Sdk.Tests.Serving;

/// <summary>Least privilege on Azurite (a read/list SAS for the models, the logs in a container of their own) and the serving meter.</summary>
public sealed class ServingAzureTests
{
    [Test]
    public async Task ServingWithAReadAndListSas_LoadsAndFollowsModels_AndLogsToItsOwnContainer()
    {
        await using var models = await TestStore.CreateAsync(StoreKind.AzureBlob);
        await using var logs = await TestStore.CreateAsync(StoreKind.AzureBlob);
        using var sandbox = new DataSandbox();
        var admin = sandbox.CreateClient(models.Store);
        var (model, data, _) = TestModels.TrainWeather();
        await admin.Models.RegisterAsync("temp-max", model, data.Schema);
        await admin.Models.RegisterAsync("temp-max", TestModels.TrainWeather(1).Model, data.Schema);
        await admin.Models.PromoteAsync("temp-max", "production", 1, "first");

        var container = ((AzureBlobObjectStore)models.Store).Container;
        var sas = container.GenerateSasUri(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.List, DateTimeOffset.UtcNow.AddHours(1));
        var readOnly = new AzureBlobObjectStore(sas, new AzureBlobObjectStoreOptions { MaxRetries = 0 });
        Assert.ThrowsAsync<ObjectStoreException>(() => readOnly.WriteAsync("models/x.json", BinaryData.FromString("{}")), "the SAS really is read-only");

        var serving = sandbox.CreateClient(readOnly);
        var options = new PredictorOptions { PollInterval = TimeSpan.FromHours(1) };
        options.PredictionLog.Enabled = true;
        options.PredictionLog.Store = logs.Store;
        var row = TestModels.Rows(1)[0];
        await using (var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(serving, "temp", "models:/temp-max@production", options))
        {
            Assert.That(predictor.Predict(row).Version, Is.EqualTo(1));
            await admin.Models.PromoteAsync("temp-max", "production", 2, "second");
            Assert.That(await predictor.ReloadAsync(), Is.True);
            Assert.That(predictor.Predict(row).Version, Is.EqualTo(2));
        }

        Assert.That(await logs.Store.ListAsync("monitoring/predictions/model=temp-max/").CountAsync(), Is.GreaterThan(0));
        Assert.That(await models.Store.ListAsync("monitoring/").CountAsync(), Is.Zero);
    }

    [Test]
    public async Task Meter_CountsPredictionsAndReloads_TaggedByModelVersionAndArm()
    {
        await using var store = await TestStore.CreateAsync(StoreKind.InMemory);
        using var sandbox = new DataSandbox();
        var client = sandbox.CreateClient(store.Store);
        var (model, data, _) = TestModels.TrainWeather();
        await client.Models.RegisterAsync("metered", model, data.Schema);
        await client.Models.PromoteAsync("metered", "production", 1, "first");
        var predictions = new System.Collections.Concurrent.ConcurrentBag<(long Value, Dictionary<string, object?> Tags)>();
        var durations = 0;
        var reloads = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ServingMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var map = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                map[tag.Key] = tag.Value;
            }

            if (instrument.Name == "mlops.predictions" && Equals(map.GetValueOrDefault("model"), "metered"))
            {
                predictions.Add((value, map));
            }
            else if (instrument.Name == "mlops.model.reloads" && Equals(map.GetValueOrDefault("model"), "metered"))
            {
                Interlocked.Increment(ref reloads);
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) =>
        {
            if (instrument.Name == "mlops.prediction.duration")
            {
                Interlocked.Increment(ref durations);
            }
        });
        listener.Start();

        await using (var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(client, "metered", "models:/metered@production"))
        {
            for (var i = 0; i < 25; i++)
            {
                predictor.Predict(TestModels.Rows(1)[0]);
            }
        }

        Assert.That(predictions.Sum(p => p.Value), Is.EqualTo(25));
        Assert.That(predictions.All(p => Equals(p.Tags["version"], 1) && Equals(p.Tags["arm"], "production")), Is.True);
        Assert.That(durations, Is.GreaterThanOrEqualTo(25));
        Assert.That(reloads, Is.EqualTo(1), "the first load");
    }
}
