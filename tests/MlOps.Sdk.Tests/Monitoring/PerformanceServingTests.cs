using Microsoft.ML;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tests.Models;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>Live performance end to end: a served predictor logs, its callers send ground truth by the ids they got, monitoring measures.</summary>
public sealed class PerformanceServingTests
{
    [Test]
    public async Task ServedPredictions_WithFeedbackByTheirIds_AreMeasuredAsMLNetMeasuresTheModel()
    {
        var (model, data, _) = TestModels.TrainWeather();
        await using var test = await TestStore.CreateAsync(StoreKind.FileSystem);
        using var sandbox = new DataSandbox();
        var client = sandbox.CreateClient(test.Store);
        await client.Models.RegisterAsync("temp-max", model, data.Schema);
        await client.Models.PromoteAsync("temp-max", "production", 1, "first");
        var options = new PredictorOptions();
        options.PredictionLog.Enabled = true;
        options.PredictionLog.FlushInterval = TimeSpan.FromMilliseconds(50);
        var rows = TestModels.Rows(150);

        List<PredictionResult<TempPrediction>> results;
        await using (var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(client, "temp", "models:/temp-max@production", options))
        {
            results = [.. rows.Select(r => predictor.Predict(r))];
        }

        // Ground truth for the first 100 only: the rest is counted, not measured.
        foreach (var (result, row) in results.Zip(rows).Take(100))
        {
            await client.Monitoring.RecordFeedbackAsync(result.PredictionId!.Value, (double)row.TempMax);
        }

        var report = await client.Monitoring.GetPerformanceAsync("temp-max", new PerformanceQuery { Window = null });

        var ml = new MLContext(seed: 1);
        var expected = ml.Regression.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(rows.Take(100))), labelColumnName: "temp_max");
        var total = report.Totals.Single();
        Assert.That((report.Task, total.Version, total.Arm, total.Predictions, total.WithFeedback), Is.EqualTo((MonitoringTask.Regression, 1, "production", 150L, 100L)));
        Assert.That(total.Metrics["mae"], Is.EqualTo(expected.MeanAbsoluteError).Within(1e-5));
        Assert.That(total.Metrics["rmse"], Is.EqualTo(expected.RootMeanSquaredError).Within(1e-5));
        Assert.That(total.Metrics["r2"], Is.EqualTo(expected.RSquared).Within(1e-6));
    }
}
