using System.Collections.Concurrent;
using MlOps.Sdk.Search;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Search;

/// <summary>Studies on every store: define-by-run, ask/tell, enqueued trials, budgets, parallel trials, results.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class StudyTests(StoreKind kind)
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
    public async Task OptimizeAsync_RunsEachTrialAsAChildRunOfTheStudy_AndFindsTheBest()
    {
        var study = await _client.Studies.OpenAsync("quadratic", new StudyOptions { Sampler = new SeededRandom(7) });

        var result = await study.OptimizeAsync((trial, _) =>
        {
            var x = trial.SuggestFloat("x", -10, 10);
            var n = trial.SuggestInt("n", 1, 5);
            var kind = trial.SuggestCategorical("kind", "a", "b");
            return Task.FromResult(((x - 2) * (x - 2)) + n + (kind == "b" ? 1 : 0));
        }, 12);

        var trials = await study.GetTrialsAsync();
        var children = await _client.Runs.SearchAsync(new RunQuery { Experiments = { "quadratic" }, Filter = $"attributes.parent_run_id = '{study.RunId}'" }).ToListAsync();
        var best = trials.Where(t => t.State == TrialState.Complete).MinBy(t => t.Value)!;
        var bestRun = await _client.Runs.GetAsync(best.RunId!);
        Assert.That(result.Complete, Is.EqualTo(12));
        Assert.That(result.StopReason, Is.EqualTo(SearchStopReason.TrialsRun));
        Assert.That(trials.Select(t => t.Number), Is.EqualTo(Enumerable.Range(0, 12)));
        Assert.That(trials.All(t => t.State == TrialState.Complete), Is.True);
        Assert.That(result.BestTrial!.Number, Is.EqualTo(best.Number));
        Assert.That(children, Has.Count.EqualTo(12), "every trial is a child run of the study's run");
        Assert.That(children.All(r => r.Status == RunStatus.Finished), Is.True);
        Assert.That(bestRun.Parameters["x"], Is.EqualTo(((double)best.Parameters["x"]).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(bestRun.Metrics["value"].Last, Is.EqualTo(best.Value));
        Assert.That(bestRun.Tags["mlops.trial"], Is.EqualTo(best.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(best.Parameters["n"], Is.TypeOf<int>());
        Assert.That(best.Duration, Is.Not.Null);
        Assert.That((await _client.Runs.GetAsync(study.RunId)).Tags["mlops.study.best_trial"], Is.EqualTo(best.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public async Task OptimizeAsync_WithConditionalSpace_RecordsOnlyTheBranchTaken()
    {
        var study = await _client.Studies.OpenAsync("branches", new StudyOptions { Sampler = new SeededRandom(3) });

        await study.OptimizeAsync((trial, _) =>
        {
            var model = trial.SuggestCategorical("model", "tree", "linear");
            return Task.FromResult(model == "tree"
                ? trial.SuggestInt("leaves", 2, 64, log: true)
                : trial.SuggestFloat("l2", 1e-4, 1, log: true));
        }, 16);

        var trials = await study.GetTrialsAsync();
        Assert.That(trials.Select(t => t.Parameters["model"]).Distinct().Count(), Is.EqualTo(2), "both branches were taken");
        foreach (var trial in trials)
        {
            var expected = (string)trial.Parameters["model"] == "tree" ? new[] { "leaves", "model" } : ["l2", "model"];
            Assert.That(trial.Parameters.Keys.Order(), Is.EqualTo(expected));
        }
    }

    [Test]
    public async Task AskAndTell_DriveALoopTheLibraryDoesNotOwn()
    {
        var study = await _client.Studies.OpenAsync("ask-tell", new StudyOptions { Direction = StudyDirection.Maximize, Sampler = new SeededRandom(1) });

        var first = await study.AskAsync();
        var x = first.SuggestFloat("x", 0, 1);
        first.Report(x / 2, 0);
        var told = await study.TellAsync(first, x);
        var second = await study.AskAsync();
        second.SuggestFloat("x", 0, 1);
        var pruned = await study.TellAsync(second, TrialState.Pruned);
        var third = await study.AskAsync();
        var failed = await study.TellAsync(third, double.NaN);
        var again = Assert.Throws<TrialNotActiveException>(() => study.TellAsync(first, 1.0));
        var wrongState = Assert.Throws<ArgumentException>(() => study.TellAsync(third, TrialState.Complete));
        var afterEnd = Assert.Throws<TrialNotActiveException>(() => first.SuggestFloat("y", 0, 1));

        Assert.That(told.State, Is.EqualTo(TrialState.Complete));
        Assert.That(told.Value, Is.EqualTo(x));
        Assert.That(told.IntermediateValues[0], Is.EqualTo(x / 2));
        Assert.That(pruned.State, Is.EqualTo(TrialState.Pruned));
        Assert.That(failed.State, Is.EqualTo(TrialState.Failed));
        Assert.That(failed.FailureReason, Does.Contain("NaN"));
        Assert.That(again!.State, Is.EqualTo(TrialState.Complete));
        Assert.That(wrongState!.ParamName, Is.EqualTo("state"));
        Assert.That(afterEnd, Is.Not.Null);
        Assert.That((await _client.Runs.GetAsync(second.Run.Id)).Tags["mlops.trial.state"], Is.EqualTo("Pruned"));
        Assert.That((await _client.Runs.GetAsync(third.Run.Id)).Status, Is.EqualTo(RunStatus.Failed));
        Assert.That((await study.GetBestTrialAsync())!.Number, Is.EqualTo(0));
    }

    [Test]
    public async Task EnqueueTrialAsync_ItsFixedValuesAreUsedFirst_AndOthersAreSampled()
    {
        var study = await _client.Studies.OpenAsync("enqueued", new StudyOptions { Sampler = new SeededRandom(5) });
        var number = await study.EnqueueTrialAsync(new Dictionary<string, object?> { ["x"] = 0.25, ["kind"] = "b" });
        var waiting = (await study.GetTrialsAsync()).Single();

        await study.OptimizeAsync((trial, _) => Task.FromResult(trial.SuggestFloat("x", 0, 1) + trial.SuggestFloat("y", 0, 1) + (trial.SuggestCategorical("kind", "a", "b") == "a" ? 0 : 1)), 3);

        var trials = await study.GetTrialsAsync();
        Assert.That(number, Is.EqualTo(0));
        Assert.That(waiting.State, Is.EqualTo(TrialState.Waiting));
        Assert.That(waiting.EnqueuedParameters!["x"], Is.EqualTo("0.25"));
        Assert.That(trials[0].Parameters["x"], Is.EqualTo(0.25));
        Assert.That(trials[0].Parameters["kind"], Is.EqualTo("b"));
        Assert.That(trials[0].Parameters.ContainsKey("y"), Is.True);
        Assert.That(trials.Select(t => t.Number), Is.EqualTo(new[] { 0, 1, 2 }));
    }

    [Test]
    public async Task EnqueuedValueOutsideTheRange_FailsThatTrialNamingIt()
    {
        var study = await _client.Studies.OpenAsync("enqueued-bad", new StudyOptions { Sampler = new SeededRandom(5) });
        await study.EnqueueTrialAsync(new Dictionary<string, object?> { ["x"] = 7 });

        var error = Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => study.OptimizeAsync((trial, _) => Task.FromResult(trial.SuggestFloat("x", 0, 1)), 5));

        var trial = (await study.GetTrialsAsync()).Single();
        Assert.That(error!.Message, Does.Contain("'x'").And.Contain("7"));
        Assert.That(trial.State, Is.EqualTo(TrialState.Failed));
        Assert.That(trial.FailureReason, Does.Contain("ArgumentOutOfRangeException"));
    }

    [Test]
    public async Task Parallelism_RunsTrialsAtOnce_WithUniqueNumbers()
    {
        var study = await _client.Studies.OpenAsync("parallel", new StudyOptions { Sampler = new SeededRandom(2) });
        var running = 0;
        var most = 0;
        var fourAtOnce = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var result = await study.OptimizeAsync(
            async (trial, ct) =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                if (now == 4)
                {
                    fourAtOnce.TrySetResult();
                }

                var x = trial.SuggestFloat("x", 0, 1);

                // The first trials wait for each other (however slow the store), so they must all be running at once.
                if (trial.Number < 4)
                {
                    await fourAtOnce.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
                }

                await Task.Delay(20, ct);
                Interlocked.Decrement(ref running);
                return x;
            },
            new SearchBudget { Trials = 16, Parallelism = 4 });

        var trials = await study.GetTrialsAsync();
        Assert.That(result.Complete, Is.EqualTo(16));
        Assert.That(most, Is.EqualTo(4), "four trials ran at once");
        Assert.That(trials.Select(t => t.Number), Is.EqualTo(Enumerable.Range(0, 16)));
        Assert.That(trials.Select(t => t.RunId).Distinct().Count(), Is.EqualTo(16));
    }

    [Test]
    public async Task TotalTrials_IsRespectedByConcurrentSearchesOfOneStudy()
    {
        var options = new StudyOptions { Sampler = new SeededRandom(4) };
        var first = await _client.Studies.OpenAsync("total", options);
        var second = await TrackingClients.Create(_test.Store).Studies.OpenAsync("total", options);
        var budget = new SearchBudget { TotalTrials = 10, Parallelism = 3 };
        async Task<double> Objective(Trial trial, CancellationToken ct)
        {
            await Task.Delay(20, ct);
            return trial.SuggestFloat("x", 0, 1);
        }

        var results = await Task.WhenAll(first.OptimizeAsync(Objective, budget), second.OptimizeAsync(Objective, budget));

        var trials = await first.GetTrialsAsync();
        Assert.That(results.Sum(r => r.Complete), Is.EqualTo(10));
        Assert.That(results.All(r => r.StopReason == SearchStopReason.TotalTrialsReached), Is.True);
        Assert.That(trials.Select(t => t.Number), Is.EqualTo(Enumerable.Range(0, 10)));
    }

    [Test]
    public async Task Budget_StopsAtTheTargetValue_TheTimeout_AndTooManyFailures()
    {
        var study = await _client.Studies.OpenAsync("budgets", new StudyOptions { Sampler = new SeededRandom(9) });
        var counter = 0;

        var target = await study.OptimizeAsync((_, _) => Task.FromResult(10.0 - Interlocked.Increment(ref counter)), new SearchBudget { Trials = 100, TargetValue = 5 });
        var timed = await study.OptimizeAsync(async (_, ct) => { await Task.Delay(50, ct); return 1.0; }, new SearchBudget { Timeout = TimeSpan.FromMilliseconds(300) });
        var failures = 0;
        var failing = Assert.ThrowsAsync<InvalidOperationException>(() => study.OptimizeAsync(
            (_, _) => Interlocked.Increment(ref failures) % 2 == 0 ? throw new InvalidOperationException($"boom {failures}") : Task.FromResult(3.0),
            new SearchBudget { Trials = 100, MaxFailedTrials = 3 }));

        Assert.That(target.StopReason, Is.EqualTo(SearchStopReason.TargetReached));
        Assert.That(target.Complete, Is.EqualTo(5), "values 9, 8, 7, 6, 5: the fifth reaches the target");
        Assert.That(timed.StopReason, Is.EqualTo(SearchStopReason.Timeout));
        Assert.That(timed.Complete, Is.InRange(1, 7));
        Assert.That(timed.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(300)));
        Assert.That(failing!.Message, Is.EqualTo("boom 6"), "the third failure's own exception is rethrown");
        Assert.That((await study.GetTrialsAsync()).Count(t => t.State == TrialState.Failed), Is.EqualTo(3));
    }

    [Test]
    public async Task FirstFailure_StopsTheSearchByDefault_WithTheObjectivesException()
    {
        var study = await _client.Studies.OpenAsync("fails", new StudyOptions { Sampler = new SeededRandom(9) });

        var error = Assert.ThrowsAsync<FormatException>(() => study.OptimizeAsync((_, _) => throw new FormatException("bad row 17"), 10));

        var trial = (await study.GetTrialsAsync()).Single();
        var run = await _client.Runs.GetAsync(trial.RunId!);
        Assert.That(error!.Message, Is.EqualTo("bad row 17"));
        Assert.That(trial.State, Is.EqualTo(TrialState.Failed));
        Assert.That(trial.FailureReason, Is.EqualTo("System.FormatException: bad row 17"));
        Assert.That(run.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(run.Failure!.Message, Does.Contain("bad row 17"));
    }

    [Test]
    public async Task Cancellation_StopsTheSearch_TheRunningTrialIsRecordedAndItsRunKilled()
    {
        var study = await _client.Studies.OpenAsync("cancelled", new StudyOptions { Sampler = new SeededRandom(9) });
        using var cancellation = new CancellationTokenSource();
        var started = new TaskCompletionSource<Trial>(TaskCreationOptions.RunContinuationsAsynchronously);

        var search = study.OptimizeAsync(async (trial, ct) => { started.TrySetResult(trial); await Task.Delay(Timeout.Infinite, ct); return 0; }, 5, cancellation.Token);
        var running = await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cancellation.CancelAsync();

        Assert.That(async () => await search, Throws.InstanceOf<OperationCanceledException>());
        var trial = (await study.GetTrialsAsync()).Single();
        Assert.That(trial.State, Is.EqualTo(TrialState.Failed));
        Assert.That(trial.FailureReason, Is.EqualTo("Cancelled."));
        Assert.That((await _client.Runs.GetAsync(running.Run.Id)).Status, Is.EqualTo(RunStatus.Killed));
    }

    [Test]
    public async Task PrunerAndReports_PruneTrialsAndKeepTheirIntermediateValues()
    {
        var study = await _client.Studies.OpenAsync("pruned", new StudyOptions { Sampler = new SeededRandom(11), Pruner = new AboveHalfAfterThreeSteps() });

        var result = await study.OptimizeAsync((trial, _) =>
        {
            var x = trial.SuggestFloat("x", 0, 1);
            for (var step = 0; step < 10; step++)
            {
                trial.Report(x, step);
                if (trial.ShouldPrune)
                {
                    throw new TrialPrunedException();
                }
            }

            return Task.FromResult(x);
        }, 20);

        var trials = await study.GetTrialsAsync();
        var pruned = trials.Where(t => t.State == TrialState.Pruned).ToList();
        Assert.That(result.Pruned, Is.EqualTo(pruned.Count).And.GreaterThan(0));
        Assert.That(pruned.All(t => (double)t.Parameters["x"] > 0.5 && t.IntermediateValues.Count == 4), Is.True, "pruned at step 3 with its four reports");
        Assert.That(trials.Where(t => t.State == TrialState.Complete).All(t => t.Value <= 0.5 && t.IntermediateValues.Count == 10), Is.True);
        var history = await _client.Runs.GetMetricHistoryAsync(pruned[0].RunId!, "intermediate_value");
        Assert.That(history.Select(p => p.Step), Is.EqualTo(new long[] { 0, 1, 2, 3 }));
    }

    [Test]
    public async Task ReopeningAStudy_ResumesItsNumbering_AndItsBestSpansBothSessions()
    {
        var options = new StudyOptions { Sampler = new SeededRandom(8), Direction = StudyDirection.Maximize };
        var first = await _client.Studies.OpenAsync("resumed", options);
        await first.OptimizeAsync((trial, _) => Task.FromResult(trial.Number == 1 ? 100.0 : trial.SuggestFloat("x", 0, 1)), 3);

        var reopened = await TrackingClients.Create(_test.Store).Studies.OpenAsync("resumed", options);
        var result = await reopened.OptimizeAsync((trial, _) => Task.FromResult(trial.SuggestFloat("x", 0, 1)), 3);
        var wrongDirection = Assert.ThrowsAsync<StudyConflictException>(() => _client.Studies.OpenAsync("resumed"));

        Assert.That((await reopened.GetTrialsAsync()).Select(t => t.Number), Is.EqualTo(Enumerable.Range(0, 6)));
        Assert.That(result.BestTrial!.Number, Is.EqualTo(1));
        Assert.That(reopened.RunId, Is.EqualTo(first.RunId));
        Assert.That(wrongDirection!.Message, Does.Contain("maximizes"));
        Assert.That(await _client.Studies.ListAsync().ToListAsync(), Is.EqualTo(new[] { "resumed" }));
    }

    [Test]
    public async Task WriteTrialsCsvAsync_WritesOneRowPerTrial_WithAColumnPerParameter()
    {
        var study = await _client.Studies.OpenAsync("table", new StudyOptions { Sampler = new SeededRandom(3) });
        await study.EnqueueTrialAsync(new Dictionary<string, object?> { ["model"] = "tree, deep" });
        await study.EnqueueTrialAsync(new Dictionary<string, object?> { ["model"] = "linear" });
        await study.OptimizeAsync((trial, _) =>
        {
            var model = trial.SuggestCategorical("model", "tree, deep", "linear");
            trial.Report(0.5, 3);
            return Task.FromResult(model == "linear" ? trial.SuggestFloat("l2", 0, 1) : trial.SuggestInt("leaves", 2, 8));
        }, 6);
        using var writer = new StringWriter();

        await study.WriteTrialsCsvAsync(writer);

        var lines = writer.ToString().TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var trials = await study.GetTrialsAsync();
        Assert.That(lines[0], Is.EqualTo("number,state,value,start,duration_s,worker,run_id,params.l2,params.leaves,params.model,last_step,last_intermediate_value"));
        Assert.That(lines, Has.Count.EqualTo(7));
        foreach (var trial in trials)
        {
            var row = lines[trial.Number + 1];
            Assert.That(row, Does.StartWith($"{trial.Number},Complete,{trial.Value!.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)},"));
            Assert.That(row, Does.Contain(trial.RunId!));
            Assert.That(row, Does.EndWith(",3,0.5"));
            Assert.That(row, Does.Contain((string)trial.Parameters["model"] == "linear" ? ",linear," : ",\"tree, deep\","));
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    /// <summary>A uniform sampler for tests that do not test sampling.</summary>
    internal sealed class SeededRandom(int seed) : Sampler
    {
        public override double SampleIndependent(SamplingContext context, string name, ParameterDistribution distribution)
        {
            // Not HashCode.Combine: it is seeded differently in every process.
            var hash = (seed * 1_000_003L) + (context.TrialNumber * 7_919L);
            foreach (var c in name)
            {
                hash = (hash * 31) + c;
            }

            var random = new Random((int)(hash & 0x7fffffff));
            return distribution switch
            {
                FloatDistribution f when f.Log => f.Clamp(Math.Exp(Math.Log(f.Low) + (random.NextDouble() * (Math.Log(f.High) - Math.Log(f.Low))))),
                FloatDistribution f => f.Clamp(f.Low + (random.NextDouble() * (f.High - f.Low))),
                IntDistribution i => i.Clamp(random.Next(i.Low, i.High + 1)),
                CategoricalDistribution c => random.Next(c.Choices.Count),
                _ => throw new NotSupportedException(),
            };
        }
    }

    private sealed class AboveHalfAfterThreeSteps : Pruner
    {
        public override bool ShouldPrune(PruningContext context) => context.Step >= 3 && context.IntermediateValues[context.Step] > 0.5;
    }
}
