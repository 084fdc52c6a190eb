using System.Globalization;
using Microsoft.ML;
using MlOps.Sdk.Data;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Models;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Retraining;

/// <content>
/// Gated promotion between environments (DTAP): one store per environment; a version moves to the next one's store only
/// through a gate measured there.
/// </content>
public partial class RetrainingCatalog
{
    /// <summary>
    /// Promotes a version of this store into another environment's store (acceptance → production) through a gate: the
    /// version and the one the gate's alias points at there are measured on the target's holdout, and only a version that
    /// passes the rule and every guard is copied there (content, record and lineage, with its origin recorded) and
    /// becomes the alias, by compare-and-swap against the version it was compared with. The promotion is a run in the
    /// target store (experiment <c>{model}-promotion</c>) with both models' metrics, the outcome and the reason as tags.
    /// </summary>
    /// <param name="sourceModelUri">The version to promote, in this store: <c>models:/churn/7</c> or <c>models:/churn@staging</c>.</param>
    /// <param name="target">The next environment's client (another store).</param>
    /// <param name="gate">What the version must pass there.</param>
    /// <param name="reason">Why, recorded in the copy's origin and the alias history.</param>
    /// <param name="cancellationToken">A token to cancel the promotion (its run is Killed; the alias does not move).</param>
    /// <returns>The promotion: promoted, or rejected with the reason; a rejected version is not copied and the alias does not move.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A required setting of the gate is missing or out of range (the message names it).</exception>
    /// <exception cref="ArgumentException">
    /// The gate's rule or a guard names a metric its evaluator does not produce, the target is this store, the source is
    /// not a registered version, or <paramref name="reason"/> is empty.
    /// </exception>
    /// <exception cref="FormatException">The source or the holdout is not a model or dataset URI.</exception>
    /// <exception cref="ModelNotFoundException">The source version does not exist.</exception>
    /// <exception cref="HoldoutSchemaMismatchException">The holdout does not fit a model: nothing is copied, the alias does not move, the run is Failed.</exception>
    /// <exception cref="Storage.ObjectStoreException">A store failed.</exception>
    /// <remarks>
    /// The gate runs before anything is copied: the source is loaded from this store (hash verified, as every predictor
    /// loads it) and the champion from the target's, so a rejected version leaves nothing in the target store but the
    /// run. The copy's bytes are verified against the same hash on the way. An alias that moves in the target store
    /// while the gate compares with it makes the promotion Rejected (compare again by promoting again), never a
    /// half-moved alias. Promoting a version whose copy the alias already points at changes nothing and returns Promoted.
    /// </remarks>
    public virtual async Task<EnvironmentPromotion> PromoteToEnvironmentAsync(string sourceModelUri, MlOpsClient target, EnvironmentGate gate, string reason, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceModelUri);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var reference = ModelRef.Parse(sourceModelUri);
        if (reference.Name is null)
        {
            throw new ArgumentException($"Promote a registered version (models:/name/3, models:/name@alias), not a run's artifact: '{sourceModelUri}'.", nameof(sourceModelUri));
        }

        if (ReferenceEquals(target, _client) || target.Store.Location == _client.Store.Location)
        {
            throw new ArgumentException($"The target is this store ({_client.Store.Location}); promote to another environment's store, or let a retrainer move the alias here.", nameof(target));
        }

        gate.Validate();
        var source = await _client.Models.GetAsync(reference, cancellationToken).ConfigureAwait(false);
        var start = new StartRunOptions { Name = $"promote {source.Uri} from {_client.Environment}" };
        start.Tags[PromotionTags.Model] = source.Name;
        start.Tags[PromotionTags.Source] = source.Uri;
        start.Tags[PromotionTags.SourceStore] = _client.Store.Location.ToString();
        start.Tags[PromotionTags.SourceEnvironment] = _client.Environment;
        start.Tags[PromotionTags.Alias] = gate.Alias;
        start.Tags[PromotionTags.Outcome] = "running";
        var run = await target.Runs.StartAsync(gate.Experiment ?? $"{source.Name}-promotion", start, cancellationToken).ConfigureAwait(false);
        await using var disposeRun = run.ConfigureAwait(false);
        EnvironmentPromotion promotion;
        try
        {
            promotion = await GateAsync(run, source, target, gate, reason, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            run.SetTag(PromotionTags.Outcome, ex is OperationCanceledException ? "cancelled" : RetrainingTags.Value(RetrainingOutcome.Failed));
            run.SetTag(PromotionTags.Reason, RetrainingTags.Clip($"{ex.GetType().Name}: {ex.Message}"));
            await run.EndWithAsync(ex).ConfigureAwait(false);
            EnvironmentPromotionLog.Failed(_logger, ex, source.Uri, target.Environment, run.Id);
            throw;
        }

        await run.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        EnvironmentPromotionLog.Done(_logger, source.Uri, _client.Environment, target.Environment, run.Id, promotion.Outcome, promotion.Reason);
        return promotion;
    }

    private async Task<EnvironmentPromotion> GateAsync(Run run, ModelVersion source, MlOpsClient target, EnvironmentGate gate, string reason, CancellationToken cancellationToken)
    {
        // One gate per store: each model is loaded (hash verified) from the registry that holds it.
        var guards = gate.Guards.ToList();
        var sourceGate = new ChallengerGate(_client, gate.Evaluator!, gate.Rule!, guards, gate.Alias);
        var targetGate = new ChallengerGate(target, gate.Evaluator!, gate.Rule!, guards, gate.Alias);
        var champion = await AliasVersionAsync(target, source.Name, gate.Alias, cancellationToken).ConfigureAwait(false);
        if (champion is not null)
        {
            run.SetTag(PromotionTags.Champion, champion.Version.ToString(CultureInfo.InvariantCulture));
        }

        EnvironmentPromotion Result(EnvironmentPromotionOutcome outcome, string why, int? copy, Dictionary<string, double> challengerMetrics, Dictionary<string, double> championMetrics)
        {
            run.SetTag(PromotionTags.Outcome, PromotionTags.Value(outcome));
            run.SetTag(PromotionTags.Reason, RetrainingTags.Clip(why));
            return new EnvironmentPromotion(run.Id, source.Name, outcome, why, source.Uri, _client.Environment, copy, champion?.Version, gate.Alias, challengerMetrics, championMetrics);
        }

        if (champion is not null && IsCopyOf(champion, source))
        {
            run.SetTag(PromotionTags.TargetVersion, champion.Version.ToString(CultureInfo.InvariantCulture));
            return Result(EnvironmentPromotionOutcome.Promoted, $"already promoted: {gate.Alias} is version {champion.Version}, the copy of {source.Uri}; nothing moved", champion.Version, [], []);
        }

        var ml = new MLContext(seed: 1);
        var holdout = await target.Datasets.GetAsync(gate.Holdout, cancellationToken).ConfigureAwait(false);
        await run.UseDatasetAsync(holdout, "holdout", cancellationToken).ConfigureAwait(false);
        var holdoutData = await holdout.LoadAsync(ml, cancellationToken).ConfigureAwait(false);

        // The champion first: a holdout that does not fit what serves there fails the promotion before the source is loaded.
        var championMetrics = champion is null ? [] : await targetGate.EvaluateAsync(ml, champion, holdout.Uri, holdoutData, cancellationToken).ConfigureAwait(false);
        var challengerMetrics = await sourceGate.EvaluateAsync(ml, source, holdout.Uri, holdoutData, cancellationToken).ConfigureAwait(false);
        LogMetrics(run, "challenger", challengerMetrics);
        LogMetrics(run, "champion", championMetrics);
        var (passed, why) = targetGate.Decide(challengerMetrics, champion is null ? null : championMetrics, champion?.Version);
        if (!passed)
        {
            return Result(EnvironmentPromotionOutcome.Rejected, why, null, challengerMetrics, championMetrics);
        }

        // Copy only what passed, and only while the alias is still what the gate compared with: a move during the gate
        // leaves no copy behind. A move between the copy and the swap leaves an unaliased copy whose origin names this run.
        var now = await AliasVersionAsync(target, source.Name, gate.Alias, cancellationToken).ConfigureAwait(false);
        if (now?.Version != champion?.Version)
        {
            return Result(EnvironmentPromotionOutcome.Rejected, Moved(gate.Alias, champion?.Version, now?.Version, why), null, challengerMetrics, championMetrics);
        }

        var copy = await _client.Models.PromoteToAsync(source.Ref, target.Models, RetrainingTags.Clip($"{reason} (promotion run {run.Id})"), aliasName: null, cancellationToken).ConfigureAwait(false);
        run.SetTag(PromotionTags.TargetVersion, copy.Version.ToString(CultureInfo.InvariantCulture));
        var history = RetrainingTags.Clip($"{reason} (promotion run {run.Id}, from {_client.Environment} {source.Uri}: {why})");
        if (!await target.Models.PromoteIfAsync(source.Name, gate.Alias, copy.Version, champion?.Version, history, null, cancellationToken).ConfigureAwait(false))
        {
            now = await AliasVersionAsync(target, source.Name, gate.Alias, cancellationToken).ConfigureAwait(false);
            return Result(EnvironmentPromotionOutcome.Rejected, Moved(gate.Alias, champion?.Version, now?.Version, why), copy.Version, challengerMetrics, championMetrics);
        }

        return Result(EnvironmentPromotionOutcome.Promoted, why, copy.Version, challengerMetrics, championMetrics);
    }

    private static async Task<ModelVersion?> AliasVersionAsync(MlOpsClient client, string model, string alias, CancellationToken cancellationToken)
        => (await client.Models.GetAliasesAsync(model, cancellationToken).ConfigureAwait(false)).TryGetValue(alias, out var version)
            ? await client.Models.GetAsync(ModelRef.ForVersion(model, version), cancellationToken).ConfigureAwait(false)
            : null;

    /// <summary>Whether a version of the target store is the copy <see cref="ModelCatalog.PromoteToAsync"/> made of the source.</summary>
    private bool IsCopyOf(ModelVersion copy, ModelVersion source)
        => copy.Origin is { } origin
            && origin.Store == _client.Store.Location.ToString()
            && origin.Name == source.Name
            && origin.Version == source.Version
            && copy.Sha256 == source.Sha256;

    private static string Moved(string alias, int? from, int? to, string why)
        => $"{alias} moved from {Describe(from)} to {Describe(to)} while the gate compared with it; promote again to compare with what it points at now (the gate said: {why})";

    private static string Describe(int? version) => version is { } v ? $"version {v.ToString(CultureInfo.InvariantCulture)}" : "nothing";

    private static void LogMetrics(Run run, string prefix, IReadOnlyDictionary<string, double> metrics)
    {
        foreach (var (name, value) in metrics)
        {
            if (double.IsFinite(value))
            {
                run.LogMetric($"{prefix}.{name}", value);
            }
        }
    }

}
