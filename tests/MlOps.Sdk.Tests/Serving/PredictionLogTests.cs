using Microsoft.ML;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tests.Models;
using Parquet.Serialization;

namespace MlOps.Sdk.Tests.Serving;

/// <summary>Prediction logging: Parquet files partitioned by model and date, sampling, overload, a separate store.</summary>
public sealed class PredictionLogTests
{
    private static (ITransformer Model, IDataView Data) _trained;
    private TestStore _test = null!;
    private DataSandbox _sandbox = null!;
    private MlOpsClient _client = null!;

    [OneTimeSetUp]
    public static void Train()
    {
        var (model, data, _) = TestModels.TrainWeather();
        _trained = (model, data);
    }

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(StoreKind.FileSystem);
        _sandbox = new DataSandbox();
        _client = _sandbox.CreateClient(_test.Store);
        await _client.Models.RegisterAsync("temp-max", _trained.Model, _trained.Data.Schema);
        await _client.Models.PromoteAsync("temp-max", "production", 1, "first");
    }

    [TearDown]
    public async Task TearDown()
    {
        _sandbox.Dispose();
        await _test.DisposeAsync();
    }

    [Test]
    public async Task Logging_WritesEveryPredictionAsParquet_PartitionedByModelAndDate()
    {
        var options = new PredictorOptions();
        options.PredictionLog.Enabled = true;
        options.PredictionLog.MaxRowsPerFile = 400;
        var rows = TestModels.Rows(1000);
        List<PredictionResult<TempPrediction>> results;
        var dayBefore = DateTime.UtcNow;
        await using (var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "temp", "models:/temp-max@production", options))
        {
            results = rows.Select((r, i) => predictor.Predict(r, $"user-{i % 7}")).ToList();
        }

        var logged = await ReadLogAsync(_test.Store);
        var keys = await _test.Store.ListAsync("monitoring/predictions/").Select(o => o.Key).ToListAsync();

        var days = $"({dayBefore:yyyy-MM-dd}|{DateTime.UtcNow:yyyy-MM-dd})"; // a run across midnight UTC writes both
        Assert.That(keys, Has.All.Match($@"^monitoring/predictions/model=temp-max/date={days}/\d{{8}}T\d{{9}}-[0-9a-f]{{32}}\.parquet$"));
        Assert.That(keys, Has.Count.GreaterThanOrEqualTo(3), "at most 400 rows per file");
        Assert.That(logged.Select(r => r.Id), Is.EquivalentTo(results.Select(r => r.PredictionId!.Value.ToString("N"))), "every prediction, by the id its caller got");
        var first = logged.Single(r => r.Id == results[0].PredictionId!.Value.ToString("N"));
        Assert.That((first.Model, first.Version, first.Arm, first.RoutingKey), Is.EqualTo(("temp-max", 1, "production", "user-0")));
        Assert.That(first.Input, Does.Contain("\"TempMin\":5"));
        Assert.That(first.Output, Does.Contain($"\"Score\":{results[0].Value.Score.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
        Assert.That(first.LatencyMs, Is.GreaterThan(0));
    }

    [Test]
    public async Task Logging_Sampled_LogsAboutThatShare()
    {
        var options = new PredictorOptions();
        options.PredictionLog.Enabled = true;
        options.PredictionLog.SamplingRate = 0.1;
        var row = TestModels.Rows(1)[0];
        int withId;
        await using (var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "temp", "models:/temp-max@production", options))
        {
            withId = Enumerable.Range(0, 5000).Count(_ => predictor.Predict(row).PredictionId is not null);
        }

        Assert.That(withId / 5000.0, Is.EqualTo(0.1).Within(0.017), "within 4 standard deviations");
        Assert.That(await ReadLogAsync(_test.Store), Has.Count.EqualTo(withId));
    }

    [Test]
    public async Task Logging_Overloaded_DropsAndCountsInsteadOfBlocking()
    {
        var slow = new FaultInjectingObjectStore(_test.Store) { WriteDelay = TimeSpan.FromMilliseconds(300) };
        var options = new PredictorOptions();
        options.PredictionLog.Enabled = true;
        options.PredictionLog.QueueCapacity = 50;
        options.PredictionLog.MaxRowsPerFile = 10;
        options.PredictionLog.Store = slow;
        var row = TestModels.Rows(1)[0];
        long dropped;
        int returnedIds;
        await using (var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "temp", "models:/temp-max@production", options))
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            returnedIds = Enumerable.Range(0, 5000).Count(_ => predictor.Predict(row).PredictionId is not null);
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3)), "5,000 predictions do not wait for a store that takes 300 ms a file");
            dropped = predictor.LogDropped;
        }

        Assert.That(dropped, Is.GreaterThan(4000), "most copies were dropped");
        Assert.That(returnedIds + dropped, Is.EqualTo(5000), "every prediction is either logged (and has an id) or counted as dropped");
        Assert.That(await ReadLogAsync(_test.Store), Has.Count.EqualTo(returnedIds), "what was queued is written when the predictor stops");
    }

    [Test]
    public async Task ReadOnlyModelStore_ServesAndLogsToASeparateStore()
    {
        var readOnly = new FaultInjectingObjectStore(_test.Store) { FailWrite = key => new ObjectStoreException(key, "403: this SAS allows read and list only") };
        var serving = _sandbox.CreateClient(readOnly);
        var logs = new InMemoryObjectStore();
        var options = new PredictorOptions();
        options.PredictionLog.Enabled = true;
        options.PredictionLog.Store = logs;
        var rows = TestModels.Rows(100);
        await using (var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(serving, "temp", "models:/temp-max@production", options))
        {
            foreach (var row in rows)
            {
                predictor.Predict(row);
            }
        }

        Assert.That(await ReadLogAsync(logs), Has.Count.EqualTo(100));
        Assert.That(await _test.Store.ListAsync("monitoring/").CountAsync(), Is.Zero, "nothing written to the models' store");
    }

    [Test]
    public async Task Logging_RowsWithNaNAndPublicFields_AreWrittenNotLost()
    {
        var options = new PredictorOptions();
        options.PredictionLog.Enabled = true;
        await using (var predictor = await ServedPredictor.StartAsync<FieldInput, TempPrediction>(_client, "temp", "models:/temp-max@production", options))
        {
            predictor.Predict(new FieldInput { Precipitation = float.NaN, TempMin = 4, Wind = 2 });
            predictor.Predict(new FieldInput { Precipitation = 1, TempMin = 4, Wind = 2 });
            Assert.That(predictor.LogFailed, Is.Zero);
        }

        var logged = await ReadLogAsync(_test.Store);
        Assert.That(logged, Has.Count.EqualTo(2));
        Assert.That(logged.Select(r => r.Input), Has.Some.Contains("\"Precipitation\":\"NaN\"").And.All.Contains("\"TempMin\":4"), "public fields, and NaN, are logged");
    }

#pragma warning disable CA1051 // public fields on purpose: ML.NET row classes often use them, and the log must too
    public sealed class FieldInput
    {
        [Microsoft.ML.Data.ColumnName("precipitation")]
        public float Precipitation;

        [Microsoft.ML.Data.ColumnName("temp_min")]
        public float TempMin;

        [Microsoft.ML.Data.ColumnName("wind")]
        public float Wind;
    }
#pragma warning restore CA1051

    [Test]
    public async Task Logging_WithAShadow_LogsItUnderTheServedPredictionsId_SoFeedbackMeasuresBoth()
    {
        var (second, data, _) = TestModels.TrainWeather(3);
        await _client.Models.RegisterAsync("temp-max", second, data.Schema);
        var options = new PredictorOptions { ShadowUri = "models:/temp-max/2" };
        options.PredictionLog.Enabled = true;
        options.PredictionLog.SamplingRate = 0.5;
        var rows = TestModels.Rows(400);
        List<PredictionResult<TempPrediction>> results;
        await using (var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "temp", "models:/temp-max@production", options))
        {
            results = rows.Select((r, i) => predictor.Predict(r, $"user-{i % 5}")).ToList();
            Assert.That(predictor.ShadowDropped, Is.Zero, "the queue of 10,000 holds 400 copies");
        } // stopping drains the shadow's queue, then writes the log

        var logged = await ReadLogAsync(_test.Store);
        var served = logged.Where(r => r.Arm != "shadow").ToList();
        var shadows = logged.Where(r => r.Arm == "shadow").ToList();
        var ids = results.Where(r => r.PredictionId is not null).Select(r => r.PredictionId!.Value.ToString("N")).ToList();
        Assert.That(ids, Has.Count.InRange(100, 300), "about half sampled");
        Assert.That(served.Select(r => r.Id), Is.EquivalentTo(ids));
        Assert.That(shadows.Select(r => (r.Id, r.Timestamp, r.RoutingKey, r.Model, r.Version)), Is.EquivalentTo(served.Select(r => (r.Id, r.Timestamp, r.RoutingKey, r.Model, 2))), "a shadow row for each logged request, under its id and time, none for the others");

        var truth = rows.Select((r, i) => (Result: results[i], r.TempMax)).Where(p => p.Result.PredictionId is not null).ToList();
        await _client.Monitoring.RecordFeedbackAsync(truth.Select(p => new MlOps.Sdk.Monitoring.PredictionFeedback<float>(p.Result.PredictionId!.Value, p.TempMax)));
        var performance = await _client.Monitoring.GetPerformanceAsync("temp-max");
        var shadow = performance.Totals.Single(w => w.Arm == "shadow");
        var main = performance.Totals.Single(w => w.Arm != "shadow");
        Assert.That((shadow.Version, shadow.Predictions, shadow.WithFeedback), Is.EqualTo((2, (long)ids.Count, (long)ids.Count)), "the served prediction's ground truth measures the shadow");
        Assert.That((main.Version, main.WithFeedback), Is.EqualTo((1, (long)ids.Count)));
        Assert.That(shadow.Metrics["mae"], Is.Not.EqualTo(main.Metrics["mae"]), "each version measured on its own outputs");
        var summary = await _client.Monitoring.GetFeedbackSummaryAsync(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.That((summary.Predictions, summary.WithFeedback), Is.EqualTo(((long)ids.Count, (long)ids.Count)), "requests, not rows: a shadow counts with its served prediction");
    }

    private static async Task<List<PredictionLogRow>> ReadLogAsync(ObjectStore store)
    {
        var rows = new List<PredictionLogRow>();
        await foreach (var item in store.ListAsync("monitoring/predictions/"))
        {
            var stored = await store.ReadAsync(item.Key);
            using var stream = stored!.Content.ToStream();
            rows.AddRange((await ParquetSerializer.DeserializeAsync<PredictionLogRow>(stream)).Data);
        }

        return rows;
    }
}
