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
        Assert.That((await WhenStaleAsync(b)).State, Is.EqualTo(TrialState.Stale));
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

        var observer = await TrackingClients.Create(_test.Store).Studies.OpenAsync("outage", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        var trial = await WhenStaleAsync(observer);
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
        Assert.That((await WhenStaleAsync(b)).State, Is.EqualTo(TrialState.Stale));

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

    // The background writer fails with something other than ObjectStoreException (Azure.Core's network timeout is a
    // TaskCanceledException): the trial's end still records it.
    [Test]
    public async Task BackgroundWriterFailsUnexpectedly_TheEndStillRecordsTheTrial()
    {
        var faulty = new FaultInjectingObjectStore(_test.Store);
        var fail = false;
        faulty.FailWrite = key => Volatile.Read(ref fail) && key.Contains("/trials/", StringComparison.Ordinal) ? new TaskCanceledException("network timeout") : null;
        var a = await TrackingClients.Create(faulty).Studies.OpenAsync("persist-throws", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        var trial = await a.AskAsync();
        Volatile.Write(ref fail, true);
        trial.SuggestFloat("x", 0, 1);
        await Task.Delay(300);                          // the 50 ms background write fails
        Volatile.Write(ref fail, false);                // the store is fine again

        var tell = await CatchAsync(() => a.TellAsync(trial, 0.5));
        TestContext.Out.WriteLine($"tell: {tell?.GetType().Name}: {tell?.Message}");
        await Task.Delay(TimeSpan.FromSeconds(3));      // > CrashGracePeriod (2 s)

        var observer = await TrackingClients.Create(_test.Store).Studies.OpenAsync("persist-throws", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        var info = (await observer.GetTrialsAsync()).Single();
        Assert.Multiple(() =>
        {
            Assert.That(tell, Is.Null.Or.InstanceOf<ObjectStoreException>(), "the store was fine when the trial was told");
            Assert.That(info.State, Is.EqualTo(TrialState.Complete), "the store was fine when the trial was told");
        });
    }

    // Ending a trial twice at once (two threads of an ask/tell loop, or TellAsync inside an OptimizeAsync objective): the
    // first ends it, the second is refused and touches nothing.
    [Test]
    public async Task TellInsideTheObjective_TheTellEndsTheTrial_AndTheSearchDoesNotCountItAgain()
    {
        var study = await TrackingClients.Create(_test.Store).Studies.OpenAsync("tell-inside", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        var result = await study.OptimizeAsync(async (trial, _) =>
        {
            trial.SuggestFloat("x", 0, 1);
            await study.TellAsync(trial, TrialState.Pruned, CancellationToken.None);
            return 1.0;
        }, 1);
        Assert.That(result.Complete + result.Pruned, Is.Zero, "the search did not end it");
        Assert.That((await study.GetTrialsAsync()).Single().State, Is.EqualTo(TrialState.Pruned), "the objective's own Tell did");
    }

    [Test]
    public async Task TellTwiceConcurrently_TheSecondIsTrialNotActive_AndTheRunIsFinished()
    {
        var client = TrackingClients.Create(_test.Store);
        var study = await client.Studies.OpenAsync("tell-race", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        var errors = new List<Exception>();
        var killed = 0;
        for (var i = 0; i < 20; i++)
        {
            var trial = await study.AskAsync();
            trial.SuggestFloat("x", 0, 1);
            var t1 = Task.Run(() => study.TellAsync(trial, 1.0));
            var t2 = Task.Run(() => study.TellAsync(trial, 2.0));
            foreach (var t in new[] { t1, t2 })
            {
                try { await t; } catch (Exception ex) { errors.Add(ex); }
            }

            var run = await client.Runs.GetAsync(trial.Run.Id);
            if (run.Status != RunStatus.Finished)
            {
                killed++;
            }
        }

        TestContext.Out.WriteLine(string.Join("\n", errors.GroupBy(e => e.GetType().Name).Select(g => $"{g.Key} x{g.Count()}")));
        Assert.Multiple(() =>
        {
            Assert.That(errors, Has.All.InstanceOf<TrialNotActiveException>());
            Assert.That(killed, Is.Zero, "a Complete trial's run was killed by the losing Tell");
        });
    }

    // Another worker's trial reaches the target while this worker's trial runs: no further trial starts here.
    [Test]
    public async Task TargetReachedByAnotherWorker_DuringThisWorkersTrial_NoFurtherTrialStarts()
    {
        var a = await TrackingClients.Create(_test.Store).Studies.OpenAsync("target", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        var b = await TrackingClients.Create(_test.Store).Studies.OpenAsync("target", new StudyOptions { Sampler = new StudyTests.SeededRandom(2) });
        var bStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bTrials = 0;
        var searchB = b.OptimizeAsync(async (trial, _) =>
        {
            trial.SuggestFloat("x", 0, 1);
            if (Interlocked.Increment(ref bTrials) == 1)
            {
                bStarted.SetResult();
                await release.Task;
            }

            return 10.0;
        }, new SearchBudget { Trials = 5, TargetValue = 1.0 });
        await bStarted.Task;
        await a.OptimizeAsync((trial, _) => { trial.SuggestFloat("x", 0, 1); return Task.FromResult(0.0); }, 1);   // reaches the target
        await Task.Delay(200);
        release.SetResult();
        var result = await searchB;

        Assert.Multiple(() =>
        {
            Assert.That(result.StopReason, Is.EqualTo(SearchStopReason.TargetReached));
            Assert.That(bTrials, Is.EqualTo(1), "B started a trial after the study's best had reached the target");
        });
    }

    // A whole-store outage when the trial ends: the record and the run's end both fail; the run is abandoned (its
    // heartbeat stops), so once the store is back the trial goes stale, to be retried.
    [Test]
    public async Task WholeStoreOutageAtTheEnd_TheTrialStillGoesStale()
    {
        var faulty = new FaultInjectingObjectStore(_test.Store);
        var outage = false;
        faulty.FailWrite = key => Volatile.Read(ref outage) ? new ObjectStoreException("outage", key, null) : null;
        var a = await TrackingClients.Create(faulty).Studies.OpenAsync("outage-all", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        var error = await CatchAsync(() => a.OptimizeAsync((trial, _) => { trial.SuggestFloat("x", 0, 1); Volatile.Write(ref outage, true); return Task.FromResult(0.5); }, 1));
        TestContext.Out.WriteLine($"optimize: {error?.GetType().Name}: {error?.Message}");
        Volatile.Write(ref outage, false);               // the store is back

        var observer = await TrackingClients.Create(_test.Store).Studies.OpenAsync("outage-all", new StudyOptions { Sampler = new StudyTests.SeededRandom(1) });
        var info = await WhenStaleAsync(observer);
        var run = await TrackingClients.Create(_test.Store).Runs.GetAsync(info.RunId!);
        Assert.That(error, Is.InstanceOf<ObjectStoreException>(), "the outage surfaces");
        Assert.That(info.State, Is.EqualTo(TrialState.Stale), "an unrecorded attempt stops beating, so it goes stale and is retried");
        Assert.That(run.Status, Is.EqualTo(RunStatus.Crashed));
    }

    /// <summary>
    /// The study's one trial once it is Stale, or as it is after 20 s: staleness takes the grace period (2 s) past the
    /// last heartbeat by the store's clock, which Azurite keeps in whole seconds, so no fixed wait fits every store.
    /// </summary>
    private static async Task<TrialInfo> WhenStaleAsync(Study study)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var trial = (await study.GetTrialsAsync()).Single();
        while (trial.State != TrialState.Stale && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(100);
            trial = (await study.GetTrialsAsync()).Single();
        }

        return trial;
    }

    private static async Task<Exception?> CatchAsync(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
