using Microsoft.Extensions.Options;
using Microsoft.ML;
using MlOps.Sdk.Models;
using MlOps.Sdk.Retraining;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;
using static MlOps.Sdk.Tests.Retraining.RetrainingScenario;

namespace MlOps.Sdk.Tests.Retraining;

/// <summary>
/// Gated promotion from acceptance to production, each with a store of its own (two in memory, two folders): a better
/// version is copied and becomes production there, a worse one is rejected and leaves nothing behind, bad input is refused.
/// </summary>
[TestFixture(StoreKind.InMemory)]
[TestFixture(StoreKind.FileSystem)]
public sealed class EnvironmentPromotionTests(StoreKind kind)
{
    private TestStore _acceptanceStore = null!;
    private TestStore _productionStore = null!;
    private MlOpsClient _acceptance = null!;
    private MlOpsClient _production = null!;

    [SetUp]
    public async Task SetUp()
    {
        _acceptanceStore = await TestStore.CreateAsync(kind);
        _productionStore = await TestStore.CreateAsync(kind);
        _acceptance = TrackingClients.Create(_acceptanceStore.Store, (MlOpsOptions o) => o.Environment = "acceptance");
        _production = TrackingClients.Create(_productionStore.Store, (MlOpsOptions o) => o.Environment = "production");
        await RegisterHoldoutAsync(_production);
    }

    [TearDown]
    public async Task TearDown()
    {
        await _acceptanceStore.DisposeAsync();
        await _productionStore.DisposeAsync();
    }

    [Test]
    public async Task PromoteToEnvironmentAsync_ABetterVersion_IsCopiedAndBecomesProductionThere_WithItsOriginAndTheRunsTags()
    {
        await RegisterModelAsync(_acceptance, Labels.Noisy);
        var first = await _acceptance.Retraining.PromoteToEnvironmentAsync("models:/points/1", _production, Gate(), "first release");
        var better = await RegisterModelAsync(_acceptance, Labels.Clean);
        await _acceptance.Models.SetAliasAsync("points", "staging", better.Version);
        var acceptanceBefore = await _acceptanceStore.Store.ListAsync(string.Empty).Select(o => (o.Key, o.ETag)).ToListAsync();

        var promotion = await _acceptance.Retraining.PromoteToEnvironmentAsync("models:/points@staging", _production, Gate(), "passed acceptance");

        Assert.That((first.Outcome, first.TargetVersion, first.Champion), Is.EqualTo((EnvironmentPromotionOutcome.Promoted, (int?)1, (int?)null)));
        Assert.That(first.Reason, Does.StartWith("no production model yet"));
        Assert.That((promotion.Outcome, promotion.Source, promotion.SourceEnvironment, promotion.TargetVersion, promotion.Champion, promotion.Alias), Is.EqualTo((EnvironmentPromotionOutcome.Promoted, "models:/points/2", "acceptance", (int?)2, (int?)1, "production")));
        Assert.That(promotion.Reason, Does.StartWith("better: auc").And.Contain("against version 1").And.Contain("guards held (log-loss)"));
        Assert.That(promotion.ChallengerMetrics["auc"], Is.GreaterThan(promotion.ChampionMetrics["auc"] + 0.01));
        Assert.That((await _production.Models.GetAliasesAsync("points"))["production"], Is.EqualTo(2));

        // The copy: the same bytes, with where it came from.
        var copy = await _production.Models.GetAsync("models:/points@production");
        Assert.That((copy.Sha256, copy.InputSchema), Is.EqualTo((better.Sha256, better.InputSchema)));
        Assert.That(copy.Environment, Is.EqualTo("production"));
        Assert.That((copy.Origin!.Store, copy.Origin.Environment, copy.Origin.Name, copy.Origin.Version), Is.EqualTo((_acceptanceStore.Store.Location.ToString(), "acceptance", "points", 2)));
        Assert.That(copy.Origin.Reason, Is.EqualTo($"passed acceptance (promotion run {promotion.RunId})"));
        var change = (await _production.Models.GetAliasHistoryAsync("points", "production"))[^1];
        Assert.That((change.From, change.To), Is.EqualTo(((int?)1, (int?)2)));
        Assert.That(change.Reason, Does.StartWith($"passed acceptance (promotion run {promotion.RunId}, from acceptance models:/points/2: better: auc"));

        // The run, in the target store: searchable by outcome, with both models' metrics and the holdout.
        var promoted = await _production.Runs.SearchAsync(new RunQuery { Experiments = { "points-promotion" }, Filter = "tags.mlops.promotion.outcome = 'promoted'" }).Select(r => r.Id).ToListAsync();
        Assert.That(promoted, Is.EquivalentTo(new[] { first.RunId, promotion.RunId }));
        var run = await _production.Runs.GetAsync(promotion.RunId);
        Assert.That(run.Status, Is.EqualTo(RunStatus.Finished));
        Assert.That(run.Tags["mlops.promotion.reason"], Is.EqualTo(promotion.Reason));
        Assert.That(
            (run.Tags["mlops.promotion.model"], run.Tags["mlops.promotion.source"], run.Tags["mlops.promotion.source_environment"], run.Tags["mlops.promotion.champion"], run.Tags["mlops.promotion.target_version"], run.Tags["mlops.promotion.alias"]),
            Is.EqualTo(("points", "models:/points/2", "acceptance", "1", "2", "production")));
        Assert.That(run.Tags["mlops.promotion.source_store"], Is.EqualTo(_acceptanceStore.Store.Location.ToString()));
        Assert.That((run.Metrics["challenger.auc"].Last, run.Metrics["champion.auc"].Last), Is.EqualTo((promotion.ChallengerMetrics["auc"], promotion.ChampionMetrics["auc"])));
        Assert.That(run.Inputs.Single(i => i.Context == "holdout").Uri, Is.EqualTo("datasets:/points-holdout/1"));
        Assert.That(await _acceptanceStore.Store.ListAsync(string.Empty).Select(o => (o.Key, o.ETag)).ToListAsync(), Is.EqualTo(acceptanceBefore), "the source store is untouched");

        // Promoting it again (a rerun of the release job) finds it there: nothing is copied or moved.
        var again = await _acceptance.Retraining.PromoteToEnvironmentAsync("models:/points/2", _production, Gate(), "rerun of the release job");
        Assert.That((again.Outcome, again.TargetVersion), Is.EqualTo((EnvironmentPromotionOutcome.Promoted, (int?)2)));
        Assert.That(again.Reason, Does.StartWith("already promoted"));
        Assert.That(await _production.Models.ListVersionsAsync("points").CountAsync(), Is.EqualTo(2));
        Assert.That(await _production.Models.GetAliasHistoryAsync("points", "production"), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task PromoteToEnvironmentAsync_AWorseVersion_IsRejectedWithItsReason_NothingIsCopied_AndProductionStays()
    {
        await RegisterModelAsync(_acceptance, Labels.Clean);
        await _acceptance.Retraining.PromoteToEnvironmentAsync("models:/points/1", _production, Gate(), "first release");
        await RegisterModelAsync(_acceptance, Labels.Inverted);

        var rejected = await _acceptance.Retraining.PromoteToEnvironmentAsync("models:/points/2", _production, Gate(), "try the new one");

        Assert.That((rejected.Outcome, rejected.TargetVersion, rejected.Champion), Is.EqualTo((EnvironmentPromotionOutcome.Rejected, (int?)null, (int?)1)));
        Assert.That(rejected.Reason, Does.StartWith("not better: auc").And.Contain("against version 1"));
        Assert.That(rejected.ChallengerMetrics["auc"], Is.LessThan(rejected.ChampionMetrics["auc"]));
        Assert.That((await _production.Models.GetAliasesAsync("points"))["production"], Is.EqualTo(1));
        Assert.That(await _production.Models.GetAliasHistoryAsync("points", "production"), Has.Count.EqualTo(1));
        Assert.That(await _production.Models.ListVersionsAsync("points").CountAsync(), Is.EqualTo(1), "a rejected version is not copied");
        var found = await _production.Runs.SearchAsync(new RunQuery { Experiments = { "points-promotion" }, Filter = "tags.mlops.promotion.outcome = 'rejected'" }).ToListAsync();
        Assert.That(found.Single().Id, Is.EqualTo(rejected.RunId));
        Assert.That(found.Single().Tags["mlops.promotion.reason"], Is.EqualTo(rejected.Reason));
        Assert.That(found.Single().Tags.ContainsKey("mlops.promotion.target_version"), Is.False);
    }

    [Test]
    public async Task PromoteToEnvironmentAsync_ProductionMovesDuringTheGate_IsRejected_NothingCopied_TheOtherMoveKept()
    {
        await RegisterModelAsync(_acceptance, Labels.Noisy);
        await _acceptance.Retraining.PromoteToEnvironmentAsync("models:/points/1", _production, Gate(), "first release");
        var hotfix = await RegisterModelAsync(_production, Labels.Noisy, seed: 2);
        await RegisterModelAsync(_acceptance, Labels.Clean);

        // The on-call moves production while the gate measures the challenger (the champion is measured first).
        var measured = 0;
        var binary = ModelEvaluator.BinaryClassification();
        var moving = ModelEvaluator.Custom(binary.Metrics, (ml, scored) =>
        {
            if (++measured == 2)
            {
                _production.Models.PromoteAsync("points", "production", hotfix.Version, "hotfix by the on-call").GetAwaiter().GetResult();
            }

            return binary.Evaluate(ml, scored);
        });

        var promotion = await _acceptance.Retraining.PromoteToEnvironmentAsync("models:/points/2", _production, Gate(moving), "passed acceptance");

        Assert.That((promotion.Outcome, promotion.Champion, promotion.TargetVersion), Is.EqualTo((EnvironmentPromotionOutcome.Rejected, (int?)1, (int?)null)));
        Assert.That(promotion.Reason, Does.StartWith($"production moved from version 1 to version {hotfix.Version} while the gate compared with it").And.Contain("better: auc"));
        Assert.That((await _production.Models.GetAliasesAsync("points"))["production"], Is.EqualTo(hotfix.Version));
        Assert.That((await _production.Models.GetAliasHistoryAsync("points", "production"))[^1].Reason, Is.EqualTo("hotfix by the on-call"));
        Assert.That(await _production.Models.ListVersionsAsync("points").CountAsync(), Is.EqualTo(2), "nothing copied");
        Assert.That((await _production.Runs.GetAsync(promotion.RunId)).Tags["mlops.promotion.outcome"], Is.EqualTo("rejected"));
    }

    [Test]
    public async Task PromoteToEnvironmentAsync_BadInput_IsRefusedByName_BeforeAnythingIsRecorded()
    {
        await RegisterModelAsync(_acceptance, Labels.Clean);
        var wrongMetric = Gate();
        wrongMetric.Rule = new PromotionRule { Metric = "rmse" };
        var wrongGuard = Gate();
        wrongGuard.Guards.Add(new GuardRule { Metric = "r2" });
        var noHoldout = Gate();
        noHoldout.Holdout = string.Empty;
        var notADataset = Gate();
        notADataset.Holdout = "points-holdout";
        var sameStore = TrackingClients.Create(_acceptanceStore.Store, (MlOpsOptions o) => o.Environment = "production");

        Assert.That(Assert.ThrowsAsync<ArgumentException>(() => Promote(wrongMetric))!.Message, Does.Contain("'rmse'").And.Contain("auc, auprc"));
        Assert.That(Assert.ThrowsAsync<ArgumentException>(() => Promote(wrongGuard))!.Message, Does.Contain("'r2'"));
        Assert.That(Assert.ThrowsAsync<OptionsValidationException>(() => Promote(noHoldout))!.Message, Does.Contain("Holdout"));
        Assert.ThrowsAsync<FormatException>(() => Promote(notADataset));
        Assert.That(Assert.ThrowsAsync<ArgumentException>(() => _acceptance.Retraining.PromoteToEnvironmentAsync("models:/points/1", _acceptance, Gate(), "same client"))!.ParamName, Is.EqualTo("target"));
        Assert.That(Assert.ThrowsAsync<ArgumentException>(() => _acceptance.Retraining.PromoteToEnvironmentAsync("models:/points/1", sameStore, Gate(), "same store"))!.ParamName, Is.EqualTo("target"));
        Assert.ThrowsAsync<ArgumentException>(() => _acceptance.Retraining.PromoteToEnvironmentAsync($"runs:/{Guid.NewGuid():N}/model", _production, Gate(), "a run's artifact"));
        Assert.ThrowsAsync<ArgumentException>(() => _acceptance.Retraining.PromoteToEnvironmentAsync("models:/points/1", _production, Gate(), " "));
        Assert.ThrowsAsync<ModelNotFoundException>(() => _acceptance.Retraining.PromoteToEnvironmentAsync("models:/points/9", _production, Gate(), "no such version"));

        Assert.That(await _production.Models.ListNamesAsync(), Is.Empty);
        Assert.That(await _production.Runs.SearchAsync(new RunQuery()).CountAsync(), Is.EqualTo(0), "refused before a run is started");

        Task<EnvironmentPromotion> Promote(EnvironmentGate gate) => _acceptance.Retraining.PromoteToEnvironmentAsync("models:/points/1", _production, gate, "bad gate");
    }

    [Test]
    public async Task PromoteToEnvironmentAsync_AHoldoutThatDoesNotFit_FailsTheRun_NothingCopiedOrMoved()
    {
        await RegisterModelAsync(_acceptance, Labels.Noisy);
        await _acceptance.Retraining.PromoteToEnvironmentAsync("models:/points/1", _production, Gate(), "first release");
        await RegisterModelAsync(_acceptance, Labels.Clean);
        var other = new MLContext(seed: 1);
        await _production.Datasets.RegisterDataViewAsync("other-holdout", other.Data.LoadFromEnumerable(new[] { new { Y = 1f, Label = true }, new { Y = 2f, Label = false } }), other);
        var misfit = Gate();
        misfit.Holdout = "datasets:/other-holdout@latest";

        var error = Assert.ThrowsAsync<HoldoutSchemaMismatchException>(() => _acceptance.Retraining.PromoteToEnvironmentAsync("models:/points/2", _production, misfit, "with the wrong holdout"));

        Assert.That(error!.Message, Does.Contain("no column 'X'"));
        Assert.That((await _production.Models.GetAliasesAsync("points"))["production"], Is.EqualTo(1));
        Assert.That(await _production.Models.ListVersionsAsync("points").CountAsync(), Is.EqualTo(1));
        var failed = await _production.Runs.SearchAsync(new RunQuery { Experiments = { "points-promotion" }, Filter = "tags.mlops.promotion.outcome = 'failed'" }).SingleAsync();
        Assert.That(failed.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(failed.Tags["mlops.promotion.reason"], Is.EqualTo($"HoldoutSchemaMismatchException: {error.Message}"));
    }

    private static EnvironmentGate Gate(ModelEvaluator? evaluator = null)
    {
        var gate = new EnvironmentGate
        {
            Holdout = "datasets:/points-holdout@latest",
            Evaluator = evaluator ?? ModelEvaluator.BinaryClassification(),
            Rule = new PromotionRule { Metric = "auc", MinimumMargin = 0.01 },
        };
        gate.Guards.Add(new GuardRule { Metric = "log-loss", Direction = MetricDirection.Minimize, MaximumRegression = 0.05 });
        return gate;
    }

    /// <summary>Trains the scenario's model on one kind of labels and registers it as the next version of "points".</summary>
    private static async Task<ModelVersion> RegisterModelAsync(MlOpsClient client, Labels labels, int seed = 1)
    {
        var ml = new MLContext(seed: 1);
        var data = Points(labels, seed);
        var model = ml.Transforms.Concatenate("Features", "X", "Z")
            .Append(ml.Transforms.NormalizeMinMax("Features"))
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(labelColumnName: "Label", maximumNumberOfIterations: 20))
            .Fit(data);
        return await client.Models.RegisterAsync("points", model, data.Schema);
    }
}
