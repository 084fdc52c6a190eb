using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Tracking;

/// <summary>Searching runs through the index, on every provider.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class RunSearchTests(StoreKind kind)
{
    private TestStore _test = null!;
    private CountingObjectStore _counting = null!;
    private MlOpsClient _client = null!;
    private readonly Dictionary<string, string> _ids = [];

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _counting = new CountingObjectStore(_test.Store);
        _client = TrackingClients.Create(_counting, t => t.IndexCompactionThreshold = 5);
        await RecordAsync("a", "flights", "LightGbm", 0.10, auc: 0.81, team: "ops");
        await RecordAsync("b", "flights", "LightGbm", 0.01, auc: 0.86, team: null);
        await RecordAsync("c", "flights", "FastTree", 0.10, auc: 0.78, team: "ops");
        await RecordAsync("d", "weather", "Sdca", 0.50, auc: null, team: "research");
        await RecordAsync("e", "weather", "LightGbm", 0.05, auc: 0.90, team: "ops", fail: true);
    }

    [TearDown]
    public async Task TearDown() => await _test.DisposeAsync();

    [TestCase("", "a,b,c,d,e")]
    [TestCase("params.trainer = 'LightGbm'", "a,b,e")]
    [TestCase("params.trainer != 'LightGbm'", "c,d")]
    [TestCase("params.lr > 0.05", "a,c,d")]
    [TestCase("params.lr <= 0.05", "b,e")]
    [TestCase("metrics.auc >= 0.81 AND metrics.auc < 0.9", "a,b")]
    [TestCase("metrics.auc > 0.85 OR tags.team = 'research'", "b,d,e")]
    [TestCase("params.trainer = 'LightGbm' AND (metrics.auc > 0.85 OR tags.team = 'ops')", "a,b,e")]
    [TestCase("params.trainer = 'FastTree' OR params.trainer = 'Sdca' AND tags.team = 'research'", "c,d")]
    [TestCase("tags.team != 'ops'", "d")]
    [TestCase("tags.team IS NULL", "b")]
    [TestCase("params.trainer LIKE '%Gbm'", "a,b,e")]
    [TestCase("params.trainer IN ('Sdca', 'FastTree')", "c,d")]
    [TestCase("attributes.status = 'failed'", "e")]
    [TestCase("attributes.experiment = 'weather' AND attributes.status = 'Finished'", "d")]
    [TestCase("metrics.never_logged > 0", "")]
    public async Task SearchAsync_Filter_SelectsTheMatchingRuns(string filter, string expected)
    {
        var found = await _client.Runs.SearchAsync(new RunQuery { Filter = filter }).Select(r => r.Name!).ToListAsync();

        // The first search compacted the summaries into snapshots; a new client reads them back from the store.
        var fresh = TrackingClients.Create(_test.Store);
        var fromSnapshots = await fresh.Runs.SearchAsync(new RunQuery { Filter = filter }).Select(r => r.Name!).ToListAsync();

        Assert.That(found.Order(), Is.EqualTo(expected.Split(',', StringSplitOptions.RemoveEmptyEntries)));
        Assert.That(fromSnapshots.Order(), Is.EqualTo(found.Order()), "the same runs from the stored snapshot");
    }

    [Test]
    public async Task SearchAsync_FromStoredSnapshot_ReturnsWholeRuns()
    {
        await TrackingClients.Create(_test.Store, t => t.IndexCompactionThreshold = 1).Runs.SearchAsync().CountAsync(); // compacts
        Assert.That(await _test.Store.GetPropertiesAsync("index/runs/weather/snapshot.jsonl"), Is.Not.Null);

        var fresh = TrackingClients.Create(_test.Store);
        var failed = await fresh.Runs.SearchAsync(new RunQuery { Filter = "attributes.status = 'Failed'" }).SingleAsync();
        var direct = await fresh.Runs.GetAsync(failed.Id);

        Assert.That(failed.Failure?.Message, Is.EqualTo(direct.Failure?.Message).And.Not.Null);
        Assert.That(failed.Parameters, Is.EquivalentTo(direct.Parameters));
        Assert.That(failed.Metrics["auc"].Last, Is.EqualTo(direct.Metrics["auc"].Last));
        Assert.That(failed.Source.User, Is.EqualTo(direct.Source.User).And.Not.Null);
    }

    [Test]
    public async Task SearchAsync_CorruptSnapshot_ThrowsRecordFormatExceptionNamingIt()
    {
        await _test.Store.WriteAsync("index/runs/weather/snapshot.jsonl", BinaryData.FromString("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":"));

        var ex = Assert.ThrowsAsync<Records.RecordFormatException>(async () => await TrackingClients.Create(_test.Store).Runs.SearchAsync().CountAsync());

        Assert.That(ex!.Key, Is.EqualTo("index/runs/weather/snapshot.jsonl"));
    }

    [Test]
    public async Task SearchAsync_OrderAndLimit_ReturnTheBestFirstAndMissingLast()
    {
        var best = await _client.Runs.SearchAsync(new RunQuery { OrderBy = "metrics.auc DESC", MaxResults = 3 }).Select(r => r.Name).ToListAsync();
        var all = await _client.Runs.SearchAsync(new RunQuery { OrderBy = "metrics.auc" }).Select(r => r.Name).ToListAsync();
        var newest = await _client.Runs.SearchAsync().Select(r => r.Name).ToListAsync();

        Assert.That(best, Is.EqualTo(new[] { "e", "b", "a" }));
        Assert.That(all, Is.EqualTo(new[] { "c", "a", "b", "e", "d" }), "d has no auc: last");
        Assert.That(newest, Is.EqualTo(new[] { "e", "d", "c", "b", "a" }), "default order: newest first");
    }

    [Test]
    public async Task SearchAsync_Experiments_LimitsWhereItLooksAndDeletedOnesAreHidden()
    {
        var weather = await _client.Runs.SearchAsync(new RunQuery { Experiments = { "weather" } }).Select(r => r.Name).ToListAsync();
        await _client.Experiments.DeleteAsync("weather");
        var afterDelete = await _client.Runs.SearchAsync().Select(r => r.Name).ToListAsync();
        var includingDeleted = await _client.Runs.SearchAsync(new RunQuery { IncludeDeletedExperiments = true }).CountAsync();
        await _client.Experiments.RestoreAsync("weather");
        var restored = await _client.Runs.SearchAsync().CountAsync();

        Assert.That(weather.Order(), Is.EqualTo(new[] { "d", "e" }));
        Assert.That(afterDelete.Order(), Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(includingDeleted, Is.EqualTo(5));
        Assert.That(restored, Is.EqualTo(5));
        Assert.Throws<ExperimentNotFoundException>(() => _client.Runs.SearchAsync(new RunQuery { Experiments = { "nope" } }).ToBlockingEnumerable().ToList());
    }

    [Test]
    public void SearchAsync_InvalidFilter_ThrowsBeforeEnumerating()
    {
        var ex = Assert.Throws<InvalidRunQueryException>(() => _client.Runs.SearchAsync(new RunQuery { Filter = "params.lr >" }));

        Assert.That(ex!.Query, Is.EqualTo("params.lr >"));
        Assert.That(ex.Message, Does.Contain("params.lr >"));
    }

    [Test]
    public async Task SearchAsync_ManyRuns_ReadsTheIndexNotOneObjectPerRun()
    {
        for (var i = 0; i < 40; i++)
        {
            await using var run = await _client.Runs.StartAsync("bulk");
            run.LogMetric("i", i);
        }

        await _client.Runs.SearchAsync(new RunQuery { Experiments = { "bulk" } }).CountAsync(); // compacts the pending summaries
        var before = _counting.Reads;
        var found = await _client.Runs.SearchAsync(new RunQuery { Experiments = { "bulk" }, Filter = "metrics.i >= 10" }).CountAsync();
        var reads = _counting.Reads - before;

        Assert.That(found, Is.EqualTo(30));
        Assert.That(reads, Is.LessThanOrEqualTo(3), "a snapshot and a few pending summaries, not 40 run records");
        Assert.That(await _test.Store.GetPropertiesAsync("index/runs/bulk/snapshot.jsonl"), Is.Not.Null);
        Assert.That(await _test.Store.ListAsync("index/runs/bulk/pending/").CountAsync(), Is.LessThanOrEqualTo(5));
    }

    [Test]
    public async Task SearchAsync_RunningRuns_AreReadFresh()
    {
        await using var run = await _client.Runs.StartAsync("live");
        run.LogParameter("lr", 0.3);
        run.LogMetric("loss", 0.25);
        await run.FlushAsync();

        var found = await _client.Runs.SearchAsync(new RunQuery { Filter = "params.lr = 0.3 AND metrics.loss < 0.3 AND attributes.status = 'Running'" }).ToListAsync();

        Assert.That(found.Single().Id, Is.EqualTo(run.Id));
    }

    [Test]
    public async Task CompareAsync_ShowsParametersAndMetricsSideBySideWithDeltas()
    {
        var comparison = await _client.Runs.CompareAsync([_ids["a"], _ids["b"], _ids["d"]]);

        var lr = comparison.Parameters.Single(p => p.Name == "lr");
        var auc = comparison.Metrics.Single(m => m.Name == "auc");
        Assert.That(comparison.Runs.Select(r => r.Name), Is.EqualTo(new[] { "a", "b", "d" }));
        Assert.That(lr.Values, Is.EqualTo(new[] { "0.1", "0.01", "0.5" }));
        Assert.That(lr.Differs, Is.True);
        Assert.That(auc.Deltas![1], Is.EqualTo(0.05).Within(1e-9));
        Assert.That(auc.Deltas[2], Is.Null, "d has no auc");
        Assert.That(comparison.ToString(), Does.Contain("params.lr").And.Contain("metrics.auc"));
    }

    [Test]
    public async Task SetTagAsync_AfterTheRunEnded_IsSearchable()
    {
        await _client.Runs.SetTagAsync(_ids["c"], "candidate", "yes");

        var found = await _client.Runs.SearchAsync(new RunQuery { Filter = "tags.candidate = 'yes'" }).Select(r => r.Name).ToListAsync();

        Assert.That(found, Is.EqualTo(new[] { "c" }));
    }

    private async Task RecordAsync(string name, string experiment, string trainer, double lr, double? auc, string? team, bool fail = false)
    {
        var run = await _client.Runs.StartAsync(experiment, new StartRunOptions { Name = name });
        _ids[name] = run.Id;
        run.LogParameter("trainer", trainer);
        run.LogParameter("lr", lr);
        if (auc is { } value)
        {
            run.LogMetric("auc", value);
        }

        if (team is not null)
        {
            run.SetTag("team", team);
        }

        if (fail)
        {
            await run.FailAsync(new InvalidOperationException("diverged"));
        }
        else
        {
            await run.CompleteAsync();
        }

        await Task.Delay(5); // distinct start times for the default order
    }
}
