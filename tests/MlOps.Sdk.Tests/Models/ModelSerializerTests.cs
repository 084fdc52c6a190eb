using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Sdk.Models;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Models;

/// <summary>The same model gives the same bytes, whenever it is saved: ML.NET's own zip stamps entries with the time.</summary>
public sealed class ModelSerializerTests
{
    [Test]
    public async Task Save_TheSameModelSecondsApart_GivesIdenticalBytes_ThatLoadAndPredict()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 60).Select(i => new ModelProcessTests.Point { X = i, Y = (2 * i) + 1 }));
        var model = ml.Transforms.Concatenate("Features", "X")
            .Append(ml.Regression.Trainers.Sdca(new Microsoft.ML.Trainers.SdcaRegressionTrainer.Options { LabelColumnName = "Y", NumberOfThreads = 1 }))
            .Fit(data);
        using var raw1 = new MemoryStream();
        ml.Model.Save(model, data.Schema, raw1);

        var first = Save(ml, model, data.Schema);
        await Task.Delay(TimeSpan.FromSeconds(2.2)); // past the zip format's two-second time resolution
        var second = Save(ml, model, data.Schema);
        using var raw2 = new MemoryStream();
        ml.Model.Save(model, data.Schema, raw2);

        Assert.That(raw2.ToArray(), Is.Not.EqualTo(raw1.ToArray()), "ML.NET alone stamps the time (the reason for this serializer)");
        Assert.That(second, Is.EqualTo(first));
        var loaded = ml.Model.Load(new MemoryStream(first), out _);
        Assert.That(loaded.Transform(data).GetColumn<float>("Score").First(), Is.EqualTo(model.Transform(data).GetColumn<float>("Score").First()));

        var client = TrackingClients.Create(new InMemoryObjectStore());
        var v1 = await client.Models.RegisterAsync("same", model, data.Schema);
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        var v2 = await client.Models.RegisterAsync("same", model, data.Schema);
        Assert.That(v2.Sha256, Is.EqualTo(v1.Sha256), "registering the same model again stores the same content");
    }

    private static byte[] Save(MLContext ml, ITransformer model, DataViewSchema schema)
    {
        using var stream = new MemoryStream();
        ModelSerializer.Save(ml, model, schema, stream);
        return stream.ToArray();
    }
}
