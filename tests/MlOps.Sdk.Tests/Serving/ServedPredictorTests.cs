using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.ML;
using MlOps.Sdk.DependencyInjection;
using MlOps.Sdk.Models;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tests.Models;

namespace MlOps.Sdk.Tests.Serving;

/// <summary>Serving by alias: hot swap under load, outages, health, DI (file system store; the swap logic is the store's reads).</summary>
public sealed class ServedPredictorTests
{
    private static readonly List<(ITransformer Model, IDataView Data)> Trained = [];
    private TestStore _test = null!;
    private DataSandbox _sandbox = null!;
    private FaultInjectingObjectStore _store = null!;
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
        _store = new FaultInjectingObjectStore(_test.Store);
        _client = _sandbox.CreateClient(_store);
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
    public async Task HotSwap_UnderLoad_NoErrors_NewVersionAfterEachSwap_RetiredModelsDisposed()
    {
        await using var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "temp", "models:/temp-max@production", new PredictorOptions { PollInterval = TimeSpan.FromHours(1) });
        var rows = TestModels.Rows(200);
        var floor = new int[64];
        floor[0] = 1;

        // A sequence lock: odd while a swap is under way, 2 x (swaps done) otherwise.
        var sequenceLock = 0;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        long predictions = 0;
        using var stop = new CancellationTokenSource();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            var i = t;
            while (!stop.IsCancellationRequested)
            {
                var before = Volatile.Read(ref sequenceLock);
                try
                {
                    var result = predictor.Predict(rows[i++ % rows.Count]);
                    Interlocked.Increment(ref predictions);
                    if (before % 2 == 0 && before == Volatile.Read(ref sequenceLock) && result.Version != floor[before / 2])
                    {
                        // Started after swap `before / 2` completed and ended before the next began: must be the version it put live.
                        errors.Enqueue($"after swap {before / 2}: got version {result.Version}, expected {floor[before / 2]}");
                    }
                }
                catch (Exception ex)
                {
                    errors.Enqueue(ex.ToString());
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());

        var retired = new List<ServedModel<WeatherInput, TempPrediction>>();
        var sequence = new[] { 2, 3, 1, 3, 2, 1, 2 };
        for (var swap = 0; swap < sequence.Length; swap++)
        {
            await Task.Delay(30);
            retired.Add(predictor.Current!);
            await _client.Models.PromoteAsync("temp-max", "production", sequence[swap], $"swap {swap}");
            Volatile.Write(ref sequenceLock, (2 * swap) + 1);
            Assert.That(await predictor.ReloadAsync(), Is.True);
            floor[swap + 1] = sequence[swap];
            Volatile.Write(ref sequenceLock, 2 * (swap + 1));
            Assert.That(predictor.Live!.Version, Is.EqualTo(sequence[swap]));
        }

        await Task.Delay(50);
        await stop.CancelAsync();
        threads.ForEach(t => t.Join());

        Assert.That(errors, Is.Empty, string.Join("\n", errors.Take(5)));
        Assert.That(predictions, Is.GreaterThan(1000));
        Assert.That(retired.All(m => m.IsDisposed), Is.True, "every retired version's engines are disposed once its requests finished");
        Assert.That(predictor.Current!.IsDisposed, Is.False);
    }

    [Test]
    public async Task HotSwap_FiftyTimes_DoesNotKeepRetiredModelsAlive()
    {
        await using var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "temp", "models:/temp-max@production", new PredictorOptions { PollInterval = TimeSpan.FromHours(1) });
        var row = TestModels.Rows(1)[0];
        var retired = new List<WeakReference>();
        long memoryAfter10 = 0;
        for (var swap = 0; swap < 50; swap++)
        {
            if (swap == 10)
            {
                memoryAfter10 = GC.GetTotalMemory(forceFullCollection: true);
            }

            Parallel.For(0, 8, _ => predictor.Predict(row)); // engines on several threads
            retired.Add(WeakOf(predictor));
            await _client.Models.PromoteAsync("temp-max", "production", (predictor.Live!.Version % 3) + 1, $"swap {swap}");
            Assert.That(await predictor.ReloadAsync(), Is.True);
        }

        Parallel.For(0, 8, _ => predictor.Predict(row));
        Assert.That(GC.GetTotalMemory(forceFullCollection: true) - memoryAfter10, Is.LessThan(2_000_000), "memory does not grow with swaps");
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.That(Enumerable.Range(0, retired.Count).Where(i => retired[i].IsAlive), Is.Empty, "no retired predictor (model, engines) is kept alive");
    }

    [Test]
    public async Task StoreOutage_KeepsServing_ReportsDegraded_OpensTheCircuit_AndRecovers()
    {
        await using var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(_client, "temp", "models:/temp-max@production", new PredictorOptions { PollInterval = TimeSpan.FromHours(1), FailuresBeforeBreak = 2, BreakDuration = TimeSpan.FromSeconds(1) });
        var health = new PredictorHealthCheck_Accessor(predictor);
        var row = TestModels.Rows(1)[0];
        Assert.That((await health.CheckAsync()).Status, Is.EqualTo(HealthStatus.Healthy));

        _store.FailRead = _ => new ObjectStoreException("models", "the storage account is unreachable");
        Assert.ThrowsAsync<ObjectStoreException>(() => predictor.ReloadAsync(), "the first failure is the store's own");
        var opened = false;
        for (var attempt = 0; attempt < 3 && !opened; attempt++)
        {
            try
            {
                await predictor.ReloadAsync();
            }
            catch (Polly.CircuitBreaker.BrokenCircuitException)
            {
                opened = true;
            }
            catch (ObjectStoreException)
            {
            }
        }

        Assert.That(opened, Is.True, "after a few failures the circuit opens: the store is left alone");
        Assert.That(predictor.Predict(row).Version, Is.EqualTo(1), "still serving the last good model");
        var degraded = await health.CheckAsync();
        Assert.That(degraded.Status, Is.EqualTo(HealthStatus.Degraded));

        _store.FailRead = null;
        await _client.Models.PromoteAsync("temp-max", "production", 3, "while the store was out for the service");
        await Task.Delay(1200);
        Assert.That(await predictor.ReloadAsync(), Is.True);
        Assert.That(predictor.Predict(row).Version, Is.EqualTo(3));
        Assert.That((await health.CheckAsync()).Status, Is.EqualTo(HealthStatus.Healthy));
    }

    [Test]
    public async Task AddPredictor_UnhealthyUntilLoaded_ThenFollowsTheAliasByPolling_KeyedByName()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(_client);
        services.AddMlOps().AddPredictor<WeatherInput, TempPrediction>("temp", "models:/temp-max@champion", o => o.PollInterval = TimeSpan.FromMilliseconds(100))
            .AddPredictor<WeatherInput, TempPrediction>("fixed", "models:/temp-max/2");
        services.AddHealthChecks().Add(PredictorHealthCheck.Registration("temp"));
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>().ToList();
        var healthService = provider.GetRequiredService<HealthCheckService>();
        var temp = provider.GetRequiredKeyedService<IPredictor<WeatherInput, TempPrediction>>("temp");
        var fixedOne = provider.GetRequiredKeyedService<IPredictor<WeatherInput, TempPrediction>>("fixed");
        var row = TestModels.Rows(1)[0];

        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        Assert.That(provider.GetRequiredService<IPredictor<WeatherInput, TempPrediction>>(), Is.SameAs(temp), "the first one added is also the unkeyed one");
        await Task.Delay(300);
        Assert.That((await healthService.CheckHealthAsync()).Status, Is.EqualTo(HealthStatus.Unhealthy), "no @champion yet");
        Assert.Throws<PredictorNotReadyException>(() => temp.Predict(row));

        await _client.Models.SetAliasAsync("temp-max", "champion", 3);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (temp.Live is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.That(temp.Predict(row).Version, Is.EqualTo(3));
        Assert.That((await healthService.CheckHealthAsync()).Status, Is.EqualTo(HealthStatus.Healthy));
        Assert.That(fixedOne.Predict(row).Version, Is.EqualTo(2));
        Assert.That(fixedOne.Live!.Version, Is.EqualTo(2));

        await _client.Models.SetAliasAsync("temp-max", "champion", 1);
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (temp.Live!.Version != 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.That(temp.Predict(row).Version, Is.EqualTo(1), "the watcher followed the alias");
        foreach (var service in hosted)
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Test]
    public async Task AliasPointingAtAVersionThatDoesNotFit_KeepsServing_AndIsNotDownloadedAgainUntilItMoves()
    {
        var mlContext = new MLContext(seed: 1);
        var other = mlContext.Data.LoadFromEnumerable(new[] { new Unrelated { Text = "a", Value = 1 }, new Unrelated { Text = "b", Value = 2 } });
        var misfit = mlContext.Transforms.Concatenate("Features", "Value").Fit(other);
        var bad = await _client.Models.RegisterAsync("temp-max", misfit, other.Schema);
        var counting = new CountingObjectStore(_store);
        var client = _sandbox.CreateClient(counting);
        await using var predictor = await ServedPredictor.StartAsync<WeatherInput, TempPrediction>(client, "temp", "models:/temp-max@production", new PredictorOptions { PollInterval = TimeSpan.FromHours(1) });
        await _client.Models.PromoteAsync("temp-max", "production", bad.Version, "a mistake");

        Assert.ThrowsAsync<MlOps.Sdk.Models.ModelSchemaMismatchException>(() => predictor.ReloadAsync());
        var reads = counting.Reads;
        Assert.That(await predictor.ReloadAsync(), Is.False, "the same bad version is not loaded again");
        Assert.That(counting.Reads - reads, Is.LessThanOrEqualTo(1), "one properties request, no download");
        Assert.That(predictor.Predict(TestModels.Rows(1)[0]).Version, Is.EqualTo(1), "still serving the last good version");

        await _client.Models.PromoteAsync("temp-max", "production", 2, "fixed");
        Assert.That(await predictor.ReloadAsync(), Is.True);
        Assert.That(predictor.Predict(TestModels.Rows(1)[0]).Version, Is.EqualTo(2));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference WeakOf(ServedPredictor<WeatherInput, TempPrediction> predictor) => new(predictor.Current!.Predictor);

    public sealed class Unrelated
    {
        public string Text { get; set; } = string.Empty;

        public float Value { get; set; }
    }

    /// <summary>Runs the health check the way the health-check service would.</summary>
    private sealed class PredictorHealthCheck_Accessor(IPredictor<WeatherInput, TempPrediction> predictor)
    {
        public Task<HealthCheckResult> CheckAsync()
        {
            var services = new ServiceCollection().AddKeyedSingleton("temp", (IServedPredictor)predictor).BuildServiceProvider();
            var registration = PredictorHealthCheck.Registration("temp");
            return registration.Factory(services).CheckHealthAsync(new HealthCheckContext { Registration = registration });
        }
    }
}
