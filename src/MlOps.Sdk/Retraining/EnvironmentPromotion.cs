using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Retraining;

/// <summary>How a gated promotion between environments ended.</summary>
public enum EnvironmentPromotionOutcome
{
    /// <summary>The version passed the gate: it is copied into the target store and the alias there points at the copy.</summary>
    Promoted = 0,

    /// <summary>
    /// The version did not pass the gate, or the alias moved in the target store while the gate compared with it: the
    /// alias did not move.
    /// </summary>
    Rejected = 1,
}

/// <summary>
/// One gated promotion of a model version into another environment's store: a run there whose tags record the outcome and
/// the reason (<c>mlops.promotion.outcome</c>, <c>mlops.promotion.reason</c>), and whose metrics compare the two models
/// (<c>challenger.auc</c>, <c>champion.auc</c>).
/// </summary>
/// <param name="RunId">The promotion's run, in the target store.</param>
/// <param name="Model">The model's name (the same in both stores).</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Reason">Why, in words: the rule's comparison, the failing guard, the alias that moved.</param>
/// <param name="Source">The version promoted, in the source store (<c>models:/churn/7</c>).</param>
/// <param name="SourceEnvironment">The source store's environment.</param>
/// <param name="TargetVersion">The copy in the target store; <see langword="null"/> when rejected before anything was copied.</param>
/// <param name="Champion">The version the alias pointed at in the target store, compared with; <see langword="null"/> when there was none.</param>
/// <param name="Alias">The alias of the target store the gate guards.</param>
/// <param name="ChallengerMetrics">The promoted version's metrics on the target's holdout.</param>
/// <param name="ChampionMetrics">The champion's metrics on the same holdout (empty without a champion).</param>
public sealed record EnvironmentPromotion(
    string RunId,
    string Model,
    EnvironmentPromotionOutcome Outcome,
    string Reason,
    string Source,
    string SourceEnvironment,
    int? TargetVersion,
    int? Champion,
    string Alias,
    IReadOnlyDictionary<string, double> ChallengerMetrics,
    IReadOnlyDictionary<string, double> ChampionMetrics);

/// <summary>The tags a promotion's run carries, searchable: <c>tags.mlops.promotion.outcome = 'rejected'</c>.</summary>
internal static class PromotionTags
{
    public const string Model = "mlops.promotion.model";
    public const string Source = "mlops.promotion.source";
    public const string SourceStore = "mlops.promotion.source_store";
    public const string SourceEnvironment = "mlops.promotion.source_environment";
    public const string Alias = "mlops.promotion.alias";
    public const string Outcome = "mlops.promotion.outcome";
    public const string Reason = "mlops.promotion.reason";
    public const string Champion = "mlops.promotion.champion";
    public const string TargetVersion = "mlops.promotion.target_version";

    /// <summary>The same words a retraining attempt's outcome uses.</summary>
    public static string Value(EnvironmentPromotionOutcome outcome)
        => outcome == EnvironmentPromotionOutcome.Promoted ? RetrainingTags.Value(RetrainingOutcome.Promoted) : RetrainingTags.Value(RetrainingOutcome.Rejected);
}

/// <summary>Environment promotion's log messages (event ids 3550-3559, inside retraining's range), source-generated.</summary>
internal static partial class EnvironmentPromotionLog
{
    [LoggerMessage(EventId = 3550, Level = LogLevel.Information, Message = "Promotion of {Source} from {SourceEnvironment} to {TargetEnvironment}: run {RunId} {Outcome}: {Reason}")]
    public static partial void Done(this ILogger logger, string source, string sourceEnvironment, string targetEnvironment, string runId, EnvironmentPromotionOutcome outcome, string reason);

    [LoggerMessage(EventId = 3551, Level = LogLevel.Error, Message = "Promotion of {Source} to {TargetEnvironment}: run {RunId} failed; the alias did not move")]
    public static partial void Failed(this ILogger logger, Exception exception, string source, string targetEnvironment, string runId);
}
