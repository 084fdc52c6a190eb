using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Sdk.Data;
using MlOps.Sdk.Models;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Models;

/// <summary>Registering, aliasing, loading and predicting, on every provider.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class ModelRegistryTests(StoreKind kind)
{
    private static (ITransformer Model, IDataView Data, MLContext MlContext) _trained;
    private TestStore _test = null!;
    private DataSandbox _sandbox = null!;
    private MlOpsClient _client = null!;

    [OneTimeSetUp]
    public static void Train() => _trained = TestModels.TrainWeather();

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
    public async Task LogModelAsync_RecordsContentSignatureAndLineage()
    {
        var dataset = await _client.Datasets.RegisterFileAsync("weather", TestModels.WeatherCsv);
        string runId;
        ModelVersion version;
        await using (var run = await _client.Runs.StartAsync("temperature"))
        {
            runId = run.Id;
            await run.UseDatasetAsync(dataset, "training");
            run.LogParameter("iterations", 5);
            run.LogMetric("rmse", 3.2);
            version = await run.LogModelAsync(_client, "temp-max", _trained.Model, _trained.Data.Schema, new RegisterModelOptions { Description = "baseline", InputExample = TestModels.Rows(1)[0] });
        }

        var read = await _client.Models.GetAsync("models:/temp-max/1");
        var info = await _client.Runs.GetAsync(runId);

        Assert.That(version.Version, Is.EqualTo(1));
        Assert.That(read.Sha256, Is.EqualTo(version.Sha256));
        Assert.That(read.Flavor, Is.EqualTo(ModelFlavors.MlNet));
        Assert.That(read.InputSchema.Select(c => c.Name), Is.EqualTo(new[] { "date", "precipitation", "temp_max", "temp_min", "wind" }));
        Assert.That(read.InputSchema.Single(c => c.Name == "wind").Type, Is.EqualTo("Single"));
        Assert.That(read.OutputSchema.Select(c => c.Name), Does.Contain("Score").And.Contain("Features"));
        Assert.That(read.InputExample, Does.Contain("\"Precipitation\":0"));
        Assert.That(read.SourceRunId, Is.EqualTo(runId));
        Assert.That(read.SourceExperiment, Is.EqualTo("temperature"));
        Assert.That(read.Parameters["iterations"], Is.EqualTo("5"));
        Assert.That(read.Metrics["rmse"], Is.EqualTo(3.2));
        Assert.That(read.Datasets, Is.EqualTo(new[] { new ModelDatasetLink("datasets:/weather/1", "training", dataset.Identity.ToString()) }));
        Assert.That(read.Description, Is.EqualTo("baseline"));
        Assert.That(read.CreatedBy, Is.EqualTo(Environment.UserName));
        Assert.That(info.Outputs.Select(o => o.Uri), Is.EqualTo(new[] { "models:/temp-max/1" }));
        Assert.That(info.Artifacts.Select(a => (a.Path, a.Sha256)), Is.EqualTo(new[] { ("model", version.Sha256) }));
    }

    [Test]
    public async Task LoadPredictorAsync_ByVersionAliasLatestAndRun_PredictsWhatTheTrainedModelPredicts()
    {
        string runId;
        await using (var run = await _client.Runs.StartAsync("temperature"))
        {
            runId = run.Id;
            await run.LogModelAsync(_client, "temp-max", _trained.Model, _trained.Data.Schema);
        }

        await _client.Models.SetAliasAsync("temp-max", "champion", 1);
        var rows = TestModels.Rows(50);
        using var raw = _trained.MlContext.Model.CreatePredictionEngine<WeatherInput, TempPrediction>(_trained.Model);
        var expected = rows.Select(r => raw.Predict(r).Score).ToList();

        foreach (var uri in new[] { "models:/temp-max/1", "models:/temp-max@champion", "models:/temp-max@latest", $"runs:/{runId}/model" })
        {
            using var predictor = await _client.Models.LoadPredictorAsync<WeatherInput, TempPrediction>(uri);
            Assert.That(rows.Select(r => predictor.Predict(r).Score), Is.EqualTo(expected), uri);
            Assert.That(predictor.PredictBatch(rows).Select(p => p.Score), Is.EqualTo(expected).Within(1e-5), $"{uri} batch");
            Assert.That(predictor.Uri, Is.EqualTo(uri.StartsWith("runs:/", StringComparison.Ordinal) ? uri : "models:/temp-max/1"));
        }
    }

    [Test]
    public async Task RegisterAsync_Twice_MakesConsecutiveVersions()
    {
        var first = await _client.Models.RegisterAsync("temp-max", _trained.Model, _trained.Data.Schema);
        var second = await _client.Models.RegisterAsync("temp-max", _trained.Model, _trained.Data.Schema);

        Assert.That((first.Version, second.Version), Is.EqualTo((1, 2)));
        Assert.That(await _client.Models.ListVersionsAsync("temp-max").Select(v => v.Version).ToListAsync(), Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public async Task Aliases_ProtectedOnlyThroughPromotion_WithHistoryRollbackAndPointInTime()
    {
        for (var i = 0; i < 3; i++)
        {
            await _client.Models.RegisterAsync("temp-max", _trained.Model, _trained.Data.Schema);
        }

        var protectedEx = Assert.ThrowsAsync<AliasProtectedException>(() => _client.Models.SetAliasAsync("temp-max", "production", 1));
        Assert.That(protectedEx!.Message, Does.Contain("PromoteAsync"));
        Assert.ThrowsAsync<ArgumentException>(() => _client.Models.PromoteAsync("temp-max", "production", 1, " "));

        Assert.That(await _client.Models.PromoteAsync("temp-max", "production", 1, "first release"), Is.Null);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(20);
        Assert.That(await _client.Models.PromoteAsync("temp-max", "production", 3, "better rmse"), Is.EqualTo(1));
        var rolledBack = await _client.Models.RollbackAsync("temp-max", "production", "v3 misbehaves");

        Assert.That(rolledBack, Is.EqualTo(rolledBack with { From = 3, To = 1, Reason = "v3 misbehaves" }));
        Assert.That((await _client.Models.GetAsync("models:/temp-max@production")).Version, Is.EqualTo(1));
        var history = await _client.Models.GetAliasHistoryAsync("temp-max", "production");
        Assert.That(history.Select(h => (h.From, h.To, h.Reason)), Is.EqualTo(new (int?, int?, string?)[] { (null, 1, "first release"), (1, 3, "better rmse"), (3, 1, "v3 misbehaves") }));
        Assert.That(history.All(h => h.By == Environment.UserName), Is.True);
        Assert.That(await _client.Models.GetAliasVersionAtAsync("temp-max", "production", between), Is.EqualTo(1), "what served production at that moment");
        Assert.That(await _client.Models.GetAliasVersionAtAsync("temp-max", "production", between.AddDays(-1)), Is.Null);
        Assert.ThrowsAsync<AliasProtectedException>(() => _client.Models.DeleteAliasAsync("temp-max", "production"));

        await _client.Models.SetAliasAsync("temp-max", "staging", 2);
        Assert.That(await _client.Models.GetAliasesAsync("temp-max"), Is.EquivalentTo(new Dictionary<string, int> { ["production"] = 1, ["staging"] = 2 }));
        Assert.That(await _client.Models.DeleteAliasAsync("temp-max", "staging", "done"), Is.True);
        Assert.ThrowsAsync<InvalidOperationException>(() => _client.Models.RollbackAsync("temp-max", "never-set", "no"));
    }

    [Test]
    public async Task UnknownNameVersionOrAlias_ThrowsModelNotFound_SayingWhatExists()
    {
        await _client.Models.RegisterAsync("temp-max", _trained.Model, _trained.Data.Schema);
        await _client.Models.SetAliasAsync("temp-max", "staging", 1);

        var version = Assert.ThrowsAsync<ModelNotFoundException>(() => _client.Models.GetAsync("models:/temp-max/7"));
        var alias = Assert.ThrowsAsync<ModelNotFoundException>(() => _client.Models.LoadAsync("models:/temp-max@production"));
        var name = Assert.ThrowsAsync<ModelNotFoundException>(() => _client.Models.GetAsync("models:/temp-min@latest"));
        var run = Assert.ThrowsAsync<ModelNotFoundException>(() => _client.Models.LoadAsync($"runs:/{new string('a', 32)}/model"));

        Assert.That(version!.Message, Does.Contain("models:/temp-max/7").And.Contain("has versions 1").And.Contain("@staging -> 1"));
        Assert.That(alias!.Reference, Is.EqualTo("models:/temp-max@production"));
        Assert.That(name!.Message, Does.Contain("models: temp-max"));
        Assert.That(run!.Message, Does.Contain(new string('a', 32)));
        Assert.ThrowsAsync<ModelNotFoundException>(() => _client.Models.SetAliasAsync("temp-max", "staging", 9));
        Assert.ThrowsAsync<ArgumentException>(() => _client.Models.SetAliasAsync("temp-max", "not valid", 1));
        Assert.ThrowsAsync<ArgumentException>(() => _client.Models.SetAliasAsync("temp-max", "latest", 1));
    }

    [Test]
    public async Task LoadAsync_CorruptContent_FailsBeforeDeserializing()
    {
        var version = await _client.Models.RegisterAsync("temp-max", _trained.Model, _trained.Data.Schema);
        var key = ContentStore.GetKey(version.Sha256);
        var bytes = (await _test.Store.ReadAsync(key))!.Content.ToArray();
        bytes[bytes.Length / 2] ^= 0x40;
        await _test.Store.WriteAsync(key, BinaryData.FromBytes(bytes));

        var ex = Assert.ThrowsAsync<ContentIntegrityException>(() => _client.Models.LoadAsync("models:/temp-max/1"));

        Assert.That(ex!.Expected, Is.EqualTo(version.Sha256));
    }

    [Test]
    public async Task LoadPredictorAsync_TypesThatDoNotFit_NameTheColumns()
    {
        await _client.Models.RegisterAsync("temp-max", _trained.Model, _trained.Data.Schema);

        var missing = Assert.ThrowsAsync<ModelSchemaMismatchException>(() => _client.Models.LoadPredictorAsync<NoWind, TempPrediction>("models:/temp-max/1"));
        var mistyped = Assert.ThrowsAsync<ModelSchemaMismatchException>(() => _client.Models.LoadPredictorAsync<TextWind, TempPrediction>("models:/temp-max/1"));
        var output = Assert.ThrowsAsync<ModelSchemaMismatchException>(() => _client.Models.LoadPredictorAsync<WeatherInput, WrongOutput>("models:/temp-max/1"));

        Assert.That(missing!.Message, Does.Contain("wind"));
        Assert.That(mistyped!.Message, Does.Contain("column 'wind' is Single in the model's input but String in TextWind"));
        Assert.That(output!.Message, Does.Contain("column 'Probability' of WrongOutput is not produced"));
    }

    [Test]
    public async Task DeleteVersionAsync_AliasedVersion_IsRefused_OthersGo_AndArchivedAreHiddenFromSearch()
    {
        for (var i = 0; i < 3; i++)
        {
            var options = new RegisterModelOptions();
            options.Tags["region"] = i == 2 ? "eu" : "us";
            await _client.Models.RegisterAsync(i == 0 ? "churn-us" : i == 1 ? "churn-us" : "churn-eu", _trained.Model, _trained.Data.Schema, options);
        }

        await _client.Models.SetAliasAsync("churn-us", "staging", 1);
        var inUse = Assert.ThrowsAsync<ModelInUseException>(() => _client.Models.DeleteVersionAsync("churn-us", 1));
        Assert.That(inUse!.Message, Does.Contain("@staging"));
        Assert.That(await _client.Models.GetAsync("models:/churn-us/1"), Is.Not.Null, "nothing deleted");
        Assert.That(await _client.Models.DeleteVersionAsync("churn-us", 2), Is.True);
        Assert.ThrowsAsync<ModelNotFoundException>(() => _client.Models.GetAsync("models:/churn-us/2"));

        await _client.Models.ArchiveAsync("churn-eu", 1);
        Assert.That(await _client.Models.ListNamesAsync("churn-"), Is.EqualTo(new[] { "churn-eu", "churn-us" }));
        var query = new ModelQuery { NamePrefix = "churn-", CreatedBy = "me" };
        Assert.That(await _client.Models.SearchAsync(query).Select(v => v.Uri).ToListAsync(), Is.EqualTo(new[] { "models:/churn-us/1" }));
        query.IncludeArchived = true;
        query.Tags["region"] = "eu";
        Assert.That(await _client.Models.SearchAsync(query).Select(v => v.Uri).ToListAsync(), Is.EqualTo(new[] { "models:/churn-eu/1" }));
        Assert.That(await _client.Models.SearchAsync(new ModelQuery { CreatedBy = "someone-else" }).ToListAsync(), Is.Empty);
    }

    [Test]
    public async Task Predictor_ManyThreads_GivesTheSameAnswersAsOne()
    {
        await _client.Models.RegisterAsync("temp-max", _trained.Model, _trained.Data.Schema);
        using var predictor = await _client.Models.LoadPredictorAsync<WeatherInput, TempPrediction>("models:/temp-max/1");
        var rows = TestModels.Rows(500);
        var expected = rows.Select(r => predictor.Predict(r).Score).ToArray();

        var mismatches = 0;
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            for (var round = 0; round < 10; round++)
            {
                for (var i = 0; i < rows.Count; i++)
                {
                    var j = (i * 7 + t) % rows.Count;
                    if (predictor.Predict(rows[j]).Score != expected[j])
                    {
                        Interlocked.Increment(ref mismatches);
                    }
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.That(mismatches, Is.Zero);
        predictor.Dispose();
        Assert.Throws<ObjectDisposedException>(() => predictor.Predict(rows[0]));
    }

    [Test]
    public async Task PromoteAsync_UnderContention_KeepsACompleteChainOfChanges()
    {
        for (var i = 0; i < 3; i++)
        {
            await _client.Models.RegisterAsync("temp-max", _trained.Model, _trained.Data.Schema);
        }

        var changed = 0;
        var clients = Enumerable.Range(0, 4).Select(_ => _sandbox.CreateClient(_test.Store)).ToList();
        await Task.WhenAll(clients.Select((c, t) => Task.Run(async () =>
        {
            for (var i = 0; i < 8; i++)
            {
                var target = ((t + i) % 3) + 1;
                if (await c.Models.PromoteAsync("temp-max", "production", target, $"worker {t} move {i}") != target)
                {
                    Interlocked.Increment(ref changed);
                }
            }
        })));

        var history = await _client.Models.GetAliasHistoryAsync("temp-max", "production");
        Assert.That(history, Has.Count.EqualTo(changed), "every change that happened is in the history, once");
        for (var i = 1; i < history.Count; i++)
        {
            Assert.That(history[i].From, Is.EqualTo(history[i - 1].To), $"change {i} starts where change {i - 1} ended");
        }

        Assert.That((await _client.Models.GetAsync("models:/temp-max@production")).Version, Is.EqualTo(history[^1].To));
    }

    [Test]
    public async Task DeleteVersionAsync_KeepsTheNumber_AndAliasesCannotPointAtIt()
    {
        for (var i = 0; i < 2; i++)
        {
            await _client.Models.RegisterAsync("temp-max", _trained.Model, _trained.Data.Schema);
        }

        Assert.That(await _client.Models.DeleteVersionAsync("temp-max", 2), Is.True);
        Assert.That(await _client.Models.DeleteVersionAsync("temp-max", 2), Is.False, "already deleted");
        var third = await _client.Models.RegisterAsync("temp-max", _trained.Model, _trained.Data.Schema);

        Assert.That(third.Version, Is.EqualTo(3), "a deleted number is never given to another model");
        Assert.That(await _client.Models.ListVersionsAsync("temp-max").Select(v => v.Version).ToListAsync(), Is.EqualTo(new[] { 1, 3 }));
        Assert.ThrowsAsync<ModelNotFoundException>(() => _client.Models.SetAliasAsync("temp-max", "staging", 2));
        Assert.ThrowsAsync<ModelNotFoundException>(() => _client.Models.LoadAsync("models:/temp-max/2"));
        Assert.ThrowsAsync<ModelNotFoundException>(() => _client.Models.ArchiveAsync("temp-max", 2));
        await _client.Models.DeleteVersionAsync("temp-max", 3);
        Assert.That((await _client.Models.GetAsync("models:/temp-max@latest")).Version, Is.EqualTo(1), "latest skips deleted versions");
    }

    [Test]
    public async Task RollbackAsync_Twice_GoesFurtherBack()
    {
        for (var i = 0; i < 3; i++)
        {
            await _client.Models.RegisterAsync("temp-max", _trained.Model, _trained.Data.Schema);
        }

        await _client.Models.PromoteAsync("temp-max", "production", 1, "v1");
        await _client.Models.PromoteAsync("temp-max", "production", 2, "v2");
        await _client.Models.PromoteAsync("temp-max", "production", 3, "v3");

        Assert.That((await _client.Models.RollbackAsync("temp-max", "production", "v3 bad")).To, Is.EqualTo(2));
        Assert.That((await _client.Models.RollbackAsync("temp-max", "production", "v2 bad too")).To, Is.EqualTo(1), "not back to v3");
        Assert.ThrowsAsync<InvalidOperationException>(() => _client.Models.RollbackAsync("temp-max", "production", "nothing before v1"));
    }

    [Test]
    public async Task ProtectedAlias_StaysProtectedForEveryClient_InAnyCase()
    {
        await _client.Models.RegisterAsync("temp-max", _trained.Model, _trained.Data.Schema);
        await _client.Models.PromoteAsync("temp-max", "production", 1, "release");
        var teammate = _sandbox.CreateClient(_test.Store, o => o.Models.ProtectedAliases.Clear());

        Assert.ThrowsAsync<AliasProtectedException>(() => teammate.Models.SetAliasAsync("temp-max", "production", 1), "the alias record remembers it is protected");
        Assert.ThrowsAsync<AliasProtectedException>(() => teammate.Models.DeleteAliasAsync("temp-max", "production"));
        Assert.ThrowsAsync<AliasProtectedException>(() => _client.Models.SetAliasAsync("temp-max", "Production", 1), "one file on a case-insensitive disk");
    }

    [Test]
    public async Task LogModelAsync_SeveralModelsInOneRun_NeedTheirOwnArtifactPaths_AndOptionsAreNotChanged()
    {
        var options = new RegisterModelOptions();
        string runId;
        await using (var run = await _client.Runs.StartAsync("variants"))
        {
            runId = run.Id;
            var (other, _, _) = TestModels.TrainWeather(iterations: 1);
            await run.LogModelAsync(_client, "temp-us", _trained.Model, _trained.Data.Schema, options);
            Assert.That(options.Run, Is.Null, "the caller's options are left as they were");
            var clash = Assert.ThrowsAsync<InvalidOperationException>(() => run.LogModelAsync(_client, "temp-eu", other, _trained.Data.Schema));
            Assert.That(clash!.Message, Does.Contain("ArtifactPath"));
            await run.LogModelAsync(_client, "temp-eu", other, _trained.Data.Schema, new RegisterModelOptions { ArtifactPath = "models/eu" });
        }

        using var eu = await _client.Models.LoadPredictorAsync<WeatherInput, TempPrediction>($"runs:/{runId}/models/eu");
        using var registered = await _client.Models.LoadPredictorAsync<WeatherInput, TempPrediction>("models:/temp-eu/1");
        var row = TestModels.Rows(1)[0];
        Assert.That(eu.Predict(row).Score, Is.EqualTo(registered.Predict(row).Score));
    }

    [Test]
    public async Task LoadPredictorAsync_ArrayInputWithoutVectorSize_TakesTheSizeFromTheModel()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = TestModels.Rows(300).Select(r => new SizedInput { Features = [r.Precipitation, r.TempMin, r.Wind], TempMax = r.TempMax }).ToList();
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var model = mlContext.Regression.Trainers.Sdca(labelColumnName: "temp_max", maximumNumberOfIterations: 3).Fit(data);
        await _client.Models.RegisterAsync("vector", model, data.Schema);

        using var predictor = await _client.Models.LoadPredictorAsync<UnsizedInput, TempPrediction>("models:/vector/1");
        var one = predictor.Predict(new UnsizedInput { Features = [0f, 5f, 3f] });
        var batch = predictor.PredictBatch([new UnsizedInput { Features = [0f, 5f, 3f] }]);

        Assert.That(batch.Single().Score, Is.EqualTo(one.Score).Within(1e-5));
    }

    public sealed class SizedInput
    {
        [VectorType(3)]
        public float[] Features { get; set; } = [];

        [ColumnName("temp_max")]
        public float TempMax { get; set; }
    }

    public sealed class UnsizedInput
    {
        public float[] Features { get; set; } = [];
    }

    public sealed class NoWind
    {
        [ColumnName("precipitation")]
        public float Precipitation { get; set; }

        [ColumnName("temp_min")]
        public float TempMin { get; set; }
    }

    public sealed class TextWind
    {
        [ColumnName("precipitation")]
        public float Precipitation { get; set; }

        [ColumnName("temp_min")]
        public float TempMin { get; set; }

        [ColumnName("wind")]
        public string Wind { get; set; } = string.Empty;
    }

    public sealed class WrongOutput
    {
        public float Probability { get; set; }
    }
}
