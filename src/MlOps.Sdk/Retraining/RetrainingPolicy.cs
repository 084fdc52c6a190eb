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

    /// <summary>
    /// The challenger serves a growing share of requests through the <c>canary</c> alias (<see cref="CanaryOptions.Steps"/>),
    /// its live health checked between steps; production moves to it after the last step, or the canary is rolled back.
    /// </summary>
    Canary = 2,

    /// <summary>The challenger first gets a copy of every request through the <c>shadow</c> alias for <see cref="CanaryOptions.ShadowDuration"/> (its answers are not served), then the canary steps.</summary>
    ShadowThenCanary = 3,
}

/// <summary>How a canary rollout goes (<see cref="RolloutStrategy.Canary"/>, <see cref="RolloutStrategy.ShadowThenCanary"/>).</summary>
public sealed class CanaryOptions
{
    /// <summary>Gets the shares of requests the canary gets, step by step, each from 0 to 1 and larger than the one before; production moves after the last.</summary>
    public IList<double> Steps { get; } = [0.05, 0.25, 0.5];

    /// <summary>Gets or sets how long each step lasts before the next (the live check must pass at its end).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan StepDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets how long the shadow stage lasts, for <see cref="RolloutStrategy.ShadowThenCanary"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan ShadowDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the alias served predictors follow for the canary arm (<c>PredictorOptions.Canary(model, weight, alias)</c>).</summary>
    [Required]
    public string Alias { get; set; } = "canary";

    /// <summary>Gets or sets the alias served predictors follow for the shadow (<c>PredictorOptions.ShadowUri = "models:/name@shadow"</c>).</summary>
    [Required]
    public string ShadowAlias { get; set; } = "shadow";

    /// <summary>
    /// Gets or sets how the challenger does live: checked on every pass of the retrainer while the rollout runs (an
    /// unhealthy answer rolls the canary back at once) and required healthy to take the next step: a check of live metrics
    /// (the prediction logs joined with feedback); without one, the steps go by time alone.
    /// </summary>
    public Func<RolloutCheck, CancellationToken, Task<RolloutHealth>>? LiveCheck { get; set; }
}

/// <summary>What a live check looks at: the rollout's state now.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Challenger">The version rolled out.</param>
/// <param name="Champion">The production version (what the challenger is compared with live).</param>
/// <param name="Stage">The stage: <c>shadow</c>, or <c>canary</c>.</param>
/// <param name="Weight">The canary's share of requests now (0 in the shadow stage).</param>
/// <param name="StageStartedAt">When the stage began: live data since then belongs to it.</param>
/// <param name="RunId">The attempt's run.</param>
public sealed record RolloutCheck(string Model, int Challenger, int? Champion, string Stage, double Weight, DateTimeOffset StageStartedAt, string RunId);

/// <summary>A live check's answer.</summary>
/// <param name="Healthy">Whether the rollout may go on.</param>
/// <param name="Reason">Why, recorded when it rolls the canary back.</param>
public sealed record RolloutHealth(bool Healthy, string Reason)
{
    /// <summary>Gets an answer that lets the rollout go on.</summary>
    public static RolloutHealth Ok { get; } = new(true, "healthy");

    /// <summary>An answer that rolls the canary back.</summary>
    /// <param name="reason">Why: the guard that failed, with its values.</param>
    /// <returns>The answer.</returns>
    public static RolloutHealth Unhealthy(string reason) => new(false, reason);
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

    /// <summary>Gets the canary's steps, durations, aliases and live check (used by <see cref="RolloutStrategy.Canary"/> and <see cref="RolloutStrategy.ShadowThenCanary"/>).</summary>
    public CanaryOptions Canary { get; } = new();

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

    /// <summary>A newer challenger took its place while it waited for approval (or production moved under its rollout).</summary>
    Superseded = 5,

    /// <summary>The challenger passed the gate and is being rolled out (shadow or canary); it ends Promoted or RolledBack.</summary>
    InRollout = 6,
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
