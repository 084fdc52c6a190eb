using System.ComponentModel.DataAnnotations;
using MlOps.Sdk.Pipelines;

namespace MlOps.Sdk.Retraining;

/// <summary>How a rollout moves production once a challenger passes the gate.</summary>
public enum RolloutStrategy
{
    /// <summary>Production moves to the challenger at once.</summary>
    Direct = 0,

    /// <summary>The challenger waits for a person: <see cref="RetrainingCatalog.ApproveAsync"/> or <see cref="RetrainingCatalog.RejectAsync"/>.</summary>
    Approval = 1,
}

/// <summary>
/// What a retrainer does: which pipeline makes a challenger from which data, how it is compared with production on a
/// holdout, and how it is rolled out. Validated when the retrainer is created.
/// </summary>
/// <typeparam name="TOptions">The pipeline's options.</typeparam>
public sealed class RetrainingPolicy<TOptions>
    where TOptions : class
{
    /// <summary>Gets or sets the registered model retrained (challengers are registered as its versions).</summary>
    [Required]
    public string ModelName { get; set; } = string.Empty;

    /// <summary>Gets or sets the pipeline that trains a challenger: the one development runs.</summary>
    [Required]
    public Pipeline<TOptions>? Pipeline { get; set; }

    /// <summary>Gets or sets the pipeline step whose output is the model (an <see cref="Microsoft.ML.ITransformer"/> step).</summary>
    [Required]
    public string ModelStep { get; set; } = string.Empty;

    /// <summary>Gets or sets the pipeline's options for an attempt: <c>context => new FlightOptions { Data = context.Dataset?.Uri ?? "datasets:/flights@latest" }</c>.</summary>
    [Required]
    public Func<RetrainingContext, TOptions>? Options { get; set; }

    /// <summary>Gets or sets the holdout both models are measured on: a dataset URI (<c>datasets:/flights-holdout@latest</c>), never trained on.</summary>
    [Required]
    public string Holdout { get; set; } = string.Empty;

    /// <summary>Gets or sets how a model is measured on the holdout.</summary>
    [Required]
    public ModelEvaluator? Evaluator { get; set; }

    /// <summary>Gets or sets when a challenger beats production.</summary>
    [Required]
    public PromotionRule? Rule { get; set; }

    /// <summary>Gets the metrics that must not regress (beyond each guard's allowance) for a challenger to be promoted.</summary>
    public IList<GuardRule> Guards { get; } = [];

    /// <summary>Gets the triggers <see cref="Retrainer{TOptions}.RunOnceAsync"/> checks (requests need none).</summary>
    public IList<RetrainingTrigger> Triggers { get; } = [];

    /// <summary>Gets or sets how production moves when a challenger passes.</summary>
    public RolloutStrategy Rollout { get; set; } = RolloutStrategy.Direct;

    /// <summary>Gets or sets the alias that serves: the champion.</summary>
    [Required]
    public string ProductionAlias { get; set; } = "production";

    /// <summary>Gets or sets the experiment attempts are recorded in; <c>{ModelName}-retraining</c> when <see langword="null"/>.</summary>
    public string? Experiment { get; set; }
}

/// <summary>What an attempt is for: given to <see cref="RetrainingPolicy{TOptions}.Options"/>.</summary>
/// <param name="Trigger">What started it.</param>
/// <param name="Reason">Why, in words (the trigger's description or the request's reason).</param>
/// <param name="Dataset">The new data, for a dataset trigger; <see langword="null"/> otherwise (use the latest).</param>
/// <param name="ChampionVersion">The production version when it started, if any.</param>
public sealed record RetrainingContext(RetrainingTriggerKind Trigger, string Reason, Data.DatasetVersion? Dataset, int? ChampionVersion);

/// <summary>How an attempt ended.</summary>
public enum RetrainingOutcome
{
    /// <summary>The challenger passed the gate and production moved to it.</summary>
    Promoted = 0,

    /// <summary>The challenger did not pass the gate (or a person rejected it); production did not move.</summary>
    Rejected = 1,

    /// <summary>The challenger passed the gate and waits for a person's approval.</summary>
    WaitingForApproval = 2,

    /// <summary>The challenger was promoted and production was rolled back from it since.</summary>
    RolledBack = 3,

    /// <summary>The attempt failed (its run records the exception); production did not move.</summary>
    Failed = 4,

    /// <summary>A newer challenger took its place while it waited for approval.</summary>
    Superseded = 5,
}

/// <summary>One retraining attempt: a run whose tags record the outcome and reason (<c>mlops.retraining.outcome</c>, <c>mlops.retraining.reason</c>).</summary>
/// <param name="RunId">The attempt's run.</param>
/// <param name="Model">The model's name.</param>
/// <param name="Trigger">What started it.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Reason">Why, in words: the rule's comparison, the failing guard, the approval waited for.</param>
/// <param name="Challenger">The challenger's version, once registered.</param>
/// <param name="Champion">The production version it was compared with, if any.</param>
/// <param name="ChallengerMetrics">The challenger's metrics on the holdout.</param>
/// <param name="ChampionMetrics">The champion's metrics on the same holdout (empty without a champion).</param>
public sealed record RetrainingAttempt(
    string RunId,
    string Model,
    RetrainingTriggerKind Trigger,
    RetrainingOutcome Outcome,
    string Reason,
    int? Challenger,
    int? Champion,
    IReadOnlyDictionary<string, double> ChallengerMetrics,
    IReadOnlyDictionary<string, double> ChampionMetrics);
