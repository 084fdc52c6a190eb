using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Models;

/// <summary>Model versions registered by real OS processes sharing one store.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.Shared))]
public sealed class ModelProcessTests(StoreKind kind)
{
    private TestStore _test = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _client = TrackingClients.Create(_test.Store);
    }

    [TearDown]
    public async Task TearDown() => await _test.DisposeAsync();

    [Test]
    public async Task Processes_RegisteringAtOnce_GetDistinctVersionsWithNoneLostAndNoGaps()
    {
        const int Processes = 3;
        const int Each = 4;
        var go = Path.Combine(Path.GetTempPath(), $"mlops-go-{Guid.NewGuid():N}");
        var workers = Enumerable.Range(0, Processes).Select(_ => WorkerProcess.Start("register-models", kind, _test.Target!, ("name", "shared-model"), ("count", Each), ("go", go))).ToList();
        List<int> reported;
        try
        {
            await WorkerProcess.RunTogetherAsync(workers, go, TimeSpan.FromMinutes(3));
            reported = workers.SelectMany(w => w.Lines.Where(l => l.StartsWith("VERSION ", StringComparison.Ordinal)).Select(l => int.Parse(l[8..], System.Globalization.CultureInfo.InvariantCulture))).ToList();
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
            File.Delete(go);
        }

        var stored = await _client.Models.ListVersionsAsync("shared-model").Select(v => v.Version).ToListAsync();
        Assert.That(reported.Order(), Is.EqualTo(Enumerable.Range(1, Processes * Each)), "each process got its own numbers");
        Assert.That(stored, Is.EqualTo(Enumerable.Range(1, Processes * Each)), "every version is stored, none lost, no gaps");
        using var predictor = await _client.Models.LoadPredictorAsync<Point, Score>($"models:/shared-model/{Processes * Each}");
        Assert.That(predictor.Predict(new Point { X = 10 }).Value, Is.EqualTo(21).Within(3));
    }

    public sealed class Point
    {
        public float X { get; set; }

        public float Y { get; set; }
    }

    public sealed class Score
    {
        [Microsoft.ML.Data.ColumnName("Score")]
        public float Value { get; set; }
    }
}
