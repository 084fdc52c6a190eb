using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.ML;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tests.Models;

namespace MlOps.Sdk.Tests.Serving;

/// <summary>Canary, A/B, sticky routing and shadow.</summary>
public sealed class DeploymentStrategyTests
{
    private static readonly List<(ITransformer Model, IDataView Data)> Trained = [];
    private TestStore _test = null!;
    private DataSandbox _sandbox = null!;
    private MlOpsClient _client = null!;

    [OneTimeSetUp]
    public static void Train()
    {
        foreach (var iterations in new[] { 1, 3, 9 })
        {
            var (model, data, _) = TestModels.TrainWeather(iterations);
            Trained.Add((model, data));
        }
    }

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(StoreKind.FileSystem);
        _sandbox = new DataSandbox();
        _client = _sandbox.CreateClient(_test.Store);
        foreach (var (model, data) in Trained)
        {
            await _client.Models.RegisterAsync("temp-max", model, data.Schema);
        }

        await _client.Models.PromoteAsync("temp-max", "production", 1, "first");
    }

    [TearDown]
    public async Task TearDown()
    {
        _sandbox.Dispose();
        await _test.DisposeAsync();
    }

    [Test]
    public async Task Canary_GetsItsShareWithinStatisticalTolerance_AndEachResultNamesItsArm()
    {
        await _client.Models.SetAliasAsync("temp-max", "canary", 2);
        await using var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "temp", "models:/temp-max@production", new PredictorOptions().Canary("temp-max", 0.2));
        var row = TestModels.Rows(1)[0];

        var results = Enumerable.Range(0, 10_000).Select(_ => predictor.Predict(row)).ToList();

        var share = results.Count(r => r.Arm == "canary") / 10_000.0;
        Assert.That(share, Is.EqualTo(0.2).Within(0.016), "within 4 standard deviations of 20 %");
        Assert.That(results.Where(r => r.Arm == "canary").Select(r => r.Version).Distinct(), Is.EqualTo(new[] { 2 }));
        Assert.That(results.Where(r => r.Arm == "production").Select(r => r.Version).Distinct(), Is.EqualTo(new[] { 1 }));
        Assert.That(predictor.Arms.Select(a => (a.Arm, a.Weight, a.Live?.Version)), Is.EqualTo(new (string, double, int?)[] { ("production", 0.8, 1), ("canary", 0.2, 2) }));
    }

    [Test]
    public async Task Canary_FollowsTheTrafficWeightSetOnItsAlias_WithoutARestart_AndKeepsAKeyInTheCanaryAsItGrows()
    {
        await _client.Models.SetAliasAsync("temp-max", "canary", 2);
        await using var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "temp", "models:/temp-max@production", new PredictorOptions().Canary("temp-max", 0.5));
        var row = TestModels.Rows(1)[0];
        double Share() => Enumerable.Range(0, 10_000).Count(i => predictor.Predict(row, $"user-{i}").Arm == "canary") / 10_000.0;
        var configured = Share();

        await _client.Models.SetTrafficAsync("temp-max", "canary", 0.05, "canary at 5 %");
        await predictor.ReloadAsync();
        var small = Share();
        var inCanary = Enumerable.Range(0, 10_000).Where(i => predictor.Predict(row, $"user-{i}").Arm == "canary").ToHashSet();
        await _client.Models.SetTrafficAsync("temp-max", "canary", 0.25, "canary at 25 %");
        await predictor.ReloadAsync();
        var larger = Share();
        var stillInCanary = inCanary.All(i => predictor.Predict(row, $"user-{i}").Arm == "canary");
        await _client.Models.SetAliasAsync("temp-max", "canary", 3, "the next challenger");
        await predictor.ReloadAsync();
        var moved = Share();

        Assert.That((configured, small, larger, moved), Is.EqualTo((0.5, 0.05, 0.25, 0.5)).Using<(double, double, double, double)>((a, b) =>
            Math.Abs(a.Item1 - b.Item1) < 0.03 && Math.Abs(a.Item2 - b.Item2) < 0.03 && Math.Abs(a.Item3 - b.Item3) < 0.03 && Math.Abs(a.Item4 - b.Item4) < 0.03), "the alias's weight wins over the configured one; moving the alias clears it");
        Assert.That(stillInCanary, Is.True, "a user in the canary at 5 % stays in it at 25 %");
        Assert.That(predictor.Arms.Single(a => a.Arm == "canary").Weight, Is.EqualTo(0.5));
        Assert.That(await _client.Models.GetTrafficAsync("temp-max", "canary"), Is.Null);
        var history = await _client.Models.GetAliasHistoryAsync("temp-max", "canary");
        Assert.That(history.Select(h => (h.From, h.To, h.Weight)), Is.EqualTo(new (int?, int?, double?)[] { (null, 2, null), (2, 2, 0.05), (2, 2, 0.25), (2, 3, null) }));
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.Models.SetTrafficAsync("temp-max", "canary", 1.5, "too much"));
        Assert.ThrowsAsync<MlOps.Sdk.Models.AliasProtectedException>(() => _client.Models.SetTrafficAsync("temp-max", "production", 0.5, "the main arm"));
        Assert.ThrowsAsync<InvalidOperationException>(() => _client.Models.SetTrafficAsync("temp-max", "nothing-here", 0.5, "no version"));
    }

    [Test]
    public async Task StickyRouting_KeepsEachKeyInOneArm_AndSplitsKeysByWeight()
    {
        var options = new PredictorOptions();
        options.Arms.Add(new PredictorArm("b", "models:/temp-max/3", 0.5));
        await using var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "temp", "models:/temp-max@production", options);
        var row = TestModels.Rows(1)[0];

        var arms = new Dictionary<string, string>();
        for (var round = 0; round < 5; round++)
        {
            for (var user = 0; user < 1000; user++)
            {
                var key = $"user-{user}";
                var arm = predictor.Predict(row, key).Arm;
                Assert.That(arms.TryAdd(key, arm) || arms[key] == arm, Is.True, $"{key} moved from {arms[key]} to {arm}");
            }
        }

        Assert.That(arms.Values.Count(a => a == "b") / 1000.0, Is.EqualTo(0.5).Within(0.064), "within 4 standard deviations of half the keys");
    }

    [Test]
    public async Task Canary_AliasNotSet_SendsEverythingToTheMainModel()
    {
        await using var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "temp", "models:/temp-max@production", new PredictorOptions().Canary("temp-max", 0.5));
        var row = TestModels.Rows(1)[0];

        var results = Enumerable.Range(0, 200).Select(_ => predictor.Predict(row)).ToList();

        Assert.That(results.Select(r => (r.Arm, r.Version)).Distinct(), Is.EqualTo(new[] { ("production", 1) }));
        Assert.That(predictor.Arms.Select(a => (a.Arm, a.Weight)), Is.EqualTo(new[] { ("production", 1.0), ("canary", 0.0) }), "what each arm gets now");
    }

    [Test]
    public async Task Shadow_NeverChangesAResponse_NeverSlowsTheCaller_AndDropsAndCountsWhenBehind()
    {
        var shadowed = new ConcurrentQueue<ShadowPrediction>();
        using var release = new ManualResetEventSlim();
        var options = new PredictorOptions
        {
            ShadowUri = "models:/temp-max/3",
            ShadowQueueCapacity = 10,
            OnShadowPrediction = p =>
            {
                // A consumer stuck until the caller is done (logging to a far store that hangs): a caller that waited
                // for the shadow would never finish.
                release.Wait(TimeSpan.FromMinutes(1));
                shadowed.Enqueue(p);
            },
        };
        await using var plain = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "plain", "models:/temp-max@production");
        await using var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "temp", "models:/temp-max@production", options);
        var rows = TestModels.Rows(500);

        List<PredictionResult<TempPrediction>> results;
        long droppedWhileStuck;
        try
        {
            results = await Task.Run(() => rows.Select(r => predictor.Predict(r)).ToList()).WaitAsync(TimeSpan.FromSeconds(30));
            droppedWhileStuck = predictor.ShadowDropped;
        }
        finally
        {
            release.Set(); // a failing run must not leave the consumer stuck for the predictor's disposal
        }

        var deadline = Stopwatch.StartNew();
        while (shadowed.Count + predictor.ShadowDropped < 500 && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }

        Assert.That(results.Select(r => r.Value.Score), Is.EqualTo(rows.Select(r => plain.Predict(r).Value.Score)), "responses are the served model's, as without a shadow");
        Assert.That(results.All(r => r.Version == 1 && r.Arm == "production"), Is.True);
        Assert.That(droppedWhileStuck, Is.InRange(500 - 10 - 1, 500 - 10), "beyond the queue of 10 (and the one being consumed), copies were dropped and counted");
        Assert.That(shadowed, Is.Not.Empty);
        Assert.That(shadowed.All(p => p.ShadowVersion == 3 && p.ShadowModel == "temp-max"), Is.True);
        Assert.That(shadowed.Count + predictor.ShadowDropped, Is.EqualTo(500), "every request's copy was either shadowed or counted as dropped");
    }

    [Test]
    public void Arms_BadWeightsOrNames_AreRefused()
    {
        var tooMuch = new PredictorOptions();
        tooMuch.Arms.Add(new PredictorArm("a", "models:/temp-max/2", 0.7));
        tooMuch.Arms.Add(new PredictorArm("b", "models:/temp-max/3", 0.6));
        var negative = new PredictorOptions();
        negative.Arms.Add(new PredictorArm("a", "models:/temp-max/2", -0.1));
        var clash = new PredictorOptions();
        clash.Arms.Add(new PredictorArm("production", "models:/temp-max/2", 0.1));
        var shadowClash = new PredictorOptions { ShadowUri = "models:/temp-max/3" };
        shadowClash.Arms.Add(new PredictorArm("shadow", "models:/temp-max/2", 0.1));

        Assert.That(Assert.ThrowsAsync<ArgumentException>(() => ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "t", "models:/temp-max@production", tooMuch))!.Message, Does.Contain("add up to 1.3"));
        Assert.ThrowsAsync<ArgumentException>(() => ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "t", "models:/temp-max@production", negative));
        Assert.That(Assert.ThrowsAsync<ArgumentException>(() => ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "t", "models:/temp-max@production", clash))!.Message, Does.Contain("share a name"));
        Assert.That(Assert.ThrowsAsync<ArgumentException>(() => ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "t", "models:/temp-max@production", shadowClash))!.Message, Does.Contain("an arm named 'shadow'"));
        Assert.ThrowsAsync<FormatException>(() => ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "t", "models:/temp-max"));
    }
}
