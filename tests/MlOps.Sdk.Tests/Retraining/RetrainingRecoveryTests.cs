using Microsoft.Extensions.Time.Testing;
using MlOps.Sdk.Retraining;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;
using static MlOps.Sdk.Tests.Retraining.RetrainingScenario;

namespace MlOps.Sdk.Tests.Retraining;

/// <summary>
/// Failures half-way and races the review found (a store outage between the record and the aliases, a stale pass, a crash
/// after a claim, a cancelled attempt, an approval between a listing and a swap), each recovered from as documented.
/// </summary>
public sealed class RetrainingRecoveryTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(30);
    private FakeTimeProvider _time = null!;
    private InMemoryObjectStore _inner = null!;
    private FaultInjectingObjectStore _faulty = null!;
    private MlOpsClient _client = null!;   // over the faulty store
    private MlOpsClient _other = null!;    // another process, over the same store without faults

    [SetUp]
    public async Task SetUp()
    {
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
        _inner = new InMemoryObjectStore(timeProvider: _time);
        _faulty = new FaultInjectingObjectStore(_inner);
        _client = NewClient(_faulty);
        _other = NewClient(_inner);
        await RegisterHoldoutAsync(_other);
        await RegisterPointsAsync(_other, Labels.Noisy);
        await _other.Retraining.Create(Policy()).RunOnceAsync(); // version 1 in production
        await RegisterPointsAsync(_other, Labels.Clean);
    }

    [Test]
    public async Task Rollout_AFailureBetweenThePromotedStateAndTheProductionMove_IsRepairedByALaterPass()
    {
        var retrainer = _client.Retraining.Create(Canary());
        await retrainer.RunOnceAsync();
        for (var i = 0; i < 2; i++)
        {
            _time.Advance(Step);
            await retrainer.RunOnceAsync(); // 25 %, then 50 %
        }

        _faulty.FailWrite = key => key.EndsWith("/aliases/production.json", StringComparison.Ordinal) ? new IOException("outage") : null;
        _time.Advance(Step);
        Assert.CatchAsync(() => retrainer.RunOnceAsync()); // the last step held; production's write fails
        _faulty.FailWrite = null;
        _time.Advance(Step);
        await retrainer.RunOnceAsync();
        await retrainer.RunOnceAsync();

        var aliases = await _other.Models.GetAliasesAsync("points");
        var status = await _other.Retraining.GetRolloutAsync("points");
        Assert.That(
            (aliases["production"], aliases.ContainsKey("canary")),
            Is.EqualTo((2, false)),
            $"rollout state '{status!.State}', canary {(aliases.TryGetValue("canary", out var c) ? $"-> {c} at {await _other.Models.GetTrafficAsync("points", "canary")}" : "cleared")}: the rollout says promoted, production never moved and the canary serves 50 % for ever");
    }

    [Test]
    public async Task Rollout_AFailureBetweenTheRolledBackStateAndClearingTheCanary_IsRepairedByALaterPass()
    {
        var policy = Canary();
        policy.Canary.LiveCheck = (check, _) => Task.FromResult(check.Weight >= 0.25 ? RolloutHealth.Unhealthy("live AUC dropped") : RolloutHealth.Ok);
        var retrainer = _client.Retraining.Create(policy);
        await retrainer.RunOnceAsync();
        _time.Advance(Step);
        await retrainer.RunOnceAsync(); // 25 %

        _faulty.FailWrite = key => key.EndsWith("/aliases/canary.json", StringComparison.Ordinal) ? new IOException("outage") : null;
        Assert.CatchAsync(() => retrainer.RunOnceAsync()); // unhealthy: rolled back in the record, the canary's clear fails
        _faulty.FailWrite = null;
        await retrainer.RunOnceAsync();
        await retrainer.RunOnceAsync();

        var aliases = await _other.Models.GetAliasesAsync("points");
        Assert.That((await _other.Retraining.GetRolloutAsync("points"))!.State, Is.EqualTo(RolloutState.RolledBack));
        Assert.That(aliases.ContainsKey("canary"), Is.False, $"the unhealthy challenger still gets {await _other.Models.GetTrafficAsync("points", "canary")} of the traffic after its rollback");
    }

    [Test]
    public async Task Rollout_APassThatReadTheRecordBeforeAnAbort_DoesNotPutTheCanaryBack()
    {
        var retrainer = _client.Retraining.Create(Canary());
        await retrainer.RunOnceAsync(); // canary at 5 %

        var sawRollout = false;
        var aborted = false;
        _faulty.FailRead = key =>
        {
            if (key.EndsWith("/rollout.json", StringComparison.Ordinal))
            {
                sawRollout = true;
            }
            else if (sawRollout && !aborted && key.Contains("/aliases/", StringComparison.Ordinal))
            {
                aborted = true; // the on-call aborts between this pass's read of the rollout and its look at the aliases
                Assert.That(_other.Retraining.AbortRolloutAsync("points", "the on-call wants it out").GetAwaiter().GetResult(), Is.True);
            }

            return null;
        };
        await retrainer.RunOnceAsync();
        _faulty.FailRead = null;
        _time.Advance(Step);
        await retrainer.RunOnceAsync();

        Assert.That(aborted, Is.True);
        Assert.That((await _other.Retraining.GetRolloutAsync("points"))!.State, Is.EqualTo(RolloutState.RolledBack));
        var aliases = await _other.Models.GetAliasesAsync("points");
        Assert.That(aliases.ContainsKey("canary"), Is.False, $"an aborted canary serves again at {await _other.Models.GetTrafficAsync("points", "canary")}, and no later pass clears it");
    }

    [Test]
    public async Task Request_ClaimedByAnAttemptThatLaterCrashes_IsTakenOver_NotForgotten()
    {
        var id = await _other.Retraining.RequestAsync("points", "the analyst asked");

        // Process A picks the request up, starts the attempt's run, and dies (its writes fail from now on).
        var occurrence = new TriggerOccurrence($"request:{id}", RetrainingTriggerKind.Manual, "the analyst asked", null);
        var token = await _client.Retraining.ClaimAsync("points", occurrence, CancellationToken.None);
        Assert.That(token, Is.Not.Null);
        var run = await _client.Runs.StartAsync("points-retraining", new StartRunOptions { Name = "retrain points" });
        Assert.That(await _client.Retraining.RecordClaimAsync("points", occurrence.Key, token!, run.Id, null, CancellationToken.None), Is.True);
        _faulty.FailWrite = _ => new IOException("process A is gone");

        // Process B passes while A's run still looks alive: the claim is A's, so B makes no attempt...
        var requestsOnly = Policy();
        requestsOnly.Triggers.Clear();
        var retrainer = _other.Retraining.Create(requestsOnly);
        var whileAlive = await retrainer.RunOnceAsync();

        // ... and once A's heartbeat is stale, the crashed claim should be taken over (docs/retraining.md).
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.That((await _other.Runs.GetAsync(run.Id)).Status, Is.EqualTo(RunStatus.Crashed));
        var afterCrash = await retrainer.RunOnceAsync();

        Assert.That(whileAlive, Is.Empty);
        Assert.That(afterCrash.Select(a => a.Trigger).ToList(), Is.EqualTo(new[] { RetrainingTriggerKind.Manual }), "the request was deleted by the pass that found it claimed, so its crash is never retried");
    }

    [Test]
    public async Task Cancellation_OfAnAttempt_DoesNotLoseTheDatasetVersionForGood()
    {
        using var cts = new CancellationTokenSource();
        var policy = Policy();
        var inner = policy.Options!;
        policy.Options = context =>
        {
            cts.Cancel(); // the host stops (a deployment) while the attempt runs
            return inner(context);
        };
        Assert.CatchAsync<OperationCanceledException>(() => _other.Retraining.Create(policy).RunOnceAsync(cts.Token));

        var restarted = await _other.Retraining.Create(Policy()).RunOnceAsync();

        Assert.That(restarted, Has.Count.EqualTo(1), "the claim of datasets:/points/2 is recorded 'cancelled', so no retrainer ever trains on that version");
    }

    [Test]
    public async Task Approval_ANewerChallengerDoesNotMarkAnApprovedAndPromotedOneSuperseded()
    {
        var waiting = (await _other.Retraining.Create(Policy(RolloutStrategy.Approval)).RunOnceAsync()).Single();
        Assert.That(waiting.Outcome, Is.EqualTo(RetrainingOutcome.WaitingForApproval));
        var key = $"retraining/points/approvals/{waiting.Challenger}.json";
        var reads = 0;
        _faulty.FailRead = k =>
        {
            if (k == key && ++reads == 2)
            {
                // Alice approves between the newer attempt's listing (it saw 'waiting') and its compare-and-swap.
                _other.Retraining.ApproveAsync("points", waiting.Challenger!.Value, "alice", "ship it").GetAwaiter().GetResult();
            }

            return null;
        };

        await RegisterPointsAsync(_other, Labels.Clean, seed: 7);
        var newer = await _client.Retraining.Create(Policy(RolloutStrategy.Approval)).RetrainAsync("newer data");
        _faulty.FailRead = null;

        Assert.That(reads, Is.GreaterThanOrEqualTo(2));
        Assert.That((await _other.Models.GetAliasesAsync("points"))["production"], Is.EqualTo(waiting.Challenger), "alice's approval moved production");
        var recorded = (await _other.Retraining.GetAttemptsAsync("points")).Single(a => a.RunId == waiting.RunId);
        Assert.That(recorded.Outcome, Is.EqualTo(RetrainingOutcome.Promoted), $"the version serving production is recorded '{recorded.Outcome}': {recorded.Reason}");
        Assert.That(newer.Outcome, Is.EqualTo(RetrainingOutcome.WaitingForApproval));
    }

    [Test]
    public void Cron_AStepOnAStarDayOfMonth_CountsAsUnrestricted_AsCronDoes()
    {
        // Vixie cron/cronie set DOM_STAR for any field starting with '*': '*/2' with a weekday means odd days that are Mondays.
        var wednesday25th = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

        Assert.That(CronSchedule.Parse("0 0 */2 * 1").GetPreviousOccurrence(wednesday25th), Is.EqualTo(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero)));
    }

    private MlOpsClient NewClient(ObjectStore store)
    {
        var options = new MlOpsOptions { Environment = "test" };
        options.ContentCache.Enabled = false;
        TrackingClients.Fast(options.Tracking);
        return new MlOpsClient(store, options, timeProvider: _time);
    }

    private static RetrainingPolicy<PointOptions> Canary()
    {
        var policy = Policy(RolloutStrategy.Canary);
        policy.Canary.StepDuration = Step;
        return policy;
    }
}
