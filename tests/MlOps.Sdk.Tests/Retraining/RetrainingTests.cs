using Microsoft.Extensions.Options;
using Microsoft.ML;
using MlOps.Sdk.Retraining;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;
using static MlOps.Sdk.Tests.Retraining.RetrainingScenario;

namespace MlOps.Sdk.Tests.Retraining;

/// <summary>Retraining on every store: new data, the gate, direct rollout, approval, rollback, racing retrainers, bad input.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class RetrainingTests(StoreKind kind)
{
    private TestStore _test = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _client = TrackingClients.Create(_test.Store);
        await RegisterHoldoutAsync(_client);
    }

    [TearDown]
    public async Task TearDown() => await _test.DisposeAsync();

    [Test]
    public async Task NewData_Retrains_PromotesABetterChallenger_RejectsAWorseOneWithItsReason_AndHandlesEachVersionOnce()
    {
        var retrainer = _client.Retraining.Create(Policy());

        await RegisterPointsAsync(_client, Labels.Noisy);
        var first = await retrainer.RunOnceAsync();
        var nothingNew = await retrainer.RunOnceAsync();
        await RegisterPointsAsync(_client, Labels.Clean);
        var second = await retrainer.RunOnceAsync();
        await RegisterPointsAsync(_client, Labels.Inverted);
        var third = await retrainer.RunOnceAsync();
        var again = await retrainer.RunOnceAsync();

        Assert.That(first.Single().Outcome, Is.EqualTo(RetrainingOutcome.Promoted));
        Assert.That(first.Single().Reason, Does.Contain("no production model yet"));
        Assert.That(nothingNew, Is.Empty, "production was trained on the latest version");
        var better = second.Single();
        Assert.That((better.Outcome, better.Challenger, better.Champion), Is.EqualTo((RetrainingOutcome.Promoted, 2, 1)));
        Assert.That(better.ChallengerMetrics["auc"], Is.GreaterThan(better.ChampionMetrics["auc"] + 0.01));
        var worse = third.Single();
        Assert.That((worse.Outcome, worse.Challenger, worse.Champion), Is.EqualTo((RetrainingOutcome.Rejected, 3, 2)));
        Assert.That(worse.Reason, Does.StartWith("not better: auc").And.Contain("against version 2"));
        Assert.That(again, Is.Empty, "a rejected version is not tried again");
        Assert.That((await _client.Models.GetAliasesAsync("points"))["production"], Is.EqualTo(2));
        Assert.That((await _client.Models.GetAliasHistoryAsync("points", "production")).Select(h => (h.From, h.To)), Is.EqualTo(new (int?, int?)[] { (null, 1), (1, 2) }));

        // Every attempt is a run: searchable by outcome, its reason and metrics recorded, the pipeline's run under it.
        var rejected = await _client.Runs.SearchAsync(new RunQuery { Experiments = { "points-retraining" }, Filter = "tags.mlops.retraining.outcome = 'rejected'" }).ToListAsync();
        Assert.That(rejected.Single().Id, Is.EqualTo(worse.RunId));
        var run = await _client.Runs.GetAsync(worse.RunId);
        Assert.That(run.Tags["mlops.retraining.reason"], Is.EqualTo(worse.Reason));
        Assert.That((run.Tags["mlops.retraining.trigger"], run.Tags["mlops.retraining.trigger_reason"]), Is.EqualTo(("DatasetVersion", "new data datasets:/points/3")));
        Assert.That(run.Metrics["challenger.auc"].Last, Is.EqualTo(worse.ChallengerMetrics["auc"]));
        Assert.That(run.Inputs.Single(i => i.Context == "holdout").Uri, Is.EqualTo("datasets:/points-holdout/1"));
        var attempts = await _client.Retraining.GetAttemptsAsync("points");
        Assert.That(attempts.Select(a => (a.RunId, a.Outcome)), Is.EqualTo(new[] { (first[0].RunId, RetrainingOutcome.Promoted), (better.RunId, RetrainingOutcome.Promoted), (worse.RunId, RetrainingOutcome.Rejected) }));
        var model = await _client.Models.GetAsync(MlOps.Sdk.Models.ModelRef.ForVersion("points", 2));
        Assert.That(model.Tags["mlops.retraining.run"], Is.EqualTo(better.RunId));
        Assert.That(model.Datasets.Single(d => d.Context == "training").Uri, Is.EqualTo("datasets:/points/2"), "the challenger was trained on the new data");
    }

    [Test]
    public async Task Approval_TheChallengerWaits_ApproveMovesProductionWithTheUsersReason_ANewerOneSupersedes_RejectKeepsProduction()
    {
        var retrainer = _client.Retraining.Create(Policy(RolloutStrategy.Approval));
        await RegisterPointsAsync(_client, Labels.Noisy);

        var waiting = (await retrainer.RunOnceAsync()).Single();
        var pending = await _client.Retraining.GetPendingApprovalsAsync("points");
        var change = await _client.Retraining.ApproveAsync("points", 1, "alice", "looks right on the holdout");
        var twice = Assert.ThrowsAsync<ApprovalNotPendingException>(() => _client.Retraining.ApproveAsync("points", 1, "bob", "me too"));

        Assert.That(waiting.Outcome, Is.EqualTo(RetrainingOutcome.WaitingForApproval));
        Assert.That(pending.Select(p => (p.Version, p.Champion, p.RunId)), Is.EqualTo(new[] { (1, (int?)null, waiting.RunId) }));
        Assert.That((change.From, change.To, change.By), Is.EqualTo(((int?)null, (int?)1, "alice")), "the alias history names who approved");
        Assert.That(change.Reason, Does.StartWith("approved by alice: looks right on the holdout"));
        Assert.That(twice!.Message, Does.Contain("approved by alice"));
        Assert.That((await _client.Runs.GetAsync(waiting.RunId)).Tags["mlops.retraining.outcome"], Is.EqualTo("promoted"));

        // Two better challengers in a row: the newer one supersedes the older one, which can no longer be approved.
        await RegisterPointsAsync(_client, Labels.Clean);
        var older = (await retrainer.RunOnceAsync()).Single();
        var newer = await retrainer.RetrainAsync("again, by hand");
        var superseded = Assert.ThrowsAsync<ApprovalNotPendingException>(() => _client.Retraining.ApproveAsync("points", older.Challenger!.Value, "alice", "ok"));
        await _client.Retraining.RejectAsync("points", newer.Challenger!.Value, "bob", "not before the holidays");

        Assert.That((older.Outcome, newer.Outcome), Is.EqualTo((RetrainingOutcome.WaitingForApproval, RetrainingOutcome.WaitingForApproval)));
        Assert.That(superseded!.Message, Does.Contain($"superseded by version {newer.Challenger}"));
        Assert.That((await _client.Models.GetAliasesAsync("points"))["production"], Is.EqualTo(1), "a rejection moves nothing");
        Assert.That(await _client.Retraining.GetPendingApprovalsAsync("points"), Is.Empty);
        var attempts = (await _client.Retraining.GetAttemptsAsync("points")).ToDictionary(a => a.RunId);
        Assert.That(attempts[older.RunId].Outcome, Is.EqualTo(RetrainingOutcome.Superseded));
        Assert.That((attempts[newer.RunId].Outcome, attempts[newer.RunId].Reason), Is.EqualTo((RetrainingOutcome.Rejected, "rejected by bob: not before the holidays")));
        Assert.That((await _client.Runs.GetAsync(newer.RunId)).Tags["mlops.retraining.decided_by"], Is.EqualTo("bob"));
    }

    [Test]
    public async Task Approval_HoldsOnlyWhileProductionIsTheVersionItWasComparedWith()
    {
        await RegisterPointsAsync(_client, Labels.Noisy);
        await _client.Retraining.Create(Policy()).RunOnceAsync(); // version 1 in production
        await RegisterPointsAsync(_client, Labels.Clean);
        var waiting = (await _client.Retraining.Create(Policy(RolloutStrategy.Approval)).RunOnceAsync()).Single();

        // Production moves away and comes back: the comparison with version 1 holds again.
        await _client.Models.PromoteAsync("points", "production", waiting.Challenger!.Value, "tried by hand");
        await _client.Models.PromoteAsync("points", "production", 1, "and back");
        var approved = await _client.Retraining.ApproveAsync("points", waiting.Challenger!.Value, "alice", "ok");

        Assert.That((waiting.Champion, approved.From, approved.To), Is.EqualTo(((int?)1, (int?)1, waiting.Challenger)));

        // Production moves away for good before another challenger's approval: refused, nothing moves.
        await _client.Models.PromoteAsync("points", "production", 1, "back to the first model");
        await RegisterPointsAsync(_client, Labels.Clean, seed: 7);
        var second = (await _client.Retraining.Create(Policy(RolloutStrategy.Approval)).RunOnceAsync()).Single();
        await _client.Models.PromoteAsync("points", "production", waiting.Challenger!.Value, "the on-call's choice");
        var moved = Assert.ThrowsAsync<ApprovalNotPendingException>(() => _client.Retraining.ApproveAsync("points", second.Challenger!.Value, "alice", "ok"));

        Assert.That((second.Outcome, second.Champion), Is.EqualTo((RetrainingOutcome.WaitingForApproval, (int?)1)));
        Assert.That(moved!.Message, Does.Contain($"moved from version 1 to version {waiting.Challenger}").And.Contain("retrain to compare again"));
        Assert.That((await _client.Models.GetAliasesAsync("points"))["production"], Is.EqualTo(waiting.Challenger));
        Assert.That((await _client.Retraining.GetAttemptsAsync("points")).Single(a => a.RunId == second.RunId).Outcome, Is.EqualTo(RetrainingOutcome.Superseded));
    }

    [Test]
    public async Task Rollback_RestoresThePreviousProductionVersion_AndMarksTheAttemptRolledBack()
    {
        var retrainer = _client.Retraining.Create(Policy());
        await RegisterPointsAsync(_client, Labels.Noisy);
        await retrainer.RunOnceAsync();
        await RegisterPointsAsync(_client, Labels.Clean);
        var promoted = (await retrainer.RunOnceAsync()).Single();

        var change = await _client.Retraining.RollbackAsync("points", "live accuracy dropped");

        Assert.That((change.From, change.To), Is.EqualTo(((int?)2, (int?)1)));
        Assert.That((await _client.Models.GetAliasesAsync("points"))["production"], Is.EqualTo(1));
        var attempt = (await _client.Retraining.GetAttemptsAsync("points")).Single(a => a.RunId == promoted.RunId);
        Assert.That((attempt.Outcome, attempt.Reason), Is.EqualTo((RetrainingOutcome.RolledBack, "rolled back to version 1: live accuracy dropped")));
    }

    [Test]
    public async Task TwoRetrainersAtOnce_OneHandlesANewVersion_AndRacingPromotionsKeepTheAliasHistoryAChain()
    {
        await RegisterPointsAsync(_client, Labels.Noisy);
        await _client.Retraining.Create(Policy()).RunOnceAsync();
        await RegisterPointsAsync(_client, Labels.Clean);

        // Two retrainers with clients of their own, as two machines: the new version is claimed by one of them.
        var clients = new[] { TrackingClients.Create(_test.Store), TrackingClients.Create(_test.Store) };
        var passes = await Task.WhenAll(clients.Select(c => Task.Run(() => c.Retraining.Create(Policy()).RunOnceAsync())));
        Assert.That(passes.Sum(p => p.Count), Is.EqualTo(1), "exactly one attempt for one new version");
        Assert.That(passes.SelectMany(p => p).Single().Outcome, Is.EqualTo(RetrainingOutcome.Promoted));

        // Two attempts by hand at once on the same data: both pass the gate against version 1; the one that moves
        // production second finds it moved, compares with the first one's model (equal, so not better by the margin)
        // and is rejected, not promoted over it.
        await _client.Retraining.RollbackAsync("points", "back to the noisy model, to race again");
        var attempts = await Task.WhenAll(clients.Select(c => Task.Run(() => c.Retraining.Create(Policy()).RetrainAsync("race", CancellationToken.None))));

        var history = await _client.Models.GetAliasHistoryAsync("points", "production");
        for (var i = 1; i < history.Count; i++)
        {
            Assert.That(history[i].From, Is.EqualTo(history[i - 1].To), "each change starts where the one before ended");
        }

        var winner = attempts.Single(a => a.Outcome == RetrainingOutcome.Promoted);
        var loser = attempts.Single(a => a.Outcome == RetrainingOutcome.Rejected);
        Assert.That((await _client.Models.GetAliasesAsync("points"))["production"], Is.EqualTo(winner.Challenger));
        Assert.That(loser.Champion, Is.EqualTo(winner.Challenger), "the loser compared with the winner's model");
        Assert.That(loser.Reason, Does.Contain($"against version {winner.Challenger}"));
        Assert.That(history[^1], Has.Property("From").EqualTo(1).And.Property("To").EqualTo(winner.Challenger));
    }

    [Test]
    public async Task BadInput_IsRefusedByName_AndAHoldoutThatDoesNotFit_FailsTheAttemptWithoutMovingProduction()
    {
        var wrongMetric = Policy();
        wrongMetric.Rule = new PromotionRule { Metric = "rmse" };
        var wrongGuard = Policy();
        wrongGuard.Guards.Add(new GuardRule { Metric = "r2" });
        var noHoldout = Policy();
        noHoldout.Holdout = string.Empty;
        var notAModel = Policy();
        notAModel.ModelStep = "points";

        Assert.That(Assert.Throws<ArgumentException>(() => _client.Retraining.Create(wrongMetric))!.Message, Does.Contain("'rmse'").And.Contain("auc, auprc"));
        Assert.That(Assert.Throws<ArgumentException>(() => _client.Retraining.Create(wrongGuard))!.Message, Does.Contain("'r2'"));
        Assert.That(Assert.Throws<OptionsValidationException>(() => _client.Retraining.Create(noHoldout))!.Message, Does.Contain("Holdout"));
        Assert.That(Assert.Throws<ArgumentException>(() => _client.Retraining.Create(notAModel))!.Message, Does.Contain("'points'"));
        Assert.ThrowsAsync<ArgumentException>(() => _client.Retraining.RequestAsync("points", "why not", RetrainingTriggerKind.Schedule));
        Assert.ThrowsAsync<ApprovalNotPendingException>(() => _client.Retraining.ApproveAsync("points", 7, "alice", "ok"));

        await RegisterPointsAsync(_client, Labels.Noisy);
        await _client.Retraining.Create(Policy()).RunOnceAsync();
        var other = new MLContext(seed: 1);
        await _client.Datasets.RegisterDataViewAsync("other-holdout", other.Data.LoadFromEnumerable(new[] { new { Y = 1f, Label = true }, new { Y = 2f, Label = false } }), other);
        var misfit = Policy();
        misfit.Holdout = "datasets:/other-holdout@latest";
        var before = await _client.Models.ListVersionsAsync("points").CountAsync();

        var error = Assert.ThrowsAsync<HoldoutSchemaMismatchException>(() => _client.Retraining.Create(misfit).RetrainAsync("with the wrong holdout"));

        Assert.That(error!.Message, Does.Contain("no column 'X'"));
        Assert.That((await _client.Models.GetAliasesAsync("points"))["production"], Is.EqualTo(1));
        Assert.That(await _client.Models.ListVersionsAsync("points").CountAsync(), Is.EqualTo(before), "the champion's check fails before anything is trained or registered");
        var failed = (await _client.Retraining.GetAttemptsAsync("points"))[^1];
        Assert.That((failed.Outcome, failed.Reason), Is.EqualTo((RetrainingOutcome.Failed, $"HoldoutSchemaMismatchException: {error.Message}")));
        Assert.That((await _client.Runs.GetAsync(failed.RunId)).Status, Is.EqualTo(RunStatus.Failed));
    }

    [Test]
    public async Task OnlineLearning_EachChallengerContinuesFromProduction_AndRecordsItAsItsParent()
    {
        var pipeline = MlOps.Sdk.Pipelines.Pipeline.Create<ContinuedOptions>("points-online", p =>
        {
            var points = p.Dataset("points", o => o.Data);
            var parent = p.Model("parent", o => o.Parent);
            p.Step("train", [points, parent], ctx =>
            {
                var trainer = ctx.ML.BinaryClassification.Trainers.AveragedPerceptron(numberOfIterations: 2);
                var from = ctx.Get(parent);
                if (from is null)
                {
                    return (ITransformer)ctx.ML.Transforms.Concatenate("Features", "X", "Z").Append(ctx.ML.Transforms.NormalizeMinMax("Features")).Append(trainer).Fit(ctx.Get(points));
                }

                var features = MlOps.Sdk.Models.ContinuedTraining.Featurizer(from).Transform(ctx.Get(points));
                var weights = MlOps.Sdk.Models.ContinuedTraining.Find<Microsoft.ML.Trainers.LinearBinaryModelParameters>(from);
                return MlOps.Sdk.Models.ContinuedTraining.ReplacePredictor(from, trainer.Fit(features, weights));
            });
        });
        var policy = new RetrainingPolicy<ContinuedOptions>
        {
            ModelName = "points",
            Pipeline = pipeline,
            ModelStep = "train",
            Options = attempt => new ContinuedOptions { Data = attempt.Dataset?.Uri ?? "datasets:/points@latest", Parent = attempt.ChampionVersion is { } v ? $"models:/points/{v}" : null },
            Holdout = "datasets:/points-holdout@latest",
            Evaluator = ModelEvaluator.BinaryClassification(calibrated: false), // the averaged perceptron gives no probability
            Rule = new PromotionRule { Metric = "auc", MinimumMargin = 0 },
        };
        policy.Triggers.Add(RetrainingTrigger.OnNewDatasetVersion("points"));
        var retrainer = _client.Retraining.Create(policy);

        await RegisterPointsAsync(_client, Labels.Clean);
        var first = (await retrainer.RunOnceAsync()).Single();
        await RegisterPointsAsync(_client, Labels.Clean, seed: 5);
        var second = (await retrainer.RunOnceAsync()).Single();

        var firstVersion = await _client.Models.GetAsync(MlOps.Sdk.Models.ModelRef.ForVersion("points", first.Challenger!.Value));
        var secondVersion = await _client.Models.GetAsync(MlOps.Sdk.Models.ModelRef.ForVersion("points", second.Challenger!.Value));
        Assert.That(firstVersion.Parent, Is.Null, "the first model was trained from scratch");
        Assert.That(secondVersion.Parent?.ToString(), Is.EqualTo($"models:/points/{first.Challenger}"), "the next one continued from production");
        Assert.That(second.Outcome, Is.EqualTo(RetrainingOutcome.Promoted).Or.EqualTo(RetrainingOutcome.Rejected));
    }

    [Test]
    public async Task Requests_AManualCallAndAnAlert_AreEachHandledOnce_ByTheNextPass()
    {
        var retrainer = _client.Retraining.Create(Policy());
        await RegisterPointsAsync(_client, Labels.Noisy);
        await retrainer.RunOnceAsync();

        await _client.Retraining.RequestAsync("points", "the analyst asked");
        await _client.Retraining.RequestAsync("points", "drift on X", RetrainingTriggerKind.Alert);
        var pass = await retrainer.RunOnceAsync();
        var next = await retrainer.RunOnceAsync();

        Assert.That(pass.Select(a => a.Trigger), Is.EqualTo(new[] { RetrainingTriggerKind.Manual, RetrainingTriggerKind.Alert }));
        Assert.That(pass.Select(a => a.Outcome), Is.All.EqualTo(RetrainingOutcome.Rejected), "the same data makes no better model");
        Assert.That(next, Is.Empty);
        var run = await _client.Runs.GetAsync(pass[1].RunId);
        Assert.That(run.Tags["mlops.retraining.trigger_reason"], Does.EndWith(": drift on X").And.StartWith("alert by "));
    }

    public sealed class ContinuedOptions
    {
        public string Data { get; set; } = "datasets:/points@latest";

        public string? Parent { get; set; }
    }
}
