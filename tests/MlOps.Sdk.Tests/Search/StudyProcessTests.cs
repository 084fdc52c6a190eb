using MlOps.Sdk.Search;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Search;

/// <summary>One study searched by real OS processes sharing the store: the file-system store on one machine, Azurite as machines would.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.Shared))]
public sealed class StudyProcessTests(StoreKind kind)
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
    public async Task FourProcesses_TwentyFiveTrialsEach_GiveExactlyOneHundredCompleteTrialsWithUniqueNumbers()
    {
        const int Processes = 4;
        const int Each = 25;
        var go = Path.Combine(Path.GetTempPath(), $"mlops-go-{Guid.NewGuid():N}");
        var workers = Enumerable.Range(0, Processes)
            .Select(_ => WorkerProcess.Start("search", kind, _test.Target!, ("study", "branin"), ("trials", Each), ("parallelism", 2), ("delay-ms", 5), ("go", go)))
            .ToList();
        List<int> reported;
        try
        {
            await WorkerProcess.RunTogetherAsync(workers, go, TimeSpan.FromMinutes(4));
            reported = [.. workers.SelectMany(w => w.Lines.Where(l => l.StartsWith("TRIAL ", StringComparison.Ordinal)).Select(l => int.Parse(l[6..], System.Globalization.CultureInfo.InvariantCulture)))];
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
            File.Delete(go);
        }

        var study = await _client.Studies.OpenAsync("branin");
        var trials = await study.GetTrialsAsync();
        var runs = await _client.Runs.SearchAsync(new RunQuery { Experiments = { "branin" }, Filter = $"attributes.parent_run_id = '{study.RunId}'" }).ToListAsync();
        Assert.That(trials, Has.Count.EqualTo(Processes * Each));
        Assert.That(trials.Select(t => t.Number), Is.EqualTo(Enumerable.Range(0, Processes * Each)), "unique numbers, no gaps");
        Assert.That(trials.All(t => t.State == TrialState.Complete && t.Value is not null), Is.True, "no lost results");
        Assert.That(reported.Order(), Is.EqualTo(Enumerable.Range(0, Processes * Each)), "each trial was evaluated exactly once");
        Assert.That(trials.Select(t => t.Worker).Distinct().Count(), Is.EqualTo(Processes), "every process took part");
        Assert.That(runs.Count(r => r.Status == RunStatus.Finished), Is.EqualTo(Processes * Each));
        Assert.That(trials.Min(t => t.Value), Is.LessThan(5), "the search made progress on Branin (minimum 0.398)");
    }

    [Test]
    public async Task AWorkerKilledMidTrial_LeavesTheTrialStale_AndTheNextWorkerRetriesIt()
    {
        var worker = WorkerProcess.Start("search-and-hang", kind, _test.Target!, ("study", "killed"));
        var waited = new System.Diagnostics.Stopwatch();
        string line;
        try
        {
            await worker.WaitForLineAsync("TRIAL ", TimeSpan.FromMinutes(2));
            line = worker.Lines.First(l => l.StartsWith("TRIAL ", StringComparison.Ordinal));
            waited.Start();
            worker.Kill();
        }
        finally
        {
            worker.Dispose();
        }

        var parts = line.Split(' ');
        var number = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        var killedRun = parts[2];
        var study = await _client.Studies.OpenAsync("killed");
        var beforeGrace = (await study.GetTrialsAsync()).Single();
        var stale = beforeGrace;
        while (stale.State == TrialState.Running && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(100);
            stale = (await study.GetTrialsAsync()).Single();
        }

        var retried = new List<(int Number, double X)>();
        await study.OptimizeAsync((trial, _) =>
        {
            var x = trial.SuggestFloat("x", -5, 10);
            retried.Add((trial.Number, x));
            return Task.FromResult(x);
        }, 1);

        var final = (await study.GetTrialsAsync()).Single();
        Assert.That(beforeGrace.State, Is.EqualTo(TrialState.Running), "alive until the grace period passes");
        Assert.That(stale.State, Is.EqualTo(TrialState.Stale));
        Assert.That(waited.Elapsed, Is.GreaterThan(TimeSpan.FromSeconds(1)), "not before the 2 s grace period (less the time from the last heartbeat to the kill)");
        Assert.That(stale.StaleRunIds, Is.EqualTo(new[] { killedRun }));
        Assert.That(stale.IntermediateValues, Is.EqualTo(new Dictionary<long, double> { [0] = 1.0 }), "what it reported was stored while it ran");
        Assert.That(retried, Has.Count.EqualTo(1));
        Assert.That(retried[0].Number, Is.EqualTo(number), "retried under its own number");
        Assert.That(retried[0].X, Is.EqualTo((double)stale.Parameters["x"]), "with the parameters it had");
        Assert.That(final.State, Is.EqualTo(TrialState.Complete));
        Assert.That(final.StaleRunIds, Is.EqualTo(new[] { killedRun }));
        Assert.That(final.RunId, Is.Not.EqualTo(killedRun));
        Assert.That((await _client.Runs.GetAsync(killedRun)).Status, Is.EqualTo(RunStatus.Crashed));
    }
}
