using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.ML;
using MlOps.Sdk.Data;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Models;
using MlOps.Sdk.Pipelines;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Retraining;

/// <summary>
/// Retrains one model by its policy: each attempt runs the policy's pipeline on the new data, registers the challenger,
/// measures it and production on the same holdout, and promotes it (or asks for approval) only if it passes the gate.
/// Any number of retrainers of one model may run at once, on any machines sharing the store: each trigger occurrence is
/// handled by exactly one of them, and production moves only from the version a gate compared with. Create one with
/// <see cref="RetrainingCatalog.Create{TOptions}"/>; thread-safe.
/// </summary>
/// <typeparam name="TOptions">The pipeline's options.</typeparam>
public class Retrainer<TOptions>
    where TOptions : class
{
    private const int MaxChampionChanges = 5;
    private readonly MlOpsClient _client = null!;
    private readonly RetrainingCatalog _catalog = null!;
    private readonly ILogger _logger = null!;
    private readonly Pipeline<TOptions> _pipeline = null!;
    private readonly StepOutput<ITransformer> _modelStep = null!;
    private readonly ChallengerGate _gate = null!;

    internal Retrainer(MlOpsClient client, RetrainingCatalog catalog, RetrainingPolicy<TOptions> policy, ILogger logger)
    {
        _client = client;
        _catalog = catalog;
        Policy = policy;
        _logger = logger;
        _pipeline = policy.Pipeline!;
        _modelStep = _pipeline.GetOutput<ITransformer>(policy.ModelStep);
        _gate = new ChallengerGate(client, policy.Evaluator!, policy.Rule!, [.. policy.Guards], policy.ProductionAlias);
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected Retrainer()
    {
        Policy = new RetrainingPolicy<TOptions>();
    }

    /// <summary>Gets the policy (do not change it once the retrainer runs).</summary>
    public virtual RetrainingPolicy<TOptions> Policy { get; }

    /// <summary>Gets the model retrained.</summary>
    public virtual string ModelName => Policy.ModelName;

    /// <summary>Gets the experiment its attempts are recorded in.</summary>
    public virtual string Experiment => Policy.Experiment ?? $"{Policy.ModelName}-retraining";

    /// <summary>
    /// Looks at the requests (manual calls, alerts) and the policy's triggers once, and makes an attempt for each occurrence
    /// due that no other retrainer has taken: what a hosted retrainer does on each tick. First it moves a rollout in
    /// progress on (the live check, the next canary step, production once the last step held, or a rollback).
    /// </summary>
    /// <param name="cancellationToken">A token to cancel the attempts (a cancelled attempt's run is Killed; production does not move).</param>
    /// <returns>The attempts made here, in order; empty when nothing was due.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    /// <remarks>An attempt that fails is recorded (outcome Failed, its run Failed) and does not stop the others; the first failure is rethrown after them.</remarks>
    public virtual async Task<IReadOnlyList<RetrainingAttempt>> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        if (Policy.Rollout is RolloutStrategy.Canary or RolloutStrategy.ShadowThenCanary)
        {
            await _catalog.AdvanceRolloutAsync(ModelName, Policy.Canary, cancellationToken).ConfigureAwait(false);
        }

        var champion = await ChampionAsync(cancellationToken).ConfigureAwait(false);
        var due = new List<(TriggerOccurrence Occurrence, string? RequestId)>();
        foreach (var request in await _catalog.PendingRequestsAsync(ModelName, cancellationToken).ConfigureAwait(false))
        {
            var kind = Enum.Parse<RetrainingTriggerKind>(request.Kind);
            due.Add((new TriggerOccurrence($"request:{request.Id}", kind, $"{(kind == RetrainingTriggerKind.Alert ? "alert" : "requested")} by {request.RequestedBy}: {request.Reason}", null), request.Id));
        }

        foreach (var trigger in Policy.Triggers)
        {
            if (await trigger.DueAsync(_client, new RetrainingContextSource(champion), cancellationToken).ConfigureAwait(false) is { } occurrence)
            {
                due.Add((occurrence, null));
            }
        }

        var attempts = new List<RetrainingAttempt>();
        Exception? first = null;
        foreach (var (occurrence, requestId) in due)
        {
            try
            {
                if (await TryAttemptAsync(occurrence, cancellationToken).ConfigureAwait(false) is { } attempt)
                {
                    attempts.Add(attempt);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                first ??= ex;
            }

            // A request is done once its claim has an outcome (here or in another retrainer): a claim still held by a live
            // attempt, or by one that crashed before recording it, keeps the request for the pass that takes it over.
            if (requestId is not null && await _catalog.ClaimOutcomeAsync(ModelName, occurrence.Key, cancellationToken).ConfigureAwait(false) is not null)
            {
                await _catalog.ForgetRequestAsync(ModelName, requestId, cancellationToken).ConfigureAwait(false);
            }
        }

        if (first is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }

        return attempts;
    }

    /// <summary>Makes an attempt now, whatever the triggers say: train on the latest data, gate, roll out.</summary>
    /// <param name="reason">Why, recorded with the attempt.</param>
    /// <param name="cancellationToken">A token to cancel the attempt (its run is Killed; production does not move).</param>
    /// <returns>The attempt.</returns>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is empty.</exception>
    /// <exception cref="HoldoutSchemaMismatchException">The holdout does not fit a model (the attempt is recorded Failed).</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<RetrainingAttempt> RetrainAsync(string reason, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var occurrence = new TriggerOccurrence($"manual:{Guid.CreateVersion7():N}", RetrainingTriggerKind.Manual, reason, null);
        return (await TryAttemptAsync(occurrence, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Claims the occurrence (exactly one retrainer gets it) and makes the attempt; <see langword="null"/> when another retrainer has it.</summary>
    private async Task<RetrainingAttempt?> TryAttemptAsync(TriggerOccurrence occurrence, CancellationToken cancellationToken)
    {
        if (await _catalog.ClaimAsync(ModelName, occurrence, cancellationToken).ConfigureAwait(false) is not { } token)
        {
            return null;
        }

        var start = new StartRunOptions { Name = $"retrain {ModelName}" };
        start.Tags[RetrainingTags.Model] = ModelName;
        start.Tags[RetrainingTags.Trigger] = occurrence.Kind.ToString();
        start.Tags[RetrainingTags.TriggerReason] = RetrainingTags.Clip(occurrence.Reason);
        start.Tags[RetrainingTags.Outcome] = "running";
        var run = await _client.Runs.StartAsync(Experiment, start, cancellationToken).ConfigureAwait(false);
        await using var disposeRun = run.ConfigureAwait(false);
        await _catalog.RecordClaimAsync(ModelName, occurrence.Key, token, run.Id, null, cancellationToken).ConfigureAwait(false);
        RetrainingLog.AttemptStarted(_logger, ModelName, occurrence.Kind, occurrence.Reason, run.Id);
        RetrainingAttempt attempt;
        try
        {
            attempt = await AttemptAsync(run, occurrence, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var cancelled = ex is OperationCanceledException;
            var outcome = cancelled ? "cancelled" : RetrainingTags.Value(RetrainingOutcome.Failed);
            run.SetTag(RetrainingTags.Outcome, outcome);
            run.SetTag(RetrainingTags.Reason, RetrainingTags.Clip($"{ex.GetType().Name}: {ex.Message}"));
            await run.EndWithAsync(ex).ConfigureAwait(false);
            if (cancelled)
            {
                // Stopped (a host shutting down), not failed: the occurrence is released for the next pass, here or elsewhere.
                await _catalog.ReleaseClaimAsync(ModelName, occurrence.Key, token, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await _catalog.RecordClaimAsync(ModelName, occurrence.Key, token, run.Id, outcome, CancellationToken.None).ConfigureAwait(false);
                RetrainingLog.AttemptFailed(_logger, ex, ModelName, run.Id);
            }

            throw;
        }

        await run.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        await _catalog.RecordClaimAsync(ModelName, occurrence.Key, token, run.Id, RetrainingTags.Value(attempt.Outcome), CancellationToken.None).ConfigureAwait(false);
        RetrainingLog.AttemptDone(_logger, ModelName, run.Id, attempt.Outcome, attempt.Reason);
        return attempt;
    }

    private async Task<RetrainingAttempt> AttemptAsync(Run run, TriggerOccurrence occurrence, CancellationToken cancellationToken)
    {
        var ml = CreateContext();
        var champion = await ChampionAsync(cancellationToken).ConfigureAwait(false);
        var holdout = await _client.Datasets.GetAsync(Policy.Holdout, cancellationToken).ConfigureAwait(false);
        await run.UseDatasetAsync(holdout, "holdout", cancellationToken).ConfigureAwait(false);
        var holdoutData = await holdout.LoadAsync(ml, cancellationToken).ConfigureAwait(false);

        // The champion first: a holdout that does not fit it fails the attempt before anything is trained.
        var championMetrics = champion is null ? new Dictionary<string, double>() : await _gate.EvaluateAsync(ml, champion, holdout.Uri, holdoutData, cancellationToken).ConfigureAwait(false);
        if (champion is not null)
        {
            run.SetTag(RetrainingTags.Champion, champion.Version.ToString(CultureInfo.InvariantCulture));
        }

        var options = Policy.Options!(new RetrainingContext(occurrence.Kind, occurrence.Reason, occurrence.Dataset, champion?.Version));
        var result = await _client.Pipelines.RunAsync(_pipeline, options, new PipelineRunOptions { ParentRunId = run.Id, Experiment = Experiment }, cancellationToken).ConfigureAwait(false);
        var register = new RegisterModelOptions { Description = $"retrained: {occurrence.Reason}" };
        register.Tags[RetrainingTags.Run] = run.Id;
        var challenger = await _client.Pipelines.RegisterModelAsync(result, _modelStep, ModelName, register, cancellationToken).ConfigureAwait(false);
        run.SetTag(RetrainingTags.Challenger, challenger.Version.ToString(CultureInfo.InvariantCulture));
        var challengerMetrics = await _gate.EvaluateAsync(ml, challenger, holdout.Uri, holdoutData, cancellationToken).ConfigureAwait(false);
        Log(run, "challenger", challengerMetrics);

        for (var changes = 0; ; changes++)
        {
            Log(run, "champion", championMetrics);
            var (passed, reason) = _gate.Decide(challengerMetrics, champion is null ? null : championMetrics, champion?.Version);
            RetrainingOutcome outcome;
            if (!passed)
            {
                outcome = RetrainingOutcome.Rejected;
            }
            else if (Policy.Rollout is RolloutStrategy.Canary or RolloutStrategy.ShadowThenCanary)
            {
                var started = await _catalog.StartRolloutAsync(ModelName, Policy, challenger.Version, champion?.Version, run.Id, cancellationToken).ConfigureAwait(false);
                (outcome, reason) = started is null
                    ? (RetrainingOutcome.InRollout, $"{(Policy.Rollout == RolloutStrategy.Canary ? $"canary at {RetrainingTags.Percent(Policy.Canary.Steps[0])}" : "in shadow")}: {reason}")
                    : (RetrainingOutcome.Rejected, $"{started}; {reason}");
            }
            else if (Policy.Rollout == RolloutStrategy.Approval)
            {
                await _catalog.AwaitApprovalAsync(ModelName, challenger.Version, champion?.Version, Policy.ProductionAlias, run.Id, reason, cancellationToken).ConfigureAwait(false);
                outcome = RetrainingOutcome.WaitingForApproval;
            }
            else if (await _client.Models.PromoteIfAsync(ModelName, Policy.ProductionAlias, challenger.Version, champion?.Version, $"retraining run {run.Id}: {reason}", null, cancellationToken).ConfigureAwait(false))
            {
                outcome = RetrainingOutcome.Promoted;
            }
            else if (changes < MaxChampionChanges)
            {
                // Production moved since the comparison (another retrainer, a person): compare with what serves now.
                champion = await ChampionAsync(cancellationToken).ConfigureAwait(false);
                championMetrics = champion is null ? [] : await _gate.EvaluateAsync(ml, champion, holdout.Uri, holdoutData, cancellationToken).ConfigureAwait(false);
                run.SetTag(RetrainingTags.Champion, champion?.Version.ToString(CultureInfo.InvariantCulture) ?? "none");
                continue;
            }
            else
            {
                outcome = RetrainingOutcome.Rejected;
                reason = $"production kept moving while this attempt compared with it ({MaxChampionChanges + 1} times); {reason}";
            }

            run.SetTag(RetrainingTags.Outcome, RetrainingTags.Value(outcome));
            run.SetTag(RetrainingTags.Reason, RetrainingTags.Clip(reason));
            return new RetrainingAttempt(run.Id, ModelName, occurrence.Kind, outcome, reason, challenger.Version, champion?.Version, challengerMetrics, championMetrics);
        }
    }

    private async Task<ModelVersion?> ChampionAsync(CancellationToken cancellationToken)
    {
        var aliases = await _client.Models.GetAliasesAsync(ModelName, cancellationToken).ConfigureAwait(false);
        return aliases.TryGetValue(Policy.ProductionAlias, out var version)
            ? await _client.Models.GetAsync(ModelRef.ForVersion(ModelName, version), cancellationToken).ConfigureAwait(false)
            : null;
    }

    private MLContext CreateContext()
    {
        var ml = new MLContext(seed: 1);
        _pipeline.ConfigureMLContext?.Invoke(ml);
        return ml;
    }

    private static void Log(Run run, string prefix, IReadOnlyDictionary<string, double> metrics)
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

/// <summary>The tags an attempt's run carries, searchable: <c>tags.mlops.retraining.outcome = 'rejected'</c>.</summary>
internal static class RetrainingTags
{
    public const string Model = "mlops.retraining.model";
    public const string Trigger = "mlops.retraining.trigger";
    public const string TriggerReason = "mlops.retraining.trigger_reason";
    public const string Outcome = "mlops.retraining.outcome";
    public const string Reason = "mlops.retraining.reason";
    public const string Challenger = "mlops.retraining.challenger";
    public const string Champion = "mlops.retraining.champion";
    public const string Run = "mlops.retraining.run";
    public const string DecidedBy = "mlops.retraining.decided_by";

    /// <summary>A reason cut to what a tag holds well (400 characters).</summary>
    public static string Clip(string text) => text.Length > 400 ? text[..400] : text;

    /// <summary>A share as a percentage: 0.05 is <c>5%</c>, 0.125 is <c>12.5%</c>, whatever the culture.</summary>
    public static string Percent(double share) => (share * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    public static string Value(RetrainingOutcome outcome) => outcome switch
    {
        RetrainingOutcome.Promoted => "promoted",
        RetrainingOutcome.Rejected => "rejected",
        RetrainingOutcome.WaitingForApproval => "waiting-for-approval",
        RetrainingOutcome.RolledBack => "rolled-back",
        RetrainingOutcome.Superseded => "superseded",
        RetrainingOutcome.InRollout => "in-rollout",
        _ => "failed",
    };

    public static RetrainingOutcome? Parse(string? value) => value switch
    {
        "promoted" => RetrainingOutcome.Promoted,
        "rejected" => RetrainingOutcome.Rejected,
        "waiting-for-approval" => RetrainingOutcome.WaitingForApproval,
        "rolled-back" => RetrainingOutcome.RolledBack,
        "superseded" => RetrainingOutcome.Superseded,
        "in-rollout" => RetrainingOutcome.InRollout,
        "failed" or "cancelled" => RetrainingOutcome.Failed,
        _ => null,
    };
}
