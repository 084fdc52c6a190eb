using Microsoft.Extensions.Time.Testing;
using MlOps.Sdk.Retraining;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tests.Infrastructure;
using static MlOps.Sdk.Tests.Retraining.RetrainingScenario;

namespace MlOps.Sdk.Tests.Retraining;

/// <summary>Canary and shadow rollouts, their steps in time, the live check's automatic rollback, one rollout at a time.</summary>
public sealed class RetrainingRolloutTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(30);
    private FakeTimeProvider _time = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
        var options = new MlOpsOptions { Environment = "test" };
        options.ContentCache.Enabled = false;
        TrackingClients.Fast(options.Tracking);
        _client = new MlOpsClient(new InMemoryObjectStore(), options, timeProvider: _time);
        await RegisterHoldoutAsync(_client);
        await RegisterPointsAsync(_client, Labels.Noisy);
        await _client.Retraining.Create(Policy()).RunOnceAsync(); // version 1 in production
        await RegisterPointsAsync(_client, Labels.Clean);
    }

    [Test]
    public async Task Canary_StepsItsTrafficInTime_ThenMovesProduction_AndClearsTheCanary()
    {
        var retrainer = _client.Retraining.Create(Canary(RolloutStrategy.Canary));
        var weights = new List<double?>();

        var attempt = (await retrainer.RunOnceAsync()).Single();
        weights.Add(await _client.Models.GetTrafficAsync("points", "canary"));
        _time.Advance(Step / 2);
        await retrainer.RunOnceAsync();
        weights.Add(await _client.Models.GetTrafficAsync("points", "canary"));
        for (var i = 0; i < 2; i++)
        {
            _time.Advance(Step);
            await retrainer.RunOnceAsync();
            weights.Add(await _client.Models.GetTrafficAsync("points", "canary"));
            Assert.That((await _client.Models.GetAliasesAsync("points"))["production"], Is.EqualTo(1), "production waits for the last step");
        }

        _time.Advance(Step);
        await retrainer.RunOnceAsync();

        Assert.That((attempt.Outcome, attempt.Challenger), Is.EqualTo((RetrainingOutcome.InRollout, 2)));
        Assert.That(attempt.Reason, Does.StartWith("canary at 5%"));
        Assert.That(weights, Is.EqualTo(new double?[] { 0.05, 0.05, 0.25, 0.5 }), "a step lasts its duration");
        var aliases = await _client.Models.GetAliasesAsync("points");
        Assert.That((aliases["production"], aliases.ContainsKey("canary")), Is.EqualTo((2, false)));
        var status = await _client.Retraining.GetRolloutAsync("points");
        Assert.That((status!.State, status.Challenger), Is.EqualTo((RolloutState.Promoted, 2)));
        var recorded = (await _client.Retraining.GetAttemptsAsync("points")).Single(a => a.RunId == attempt.RunId);
        Assert.That((recorded.Outcome, recorded.Reason), Is.EqualTo((RetrainingOutcome.Promoted, $"canary of run {attempt.RunId} held at 5%, 25%, 50%")));
        var canaryHistory = await _client.Models.GetAliasHistoryAsync("points", "canary");
        Assert.That(canaryHistory.Select(h => (h.To, h.Weight)), Is.EqualTo(new (int?, double?)[] { (2, 0.05), (2, 0.25), (2, 0.5), (null, null) }));
    }

    [Test]
    public async Task Canary_AFailingLiveCheck_RollsItBackAtOnce_ProductionNeverMoves()
    {
        var policy = Canary(RolloutStrategy.Canary);
        var checks = new List<double>();
        policy.Canary.LiveCheck = (check, _) =>
        {
            checks.Add(check.Weight);
            return Task.FromResult(check.Weight >= 0.25 ? RolloutHealth.Unhealthy("live AUC 0.61 against production's 0.70 (guard: at most 0.02 worse)") : RolloutHealth.Ok);
        };
        var retrainer = _client.Retraining.Create(policy);

        var attempt = (await retrainer.RunOnceAsync()).Single();
        _time.Advance(Step);
        await retrainer.RunOnceAsync(); // healthy at 5 %: steps to 25 %
        var at25 = await _client.Models.GetTrafficAsync("points", "canary");
        await retrainer.RunOnceAsync(); // unhealthy at 25 %: rolled back, without waiting for the step's end

        Assert.That(at25, Is.EqualTo(0.25));
        Assert.That(checks, Is.EqualTo(new[] { 0.05, 0.25 }));
        var aliases = await _client.Models.GetAliasesAsync("points");
        Assert.That((aliases["production"], aliases.ContainsKey("canary")), Is.EqualTo((1, false)));
        Assert.That((await _client.Models.GetAliasHistoryAsync("points", "production")).Count, Is.EqualTo(1), "production never moved");
        var recorded = (await _client.Retraining.GetAttemptsAsync("points")).Single(a => a.RunId == attempt.RunId);
        Assert.That(recorded.Outcome, Is.EqualTo(RetrainingOutcome.RolledBack));
        Assert.That(recorded.Reason, Is.EqualTo("live check failed in the canary stage at 25%: live AUC 0.61 against production's 0.70 (guard: at most 0.02 worse)"));
        Assert.That((await _client.Retraining.GetRolloutAsync("points"))!.State, Is.EqualTo(RolloutState.RolledBack));

        // The check keeps being asked of nothing: no rollout is active.
        _time.Advance(Step);
        await retrainer.RunOnceAsync();
        Assert.That(checks, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task OneRolloutAtATime_ASecondChallengerIsRejectedWithTheReason_AndAnAbortedOneFreesTheWay()
    {
        var retrainer = _client.Retraining.Create(Canary(RolloutStrategy.Canary));
        var first = (await retrainer.RunOnceAsync()).Single();

        var second = await _client.Retraining.Create(Canary(RolloutStrategy.Canary, margin: 0)).RetrainAsync("by hand, during the canary");
        var aborted = await _client.Retraining.AbortRolloutAsync("points", "the on-call wants it out");
        var again = await _client.Retraining.AbortRolloutAsync("points", "twice");
        var third = await _client.Retraining.Create(Canary(RolloutStrategy.Canary, margin: 0)).RetrainAsync("after the abort");

        Assert.That(second.Outcome, Is.EqualTo(RetrainingOutcome.Rejected));
        Assert.That(second.Reason, Does.StartWith($"a rollout of version {first.Challenger} is in progress"));
        Assert.That((aborted, again), Is.EqualTo((true, false)));
        Assert.That((await _client.Retraining.GetAttemptsAsync("points")).Single(a => a.RunId == first.RunId).Reason, Is.EqualTo("aborted: the on-call wants it out"));
        Assert.That(third.Outcome, Is.EqualTo(RetrainingOutcome.InRollout));
        Assert.That((await _client.Models.GetAliasesAsync("points"))["canary"], Is.EqualTo(third.Challenger));
    }

    [Test]
    public async Task ShadowThenCanary_ShadowsFirst_ThenStepsTheCanary()
    {
        var retrainer = _client.Retraining.Create(Canary(RolloutStrategy.ShadowThenCanary));

        var attempt = (await retrainer.RunOnceAsync()).Single();
        var inShadow = await _client.Models.GetAliasesAsync("points");
        _time.Advance(TimeSpan.FromHours(2));
        await retrainer.RunOnceAsync();
        var inCanary = await _client.Models.GetAliasesAsync("points");

        Assert.That(attempt.Reason, Does.StartWith("in shadow"));
        Assert.That((inShadow["shadow"], inShadow.ContainsKey("canary")), Is.EqualTo((2, false)));
        Assert.That((inCanary.ContainsKey("shadow"), inCanary["canary"]), Is.EqualTo((false, 2)));
        Assert.That(await _client.Models.GetTrafficAsync("points", "canary"), Is.EqualTo(0.05));
        Assert.That((await _client.Retraining.GetRolloutAsync("points"))!.Stage, Is.EqualTo(RolloutStage.Canary));
    }

    [Test]
    public void CanarySteps_ThatDoNotGrowOrLeaveZeroToOne_AreRefused()
    {
        var shrinking = Canary(RolloutStrategy.Canary);
        shrinking.Canary.Steps.Clear();
        shrinking.Canary.Steps.Add(0.5);
        shrinking.Canary.Steps.Add(0.25);
        var whole = Canary(RolloutStrategy.Canary);
        whole.Canary.Steps.Add(1.0);

        Assert.That(Assert.Throws<ArgumentException>(() => _client.Retraining.Create(shrinking))!.Message, Does.Contain("0.5, 0.25"));
        Assert.That(Assert.Throws<ArgumentException>(() => _client.Retraining.Create(whole))!.Message, Does.Contain("below 1"));
    }

    private static RetrainingPolicy<PointOptions> Canary(RolloutStrategy strategy, double margin = 0.01)
    {
        var policy = Policy(strategy, margin);
        policy.Canary.StepDuration = Step;
        policy.Canary.ShadowDuration = TimeSpan.FromHours(2);
        return policy;
    }
}
