using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.ML;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Models;
using MlOps.Sdk.Records;
using MlOps.Sdk.Registry;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Retraining;

/// <summary>
/// Retraining (<c>client.Retraining</c>): retrainers made from policies, requests that any retrainer of a model picks up
/// (manual calls, monitoring alerts), approvals of challengers that wait for a person, and rollback in one call. Every
/// attempt is a run whose outcome and reason are tags, searchable like any run's.
/// </summary>
public partial class RetrainingCatalog
{
    private const string Waiting = "waiting";
    private readonly MlOpsClient _client = null!;
    private readonly RecordStore _records = null!;
    private readonly ILogger _logger = null!;

    internal RetrainingCatalog(MlOpsClient client)
    {
        _client = client;
        _records = new RecordStore(client.Store, client.ConflictRetry);
        _logger = client.LoggerFactory.CreateLogger<RetrainingCatalog>();
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected RetrainingCatalog()
    {
    }

    /// <summary>Creates a retrainer from a policy, checking the policy first.</summary>
    /// <typeparam name="TOptions">The pipeline's options.</typeparam>
    /// <param name="policy">The policy.</param>
    /// <returns>The retrainer.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A required setting is missing or out of range (the message names it).</exception>
    /// <exception cref="ArgumentException">
    /// The rule or a guard names a metric the evaluator does not produce, the model step is not a model step of the
    /// pipeline, or the model name is invalid.
    /// </exception>
    /// <exception cref="FormatException">The holdout is not a dataset URI.</exception>
    public virtual Retrainer<TOptions> Create<TOptions>(RetrainingPolicy<TOptions> policy)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(policy);
        OptionsValidation.ThrowIfInvalid(policy);
        OptionsValidation.ThrowIfInvalid(policy.Rule!);
        foreach (var guard in policy.Guards)
        {
            OptionsValidation.ThrowIfInvalid(guard);
        }

        RegistryNames.Name(policy.ModelName, "Model");
        Data.DatasetRef.Parse(policy.Holdout);
        var produced = policy.Evaluator!.Metrics;
        foreach (var metric in policy.Guards.Select(g => g.Metric).Prepend(policy.Rule!.Metric))
        {
            if (!produced.Contains(metric, StringComparer.Ordinal))
            {
                throw new ArgumentException($"The retraining policy of '{policy.ModelName}' names the metric '{metric}', which its evaluator does not produce (it produces {string.Join(", ", produced)}).", nameof(policy));
            }
        }

        policy.Pipeline!.GetOutput<ITransformer>(policy.ModelStep);
        if (policy.Rollout is RolloutStrategy.Canary or RolloutStrategy.ShadowThenCanary)
        {
            OptionsValidation.ThrowIfInvalid(policy.Canary);
            var steps = policy.Canary.Steps;
            if (steps.Count == 0 || steps.Any(w => !(w is > 0 and < 1)) || steps.Zip(steps.Skip(1)).Any(p => p.Second <= p.First))
            {
                throw new ArgumentException($"The canary steps of '{policy.ModelName}' are {string.Join(", ", steps)}; give at least one share, each above 0 and below 1, each larger than the one before (production takes all after the last).", nameof(policy));
            }

            RegistryNames.Alias(policy.Canary.Alias, allowLatest: false, nameof(policy));
            RegistryNames.Alias(policy.Canary.ShadowAlias, allowLatest: false, nameof(policy));
            var names = new[] { policy.ProductionAlias, policy.Canary.Alias, policy.Canary.ShadowAlias };
            if (names.Distinct(StringComparer.OrdinalIgnoreCase).Count() != names.Length)
            {
                throw new ArgumentException($"The production, canary and shadow aliases of '{policy.ModelName}' must differ ({string.Join(", ", names)}).", nameof(policy));
            }
        }
        return new Retrainer<TOptions>(_client, this, policy, _client.LoggerFactory.CreateLogger<Retrainer<TOptions>>());
    }

    /// <summary>
    /// Asks for a retraining of a model: the next pass of any of its retrainers (<see cref="Retrainer{TOptions}.RunOnceAsync"/>,
    /// a hosted one on its next tick) makes the attempt, exactly once. This is the hook monitoring's alerts fire.
    /// </summary>
    /// <param name="model">The model's name.</param>
    /// <param name="reason">Why, recorded with the attempt.</param>
    /// <param name="kind"><see cref="RetrainingTriggerKind.Manual"/> or <see cref="RetrainingTriggerKind.Alert"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The request's id.</returns>
    /// <exception cref="ArgumentException">A name or the reason is invalid, or the kind is not Manual or Alert.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<string> RequestAsync(string model, string reason, RetrainingTriggerKind kind = RetrainingTriggerKind.Manual, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(model, "Model");
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (kind is not (RetrainingTriggerKind.Manual or RetrainingTriggerKind.Alert))
        {
            throw new ArgumentException($"A request is Manual or Alert, not {kind}: the other triggers are a policy's.", nameof(kind));
        }

        var id = Guid.CreateVersion7(_client.TimeProvider.GetUtcNow()).ToString("N");
        await _records.CreateAsync(
            RetrainingKeys.Request(model, id),
            new RetrainingRequestRecord { Id = id, Kind = kind.ToString(), Reason = reason, RequestedBy = Environment.UserName, RequestedAt = _client.TimeProvider.GetUtcNow() },
            RetrainingJsonContext.Default.RetrainingRequestRecord,
            cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>Lists the challengers of a model that wait for approval (one at most: a newer one supersedes it).</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The waiting challengers.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyList<PendingApproval>> GetPendingApprovalsAsync(string model, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(model, "Model");
        return [.. (await ApprovalsAsync(model, cancellationToken).ConfigureAwait(false))
            .Where(a => a.State == Waiting)
            .Select(a => new PendingApproval(a.Model, a.Version, a.Champion, a.Alias, a.RunId, a.Summary, a.RequestedAt))];
    }

    /// <summary>
    /// Approves a waiting challenger: production moves to it (only if production is still the version it was compared
    /// with), and the alias history records the user and the reason.
    /// </summary>
    /// <param name="model">The model's name.</param>
    /// <param name="version">The waiting challenger.</param>
    /// <param name="user">Who approves, recorded as the change's author.</param>
    /// <param name="reason">Why, recorded in the alias history.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The change of production.</returns>
    /// <exception cref="ArgumentException">A name, the user or the reason is empty.</exception>
    /// <exception cref="ApprovalNotPendingException">The version does not wait (decided, superseded, never waiting), or production moved since the comparison.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<ModelAliasChange> ApproveAsync(string model, int version, string user, string reason, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        var approval = await DecideAsync(model, version, user, reason, "approved", cancellationToken).ConfigureAwait(false);
        var why = $"approved by {user}: {reason} (retraining run {approval.RunId}: {approval.Summary})";
        bool promoted;
        try
        {
            promoted = await _client.Models.PromoteIfAsync(model, approval.Alias, version, approval.Champion, RetrainingTags.Clip(why), user, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Production did not move (the store failed, or the call was cancelled): the challenger waits again.
            await _records.UpdateAsync(
                RetrainingKeys.Approval(model, version),
                current => current is { State: "approved" } && current.DecidedBy == user ? Copy(current, Waiting, null, "the approval could not move production; approve again") : null,
                RetrainingJsonContext.Default.ApprovalRecord,
                CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        if (!promoted)
        {
            var now = (await _client.Models.GetAliasesAsync(model, cancellationToken).ConfigureAwait(false)).TryGetValue(approval.Alias, out var current) ? $"version {current}" : "nothing";
            var state = $"{approval.Alias} moved from {(approval.Champion is { } c ? $"version {c}" : "nothing")} to {now} since it was compared; retrain to compare again";
            await SetApprovalStateAsync(model, version, "superseded", user, state, fromApproved: true, cancellationToken).ConfigureAwait(false);
            await TagAttemptAsync(approval.RunId, RetrainingOutcome.Superseded, state, null, cancellationToken).ConfigureAwait(false);
            throw new ApprovalNotPendingException(model, version, state);
        }

        await TagAttemptAsync(approval.RunId, RetrainingOutcome.Promoted, why, user, cancellationToken).ConfigureAwait(false);
        RetrainingLog.Decided(_logger, model, version, "approved", user, reason);
        return (await _client.Models.GetAliasHistoryAsync(model, approval.Alias, cancellationToken).ConfigureAwait(false))[^1];
    }

    /// <summary>Rejects a waiting challenger: production does not move; the attempt records the user and the reason.</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="version">The waiting challenger.</param>
    /// <param name="user">Who rejects.</param>
    /// <param name="reason">Why.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the rejection is recorded.</returns>
    /// <exception cref="ArgumentException">A name, the user or the reason is empty.</exception>
    /// <exception cref="ApprovalNotPendingException">The version does not wait for approval.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task RejectAsync(string model, int version, string user, string reason, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        var approval = await DecideAsync(model, version, user, reason, "rejected", cancellationToken).ConfigureAwait(false);
        await TagAttemptAsync(approval.RunId, RetrainingOutcome.Rejected, $"rejected by {user}: {reason}", user, cancellationToken).ConfigureAwait(false);
        RetrainingLog.Decided(_logger, model, version, "rejected", user, reason);
    }

    /// <summary>
    /// Restores the version production pointed at before its last change, in one call, and records on the attempt that
    /// promoted the version rolled back from that it was rolled back.
    /// </summary>
    /// <param name="model">The model's name.</param>
    /// <param name="reason">Why, recorded in the alias history.</param>
    /// <param name="aliasName">The alias rolled back.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The change made.</returns>
    /// <exception cref="InvalidOperationException">The alias has no earlier version, or changed meanwhile.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<ModelAliasChange> RollbackAsync(string model, string reason, string aliasName = "production", CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        var change = await _client.Models.RollbackAsync(model, aliasName, reason, cancellationToken).ConfigureAwait(false);
        if (change.From is { } from
            && (await _client.Models.GetAsync(ModelRef.ForVersion(model, from), cancellationToken).ConfigureAwait(false)).Tags.TryGetValue(RetrainingTags.Run, out var runId))
        {
            await TagAttemptAsync(runId, RetrainingOutcome.RolledBack, $"rolled back to version {change.To}: {reason}", null, cancellationToken).ConfigureAwait(false);
        }

        return change;
    }

    /// <summary>Lists a model's retraining attempts, oldest first, with their outcome and reason as recorded now.</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="experiment">The experiment they are recorded in; <c>{model}-retraining</c> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The attempts.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyList<RetrainingAttempt>> GetAttemptsAsync(string model, string? experiment = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(model, "Model");
        var query = new RunQuery { Filter = $"tags.{RetrainingTags.Model} = '{model}'" };
        query.Experiments.Add(experiment ?? $"{model}-retraining");
        var attempts = new List<(DateTimeOffset Start, RetrainingAttempt Attempt)>();
        var runs = new List<RunInfo>();
        try
        {
            await foreach (var run in _client.Runs.SearchAsync(query, cancellationToken).ConfigureAwait(false))
            {
                runs.Add(run);
            }
        }
        catch (ExperimentNotFoundException)
        {
            return []; // no attempt yet
        }

        foreach (var run in runs)
        {
            static int? Version(RunInfo run, string tag) => run.Tags.TryGetValue(tag, out var v) && int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
            static Dictionary<string, double> Metrics(RunInfo run, string prefix)
                => run.Metrics.Where(m => m.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(m => m.Key[prefix.Length..], m => m.Value.Last, StringComparer.Ordinal);
            var outcome = RetrainingTags.Parse(run.Tags.GetValueOrDefault(RetrainingTags.Outcome)) ?? (run.Status == RunStatus.Running ? null : RetrainingOutcome.Failed);
            if (outcome is null)
            {
                continue; // still running
            }

            attempts.Add((run.StartTime, new RetrainingAttempt(
                run.Id,
                model,
                Enum.TryParse<RetrainingTriggerKind>(run.Tags.GetValueOrDefault(RetrainingTags.Trigger), out var trigger) ? trigger : RetrainingTriggerKind.Manual,
                outcome.Value,
                run.Tags.GetValueOrDefault(RetrainingTags.Reason) ?? string.Empty,
                Version(run, RetrainingTags.Challenger),
                Version(run, RetrainingTags.Champion),
                Metrics(run, "challenger."),
                Metrics(run, "champion."))));
        }

        return [.. attempts.OrderBy(a => a.Start).Select(a => a.Attempt)];
    }

    internal async Task<IReadOnlyList<RetrainingRequestRecord>> PendingRequestsAsync(string model, CancellationToken cancellationToken)
    {
        var requests = new List<RetrainingRequestRecord>();
        await foreach (var item in _client.Store.ListAsync(RetrainingKeys.Requests(model), cancellationToken).ConfigureAwait(false))
        {
            if (await _records.GetAsync(item.Key, RetrainingJsonContext.Default.RetrainingRequestRecord, cancellationToken).ConfigureAwait(false) is { } request)
            {
                requests.Add(request);
            }
        }

        return [.. requests.OrderBy(r => r.RequestedAt)];
    }

    internal Task ForgetRequestAsync(string model, string id, CancellationToken cancellationToken)
        => _client.Store.DeleteAsync(RetrainingKeys.Request(model, id), cancellationToken: cancellationToken);

    /// <summary>
    /// Claims a trigger's occurrence for one attempt: created if absent, so exactly one retrainer gets it; an occurrence
    /// whose attempt crashed (its run stopped beating, or it never started one) is taken over by compare-and-swap.
    /// </summary>
    /// <returns>The claim's token (later updates need it), or <see langword="null"/> when another attempt holds the occurrence.</returns>
    internal async Task<string?> ClaimAsync(string model, TriggerOccurrence occurrence, CancellationToken cancellationToken)
    {
        var key = RetrainingKeys.Claim(model, occurrence.Key);
        var claimedBy = $"{Environment.MachineName}/{Environment.ProcessId}";
        var token = Guid.NewGuid().ToString("N");
        try
        {
            await _records.CreateAsync(key, new RetrainingClaimRecord { Trigger = occurrence.Key, Kind = occurrence.Kind.ToString(), ClaimedBy = claimedBy, Token = token, ClaimedAt = _client.TimeProvider.GetUtcNow() }, RetrainingJsonContext.Default.RetrainingClaimRecord, cancellationToken).ConfigureAwait(false);
            return token;
        }
        catch (PreconditionFailedException)
        {
        }

        var existing = await _records.GetAsync(key, RetrainingJsonContext.Default.RetrainingClaimRecord, cancellationToken).ConfigureAwait(false);
        if (existing is null || existing.Outcome is not (null or "cancelled") || !await AbandonedAsync(key, existing, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var taken = false;
        await _records.UpdateAsync(
            key,
            current =>
            {
                taken = current is not null && current.Outcome == existing.Outcome && current.RunId == existing.RunId && current.Token == existing.Token;
                return taken ? new RetrainingClaimRecord { Trigger = current!.Trigger, Kind = current.Kind, ClaimedBy = claimedBy, Token = token, ClaimedAt = _client.TimeProvider.GetUtcNow() } : null;
            },
            RetrainingJsonContext.Default.RetrainingClaimRecord,
            cancellationToken).ConfigureAwait(false);
        if (taken)
        {
            RetrainingLog.ClaimTakenOver(_logger, model, existing.RunId, occurrence.Key);
        }

        return taken ? token : null;
    }

    /// <summary>The outcome recorded on an occurrence's claim; <see langword="null"/> while unclaimed or in progress.</summary>
    internal async Task<string?> ClaimOutcomeAsync(string model, string trigger, CancellationToken cancellationToken)
        => (await _records.GetAsync(RetrainingKeys.Claim(model, trigger), RetrainingJsonContext.Default.RetrainingClaimRecord, cancellationToken).ConfigureAwait(false))?.Outcome;

    /// <summary>Gives an occurrence back (its attempt was cancelled): deleted if the claim is still this attempt's, so the next pass claims it afresh.</summary>
    internal async Task ReleaseClaimAsync(string model, string trigger, string token, CancellationToken cancellationToken)
    {
        var key = RetrainingKeys.Claim(model, trigger);
        if (await _records.ReadAsync(key, RetrainingJsonContext.Default.RetrainingClaimRecord, cancellationToken).ConfigureAwait(false) is { } read && read.Value.Token == token)
        {
            await _client.Store.DeleteAsync(key, read.ETag, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records the attempt's run and outcome on its claim, if the claim is still this attempt's (another may have taken it over).</summary>
    /// <returns><see langword="true"/> when recorded.</returns>
    internal async Task<bool> RecordClaimAsync(string model, string trigger, string token, string runId, string? outcome, CancellationToken cancellationToken)
    {
        var owned = false;
        await _records.UpdateAsync(
            RetrainingKeys.Claim(model, trigger),
            current =>
            {
                owned = current is not null && current.Token == token;
                return owned ? new RetrainingClaimRecord { Trigger = current!.Trigger, Kind = current.Kind, ClaimedBy = current.ClaimedBy, Token = token, ClaimedAt = current.ClaimedAt, RunId = runId, Outcome = outcome } : null;
            },
            RetrainingJsonContext.Default.RetrainingClaimRecord,
            cancellationToken).ConfigureAwait(false);
        return owned;
    }

    /// <summary>Records that a challenger waits for approval; one that waited before it is superseded (the newest data wins).</summary>
    internal async Task AwaitApprovalAsync(string model, int version, int? champion, string alias, string runId, string summary, CancellationToken cancellationToken)
    {
        foreach (var older in (await ApprovalsAsync(model, cancellationToken).ConfigureAwait(false)).Where(a => a.State == Waiting && a.Version != version))
        {
            var why = $"superseded by version {version} (retraining run {runId})";
            if (await SetApprovalStateAsync(model, older.Version, "superseded", null, why, fromApproved: false, cancellationToken).ConfigureAwait(false))
            {
                await TagAttemptAsync(older.RunId, RetrainingOutcome.Superseded, why, null, cancellationToken).ConfigureAwait(false);
            }
        }

        await _records.WriteAsync(
            RetrainingKeys.Approval(model, version),
            new ApprovalRecord { Model = model, Version = version, Champion = champion, Alias = alias, RunId = runId, State = Waiting, Summary = summary, RequestedAt = _client.TimeProvider.GetUtcNow() },
            RetrainingJsonContext.Default.ApprovalRecord,
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> AbandonedAsync(string key, RetrainingClaimRecord claim, CancellationToken cancellationToken)
    {
        if (claim.Outcome == "cancelled")
        {
            return true; // given back by a stopped attempt (a claim written before claims were released on cancellation)
        }

        if (claim.RunId is null)
        {
            // Claimed, but no run started: judged by the store's clock, as heartbeats are, never by two writers' clocks.
            var written = await _client.Store.GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false);
            var now = await _client.Store.GetCurrentTimeAsync(cancellationToken).ConfigureAwait(false);
            return written is not null && now - written.LastModified > _client.TrackingOptions.CrashGracePeriod * 2;
        }

        try
        {
            return (await _client.Runs.GetAsync(claim.RunId, cancellationToken).ConfigureAwait(false)).Status == RunStatus.Crashed;
        }
        catch (RunNotFoundException)
        {
            return true;
        }
    }

    /// <summary>Moves a waiting approval to a decision by compare-and-swap: of two people deciding at once, one does.</summary>
    private async Task<ApprovalRecord> DecideAsync(string model, int version, string user, string reason, string decision, CancellationToken cancellationToken)
    {
        RegistryNames.Name(model, "Model");
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        ApprovalRecord? found = null;
        string? state = null;
        await _records.UpdateAsync(
            RetrainingKeys.Approval(model, version),
            current =>
            {
                found = current;
                if (current is null || current.State != Waiting)
                {
                    state = current is null ? "no retraining attempt asked for its approval" : Describe(current);
                    return null;
                }

                state = null;
                return Copy(current, decision, user, reason);
            },
            RetrainingJsonContext.Default.ApprovalRecord,
            cancellationToken).ConfigureAwait(false);
        return state is null ? found! : throw new ApprovalNotPendingException(model, version, state);
    }

    /// <summary>Changes a waiting approval's state (or, with <paramref name="fromApproved"/>, an approved one whose promotion could not be made) by compare-and-swap.</summary>
    private async Task<bool> SetApprovalStateAsync(string model, int version, string state, string? user, string reason, bool fromApproved, CancellationToken cancellationToken)
    {
        var changed = false;
        await _records.UpdateAsync(
            RetrainingKeys.Approval(model, version),
            current =>
            {
                changed = current is not null && current.State == (fromApproved ? "approved" : Waiting);
                return changed ? Copy(current!, state, user, reason) : null;
            },
            RetrainingJsonContext.Default.ApprovalRecord,
            cancellationToken).ConfigureAwait(false);
        return changed;
    }

    private async Task<List<ApprovalRecord>> ApprovalsAsync(string model, CancellationToken cancellationToken)
    {
        var approvals = new List<ApprovalRecord>();
        await foreach (var item in _client.Store.ListAsync(RetrainingKeys.Approvals(model), cancellationToken).ConfigureAwait(false))
        {
            if (await _records.GetAsync(item.Key, RetrainingJsonContext.Default.ApprovalRecord, cancellationToken).ConfigureAwait(false) is { } approval)
            {
                approvals.Add(approval);
            }
        }

        return approvals;
    }

    private async Task TagAttemptAsync(string runId, RetrainingOutcome outcome, string reason, string? user, CancellationToken cancellationToken)
    {
        await _client.Runs.SetTagAsync(runId, RetrainingTags.Outcome, RetrainingTags.Value(outcome), cancellationToken).ConfigureAwait(false);
        await _client.Runs.SetTagAsync(runId, RetrainingTags.Reason, RetrainingTags.Clip(reason), cancellationToken).ConfigureAwait(false);
        if (user is not null)
        {
            await _client.Runs.SetTagAsync(runId, RetrainingTags.DecidedBy, user, cancellationToken).ConfigureAwait(false);
        }
    }

    private ApprovalRecord Copy(ApprovalRecord current, string state, string? user, string reason) => new()
    {
        Model = current.Model,
        Version = current.Version,
        Champion = current.Champion,
        Alias = current.Alias,
        RunId = current.RunId,
        Summary = current.Summary,
        RequestedAt = current.RequestedAt,
        State = state,
        DecidedBy = user,
        DecidedAt = _client.TimeProvider.GetUtcNow(),
        Reason = reason,
    };

    private static string Describe(ApprovalRecord record)
        => record.State == "superseded" ? record.Reason ?? "superseded" : $"{record.State} by {record.DecidedBy} at {record.DecidedAt:u}: {record.Reason}";

}

/// <summary>A challenger that waits for a person's decision.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Version">The challenger's version.</param>
/// <param name="Champion">The production version it was compared with, if any: approving moves production only from that one.</param>
/// <param name="Alias">The alias approval moves.</param>
/// <param name="RunId">The attempt's run (its metrics compare the two models).</param>
/// <param name="Summary">The gate's reason.</param>
/// <param name="RequestedAt">When the attempt asked.</param>
public sealed record PendingApproval(string Model, int Version, int? Champion, string Alias, string RunId, string Summary, DateTimeOffset RequestedAt);
