using MlOps.Sdk.Search;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Search;

/// <summary>Races and failure paths of the study machinery: stalled and taken-over workers, outages, a stalled study creator.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class StudyFailureTests(StoreKind kind)
{
    private TestStore _test = null!;

    [SetUp]
    public async Task SetUp() => _test = await TestStore.CreateAsync(kind);

    [TearDown]
    public async Task TearDown() => await _test.DisposeAsync();

    // A stalled worker (heartbeats stop for longer than the grace period) is taken over; when it comes back its result is
    // refused, its run is killed and tagged Stale, and the call does not count it.
    [Test]
    public async Task StalledWorker_TakenOver_ItsResultIsRefusedAndNotCounted()
    {
        var faulty = new FaultInjectingObjectStore(_test.Store);
        var stalled = false;
        faulty.FailWrite = key => Volatile.Read(ref stalled) && key.StartsWith("heartbeats/", StringComparison.Ordinal) ? new ObjectStoreException("paused", key, null) : null;
        var a = await TrackingClients.Create(faulty).Studies.OpenAsync("paused", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        var b = await TrackingClients.Create(_test.Store).Studies.OpenAsync("paused", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource<Trial>(TaskCreationOptions.RunContinuationsAsynchronously);

        var searchA = a.OptimizeAsync(async (trial, _) => { trial.SuggestFloat("x", 0, 1); Volatile.Write(ref stalled, true); started.TrySetResult(trial); await resume.Task; return 1.0; }, 1);
        var attemptA = await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(3));                  // > CrashGracePeriod (2 s)
        Assert.That((await b.GetTrialsAsync()).Single().State, Is.EqualTo(TrialState.Stale));
        await b.OptimizeAsync((trial, _) => Task.FromResult(trial.SuggestFloat("x", 0, 1)), 1);   // the retry
        Volatile.Write(ref stalled, false);
        resume.SetResult();
        var resultA = await searchA;

        var trialInfo = (await b.GetTrialsAsync()).Single();
        var runA = await TrackingClients.Create(_test.Store).Runs.GetAsync(attemptA.Run.Id);
        Assert.That(trialInfo.StaleRunIds, Is.EqualTo(new[] { attemptA.Run.Id }));
        Assert.Multiple(() =>
        {
            Assert.That(resultA.Complete, Is.Zero, "A's result was refused; it should not count as completed by this call");
            Assert.That(runA.Status, Is.Not.EqualTo(RunStatus.Finished), "the taken-over attempt's run should not say Finished");
            Assert.That(runA.Tags["mlops.trial.state"], Is.Not.EqualTo("Complete"));
        });
    }

    // The trial's record cannot be written when the trial ends (a store outage): the exception surfaces, the run is killed
    // so that its heartbeat stops, and the trial goes stale (to be retried).
    [Test]
    public async Task EndingATrialFails_ItsRunStopsBeating_AndTheTrialGoesStale()
    {
        var faulty = new FaultInjectingObjectStore(_test.Store);
        var failEnd = false;
        faulty.FailWrite = key => Volatile.Read(ref failEnd) && key.Contains("/trials/", StringComparison.Ordinal) ? new ObjectStoreException("outage", key, null) : null;
        var a = await TrackingClients.Create(faulty).Studies.OpenAsync("outage", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });

        Assert.ThrowsAsync<ObjectStoreException>(() => a.OptimizeAsync((trial, _) => { trial.SuggestFloat("x", 0, 1); Volatile.Write(ref failEnd, true); return Task.FromResult(0.5); }, 1));
        Volatile.Write(ref failEnd, false);
        await Task.Delay(TimeSpan.FromSeconds(3));                  // > CrashGracePeriod

        var observer = await TrackingClients.Create(_test.Store).Studies.OpenAsync("outage", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        var trial = (await observer.GetTrialsAsync()).Single();
        Assert.That(trial.State, Is.EqualTo(TrialState.Stale), "an orphaned attempt stops beating, so it goes stale and is retried");
    }

    // The creator of a study stalls for longer than the grace period between creating the study's record and starting its
    // run; a second worker recovers it; the creator, back, finds the run and deletes nothing of it.
    [Test]
    public async Task SlowStudyCreator_AndRecoverer_TheStudyRunSurvives()
    {
        var faulty = new FaultInjectingObjectStore(_test.Store);
        var first = 0;
        faulty.FailWrite = key =>
        {
            if (key.StartsWith("heartbeats/", StringComparison.Ordinal) && Interlocked.Exchange(ref first, 1) == 0)
            {
                Thread.Sleep(TimeSpan.FromSeconds(4));            // the creator stalls before its run's first write
            }

            return null;
        };

        var creator = Task.Run(() => TrackingClients.Create(faulty).Studies.OpenAsync("slow-creator"));
        await Task.Delay(500);
        var joiner = await TrackingClients.Create(_test.Store).Studies.OpenAsync("slow-creator");   // recovers after 2 s
        try
        {
            await creator;
        }
        catch (Exception ex)
        {
            TestContext.Out.WriteLine($"creator: {ex.GetType().Name}: {ex.Message}");
        }

        var client = TrackingClients.Create(_test.Store);
        Assert.That(async () => await client.Runs.GetAsync(joiner.RunId), Throws.Nothing, "the study's run exists");
        var result = await joiner.OptimizeAsync((trial, _) => Task.FromResult(trial.SuggestFloat("x", 0, 1)), 1);
        Assert.That(result.Complete, Is.EqualTo(1));
    }

    [Test]
    public async Task TellAsync_Twice_ThrowsTheDocumentedTrialNotActiveException()
    {
        var study = await TrackingClients.Create(_test.Store).Studies.OpenAsync("tell-twice", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        var trial = await study.AskAsync();
        await study.TellAsync(trial, 1.0);
        Assert.That(() => study.TellAsync(trial, 2.0), Throws.InstanceOf<TrialNotActiveException>());
    }

    // MaxFailedTrials is reached by a NaN after an exception: the last exception is rethrown.
    [Test]
    public async Task MaxFailedTrials_ReachedByANaN_RethrowsTheLastObjectiveException()
    {
        var study = await TrackingClients.Create(_test.Store).Studies.OpenAsync("nan-last", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        var calls = 0;
        var error = Assert.ThrowsAsync<InvalidOperationException>(
            () => study.OptimizeAsync((_, _) => Interlocked.Increment(ref calls) == 1 ? throw new FormatException("first") : Task.FromResult(double.NaN), new SearchBudget { Trials = 10, MaxFailedTrials = 2 }));
        Assert.That(error!.Message, Does.Contain("NaN"), "the last failure, the NaN, is what stopped the search");
        Assert.That(calls, Is.EqualTo(2));
    }

    // A slot that faults (a store outage in AskAsync) stops the other slots, and the outage surfaces.
    [Test]
    public async Task ASlotFaults_TheOtherSlotsStopToo()
    {
        var faulty = new FaultInjectingObjectStore(_test.Store);
        var fail = 0;
        faulty.FailWrite = key => key.Contains("/trials/", StringComparison.Ordinal) && Interlocked.Increment(ref fail) == 3 ? new ObjectStoreException("blip", key, null) : null;
        var study = await TrackingClients.Create(faulty).Studies.OpenAsync("slot-fault", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var search = study.OptimizeAsync(async (trial, ct) => { await Task.Delay(20, ct); return trial.SuggestFloat("x", 0, 1); }, new SearchBudget { Parallelism = 2 }, timeout.Token);
        var error = Assert.ThrowsAsync<ObjectStoreException>(async () => await search);

        Assert.That(error, Is.Not.Null);
        Assert.That(timeout.IsCancellationRequested, Is.False, "the outage ends the search, not the cancellation");
    }

    [Test]
    public async Task ALiveTrialLongerThanTheGracePeriod_IsNeverMarkedStaleByAnotherWorker()
    {
        var a = await TrackingClients.Create(_test.Store).Studies.OpenAsync("long", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        var b = await TrackingClients.Create(_test.Store).Studies.OpenAsync("long", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        var search = a.OptimizeAsync(async (trial, ct) => { await Task.Delay(TimeSpan.FromSeconds(5), ct); return trial.SuggestFloat("x", 0, 1); }, 1);
        var states = new List<TrialState>();
        while (!search.IsCompleted)
        {
            states.AddRange((await b.GetTrialsAsync()).Select(t => t.State));
            await Task.Delay(300);
        }

        Assert.That((await search).Complete, Is.EqualTo(1));
        Assert.That(states, Has.None.EqualTo(TrialState.Stale));
    }

    [Test]
    public async Task StaleTrialRetriesZero_LeavesAStaleTrialStale_AndTheSearchGoesOnWithNewTrials()
    {
        var options = new StudyOptions { Sampler = new StudyTests.SeededRandom(1), StaleTrialRetries = 0 };
        var faulty = new FaultInjectingObjectStore(_test.Store);
        var stalled = false;
        faulty.FailWrite = key => Volatile.Read(ref stalled) && key.StartsWith("heartbeats/", StringComparison.Ordinal) ? new ObjectStoreException("paused", key, null) : null;
        var a = await TrackingClients.Create(faulty).Studies.OpenAsync("no-retries", options);
        var b = await TrackingClients.Create(_test.Store).Studies.OpenAsync("no-retries", options);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var searchA = a.OptimizeAsync(async (trial, ct) => { trial.SuggestFloat("x", 0, 1); Volatile.Write(ref stalled, true); started.TrySetResult(); await Task.Delay(Timeout.Infinite, ct); return 1.0; }, 1, stop.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(3));

        await b.OptimizeAsync((trial, _) => Task.FromResult(trial.SuggestFloat("x", 0, 1)), 2);
        await stop.CancelAsync();
        Assert.That(async () => await searchA, Throws.InstanceOf<OperationCanceledException>());

        var trials = await b.GetTrialsAsync();
        Assert.That(trials.Select(t => (t.Number, t.State)), Is.EqualTo(new[] { (0, TrialState.Stale), (1, TrialState.Complete), (2, TrialState.Complete) }));
    }

    [Test]
    public async Task TotalTrials_CountsEnqueuedTrials_WhichAreTakenFirst()
    {
        var study = await TrackingClients.Create(_test.Store).Studies.OpenAsync("total-enqueued", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        await study.EnqueueTrialAsync(new Dictionary<string, object?> { ["x"] = 0.5 });
        await study.EnqueueTrialAsync(new Dictionary<string, object?> { ["x"] = 0.25 });

        var result = await study.OptimizeAsync((trial, _) => Task.FromResult(trial.SuggestFloat("x", 0, 1)), new SearchBudget { TotalTrials = 3, Parallelism = 2 });

        var trials = await study.GetTrialsAsync();
        Assert.That(result.Complete, Is.EqualTo(3));
        Assert.That(trials.Select(t => t.Number), Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(trials.Take(2).Select(t => t.Parameters["x"]), Is.EqualTo(new object[] { 0.5, 0.25 }));
    }
}
