using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Retraining;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tests.Infrastructure;
using static MlOps.Sdk.Tests.Monitoring.PerformanceData;
using static MlOps.Sdk.Tests.Retraining.RetrainingScenario;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>The canary's live check made of live performance: the challenger's live metric against the champion's since the stage began.</summary>
public sealed class LiveCheckTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(30);
    private FakeTimeProvider _time = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(Start);
        var options = new MlOpsOptions { Environment = "test" };
        options.ContentCache.Enabled = false;
        TrackingClients.Fast(options.Tracking);
        _client = new MlOpsClient(new InMemoryObjectStore(), options, timeProvider: _time);
    }

    [Test]
    public async Task CanaryRollout_ChallengerWorseLive_IsRolledBackWithTheChecksReason()
    {
        var retrainer = await LiveCheckedRetrainerAsync(RolloutStrategy.Canary, canary => canary.StepDuration = Step);

        var attempt = (await retrainer.RunOnceAsync()).Single(); // better on the holdout: canary at 5 %
        _time.Advance(TimeSpan.FromMinutes(10));
        await retrainer.RunOnceAsync(); // no feedback yet: healthy, the step waits for its time
        var stillCanary = (await _client.Retraining.GetRolloutAsync("points"))!.State;

        // Live, the challenger does worse than production: its scores lean less to the truth.
        var production = Binary(200, Start.AddMinutes(1), TimeSpan.FromSeconds(3), version: 1, skill: 1.5, seed: 7);
        var canary = Binary(60, Start.AddMinutes(1), TimeSpan.FromSeconds(10), version: 2, arm: "canary", skill: 0.2, seed: 8);
        await WriteAsync(_client, "points", [.. production, .. canary]);
        _time.Advance(TimeSpan.FromMinutes(5));
        await retrainer.RunOnceAsync();

        var expectedProduction = EvaluateBinary(production)["auc"];
        var expectedCanary = EvaluateBinary(canary)["auc"];
        Assert.That((attempt.Outcome, attempt.Challenger, stillCanary), Is.EqualTo((RetrainingOutcome.InRollout, 2, RolloutState.Active)));
        var status = await _client.Retraining.GetRolloutAsync("points");
        Assert.That(status!.State, Is.EqualTo(RolloutState.RolledBack));
        var recorded = (await _client.Retraining.GetAttemptsAsync("points")).Single(a => a.RunId == attempt.RunId);
        Assert.That(recorded.Outcome, Is.EqualTo(RetrainingOutcome.RolledBack));
        Assert.That(recorded.Reason, Does.StartWith(FormattableString.Invariant($"live check failed in the canary stage at 5%: live auc {expectedCanary:0.####} of version 2 against {expectedProduction:0.####} of version 1 on 60 and 200 predictions with ground truth")));
        var aliases = await _client.Models.GetAliasesAsync("points");
        Assert.That((aliases["production"], aliases.ContainsKey("canary")), Is.EqualTo((1, false)));
    }

    [Test]
    public async Task ShadowThenCanaryRollout_ChallengerWorseInTheShadowStage_IsRolledBackBeforeACallerGetsIt()
    {
        var retrainer = await LiveCheckedRetrainerAsync(RolloutStrategy.ShadowThenCanary, canary => canary.ShadowDuration = TimeSpan.FromHours(2));
        var attempt = (await retrainer.RunOnceAsync()).Single(); // better on the holdout: shadow first
        var shadowing = await _client.Models.GetAliasesAsync("points");

        // Every request served by production is shadowed by version 2: the shadow's rows carry the served ids and times,
        // so the ground truth recorded for production's predictions is the shadow's too. Same labels, weaker scores.
        var production = Binary(200, Start.AddMinutes(1), TimeSpan.FromSeconds(3), version: 1, skill: 1.5, seed: 7);
        var weaker = Binary(200, Start.AddMinutes(1), TimeSpan.FromSeconds(3), version: 2, skill: 0.2, seed: 7);
        var shadow = production.Select((p, i) => p with { Version = 2, Arm = "shadow", Score = weaker[i].Score, Probability = weaker[i].Probability }).ToList();
        await WriteAsync(_client, "points", production);
        await WriteAsync(_client, "points", shadow, feedback: false);
        _time.Advance(TimeSpan.FromMinutes(15));
        await retrainer.RunOnceAsync();

        Assert.That(shadow.Select(s => s.Id), Is.EqualTo(production.Select(p => p.Id)), "the test's shadow rows share the served ids");
        Assert.That((attempt.Outcome, shadowing["shadow"], shadowing.ContainsKey("canary")), Is.EqualTo((RetrainingOutcome.InRollout, 2, false)));
        var recorded = (await _client.Retraining.GetAttemptsAsync("points")).Single(a => a.RunId == attempt.RunId);
        Assert.That(recorded.Outcome, Is.EqualTo(RetrainingOutcome.RolledBack));
        Assert.That(recorded.Reason, Does.StartWith(FormattableString.Invariant($"live check failed in the shadow stage: live auc {EvaluateBinary(shadow)["auc"]:0.####} of version 2 against {EvaluateBinary(production)["auc"]:0.####} of version 1 on 200 and 200 predictions with ground truth")));
        var aliases = await _client.Models.GetAliasesAsync("points");
        Assert.That((aliases["production"], aliases.ContainsKey("shadow"), aliases.ContainsKey("canary")), Is.EqualTo((1, false, false)));
    }

    [Test]
    public async Task Check_BelowMinFeedback_IsHealthyAndSaysHowMuchThereIs()
    {
        await WriteAsync(_client, "churn", [.. Binary(80, Start.AddMinutes(1), TimeSpan.FromSeconds(5)), .. Binary(30, Start.AddMinutes(1), TimeSpan.FromSeconds(5), version: 2, arm: "canary", skill: 0, seed: 2)]);
        _time.Advance(TimeSpan.FromHours(1));
        var check = MonitoringLiveCheck.Create(_client, new LiveCheckOptions { MinFeedback = 50 });

        var health = await check(new RolloutCheck("churn", 2, 1, "canary", 0.05, Start, "run"), CancellationToken.None);
        var noChampion = await check(new RolloutCheck("churn", 2, null, "canary", 0.05, Start, "run"), CancellationToken.None);
        var later = await check(new RolloutCheck("churn", 2, 1, "canary", 0.25, Start.AddMinutes(30), "run"), CancellationToken.None);

        Assert.That(health.Healthy, Is.True);
        Assert.That(health.Reason, Does.StartWith("not enough feedback yet (30 of 50: version 2 has 30 predictions with ground truth, version 1 80"));
        Assert.That(noChampion, Is.EqualTo(new RolloutHealth(true, "no production version to compare with")));
        Assert.That(later.Reason, Does.StartWith("not enough feedback yet (0 of 50"), "only the stage's own predictions count");
    }

    [Test]
    public async Task Check_LowerIsBetterMetric_ComparesTheOtherWay()
    {
        var champion = Regression(100, Start.AddMinutes(1), TimeSpan.FromSeconds(5), version: 1, noise: 1, seed: 1);
        var close = Regression(100, Start.AddMinutes(1), TimeSpan.FromSeconds(5), version: 2, noise: 1, seed: 2);
        var worse = Regression(100, Start.AddMinutes(1), TimeSpan.FromSeconds(5), version: 3, noise: 4, seed: 3);
        await WriteAsync(_client, "temp", [.. champion, .. close, .. worse]);
        _time.Advance(TimeSpan.FromHours(1));
        var check = MonitoringLiveCheck.Create(_client, new LiveCheckOptions { Metric = "rmse", MaxDrop = 0.5, MinFeedback = 50 });
        var rmse = (EvaluateRegression(champion)["rmse"], EvaluateRegression(close)["rmse"], EvaluateRegression(worse)["rmse"]);

        var healthy = await check(new RolloutCheck("temp", 2, 1, "canary", 0.05, Start, "run"), CancellationToken.None);
        var unhealthy = await check(new RolloutCheck("temp", 3, 1, "canary", 0.05, Start, "run"), CancellationToken.None);

        Assert.That(rmse.Item2 - rmse.Item1, Is.LessThan(0.5), "the fixture: version 2 is about as good");
        Assert.That(rmse.Item3 - rmse.Item1, Is.GreaterThan(0.5), "the fixture: version 3 is worse by more than the guard");
        Assert.That(healthy.Healthy, Is.True, healthy.Reason);
        Assert.That(unhealthy.Healthy, Is.False);
        Assert.That(unhealthy.Reason, Does.StartWith(FormattableString.Invariant($"live rmse {rmse.Item3:0.####} of version 3 against {rmse.Item1:0.####} of version 1")));
    }

    [Test]
    public void Create_WithAnUnknownMetricOrNegativeDrop_IsRefused()
    {
        Assert.Throws<OptionsValidationException>(() => MonitoringLiveCheck.Create(_client, new LiveCheckOptions { Metric = "auroc" }));
        Assert.Throws<OptionsValidationException>(() => MonitoringLiveCheck.Create(_client, new LiveCheckOptions { MaxDrop = -0.1 }));
    }

    /// <summary>
    /// Version 1 (noisy labels) in production, cleaner data registered since, and a retrainer whose rollout (better on
    /// the holdout) is guarded by the live check of auc (at most 0.02 worse, from 50 predictions with ground truth).
    /// </summary>
    private async Task<Retrainer<PointOptions>> LiveCheckedRetrainerAsync(RolloutStrategy strategy, Action<CanaryOptions> stages)
    {
        await RegisterHoldoutAsync(_client);
        await RegisterPointsAsync(_client, Labels.Noisy);
        await _client.Retraining.Create(Policy()).RunOnceAsync(); // version 1 in production
        await RegisterPointsAsync(_client, Labels.Clean);
        var policy = Policy(strategy);
        stages(policy.Canary);
        policy.Canary.LiveCheck = MonitoringLiveCheck.Create(_client, new LiveCheckOptions { Metric = "auc", MaxDrop = 0.02, MinFeedback = 50 });
        return _client.Retraining.Create(policy);
    }
}
