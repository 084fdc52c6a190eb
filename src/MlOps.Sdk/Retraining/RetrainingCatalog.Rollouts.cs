using System.Globalization;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Registry;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Retraining;

/// <content>
/// Canary and shadow rollouts: one at a time per model, its state in <c>retraining/{model}/rollout.json</c> (changed by
/// compare-and-swap, so of several retrainers one takes each step), the aliases following the state.
/// </content>
public partial class RetrainingCatalog
{
    private const string Active = "active";

    /// <summary>Gets a model's rollout: the one in progress, or the last one and how it ended; <see langword="null"/> when there was none.</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The rollout.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<RolloutStatus?> GetRolloutAsync(string model, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(model, "Model");
        var record = await _records.GetAsync(RetrainingKeys.Rollout(model), RetrainingJsonContext.Default.RolloutRecord, cancellationToken).ConfigureAwait(false);
        return record is null ? null : new RolloutStatus(
            model,
            record.Challenger,
            record.Champion,
            record.Stage == "shadow" ? RolloutStage.Shadow : RolloutStage.Canary,
            record.Weight,
            record.State switch
            {
                Active => RolloutState.Active,
                "promoting" => RolloutState.Promoting,
                "promoted" => RolloutState.Promoted,
                "superseded" => RolloutState.Superseded,
                _ => RolloutState.RolledBack,
            },
            record.StageStartedAt,
            record.RunId,
            record.Reason);
    }

    /// <summary>Stops the rollout in progress: the canary and shadow aliases are cleared, production stays, the attempt is recorded RolledBack.</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="reason">Why, recorded on the attempt.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when a rollout was in progress.</returns>
    /// <exception cref="ArgumentException">The reason is empty.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<bool> AbortRolloutAsync(string model, string reason, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(model, "Model");
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var record = await ReadRolloutAsync(model, cancellationToken).ConfigureAwait(false);
        return record is { State: Active } && await RollBackAsync(model, record, $"aborted: {reason}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a rollout; returns why not when another one is in progress (never two at once).</summary>
    internal async Task<string?> StartRolloutAsync<TOptions>(string model, RetrainingPolicy<TOptions> policy, int challenger, int? champion, string runId, CancellationToken cancellationToken)
        where TOptions : class
    {
        var canary = policy.Canary;
        var shadowFirst = policy.Rollout == RolloutStrategy.ShadowThenCanary;
        var next = new RolloutRecord
        {
            Model = model,
            Challenger = challenger,
            Champion = champion,
            Alias = canary.Alias,
            ShadowAlias = canary.ShadowAlias,
            ProductionAlias = policy.ProductionAlias,
            Stage = shadowFirst ? "shadow" : "canary",
            Step = shadowFirst ? -1 : 0,
            Weight = shadowFirst ? 0 : canary.Steps[0],
            State = Active,
            StageStartedAt = _client.TimeProvider.GetUtcNow(),
            RunId = runId,
            Steps = [.. canary.Steps],
            StepDuration = canary.StepDuration,
            ShadowDuration = canary.ShadowDuration,
        };
        string? busy = null;
        await _records.UpdateAsync(
            RetrainingKeys.Rollout(model),
            current =>
            {
                busy = current is { State: Active or "promoting" } || current is { Settled: not true } ? $"a rollout of version {current!.Challenger} is in progress ({current.State}, {current.Stage} since {current.StageStartedAt:u}, run {current.RunId})" : null;
                return busy is null ? next : null;
            },
            RetrainingJsonContext.Default.RolloutRecord,
            cancellationToken).ConfigureAwait(false);
        if (busy is null)
        {
            await ApplyCheckedAsync(model, next, cancellationToken).ConfigureAwait(false);
        }

        return busy;
    }

    /// <summary>
    /// Moves a rollout on by one pass: finishes one that ended but was not settled (production not moved yet, aliases not
    /// cleared: a pass stopped half-way), makes the aliases match an active one's state, asks the live check (unhealthy:
    /// roll back), and once the stage has lasted long enough takes the next step, or moves production after the last one.
    /// </summary>
    internal async Task AdvanceRolloutAsync(string model, CanaryOptions canary, CancellationToken cancellationToken)
    {
        var record = await ReadRolloutAsync(model, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return;
        }

        if (record.State != Active)
        {
            await SettleAsync(model, record, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!await ApplyCheckedAsync(model, record, cancellationToken).ConfigureAwait(false))
        {
            return; // another pass or a person changed the rollout meanwhile; what it is now was applied
        }

        if (canary.LiveCheck is { } check)
        {
            var health = await check(new RolloutCheck(model, record.Challenger, record.Champion, record.Stage, record.Weight, record.StageStartedAt, record.RunId), cancellationToken).ConfigureAwait(false);
            if (!health.Healthy)
            {
                await RollBackAsync(model, record, string.Create(CultureInfo.InvariantCulture, $"live check failed in the {record.Stage} stage{(record.Stage == "canary" ? $" at {RetrainingTags.Percent(record.Weight)}" : string.Empty)}: {health.Reason}"), cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        var now = _client.TimeProvider.GetUtcNow();
        if (now - record.StageStartedAt < (record.Stage == "shadow" ? record.ShadowDuration : record.StepDuration))
        {
            return;
        }

        var step = record.Step + 1;
        if (step < record.Steps.Count)
        {
            var stepped = Copy(record, Active, null);
            (stepped.Stage, stepped.Step, stepped.Weight, stepped.StageStartedAt, stepped.EndedAt) = ("canary", step, record.Steps[step], now, null);
            if (await TransitionAsync(model, record, stepped, cancellationToken).ConfigureAwait(false))
            {
                await ApplyCheckedAsync(model, stepped, cancellationToken).ConfigureAwait(false);
                await _client.Runs.SetTagAsync(record.RunId, RetrainingTags.Reason, string.Create(CultureInfo.InvariantCulture, $"canary at {RetrainingTags.Percent(stepped.Weight)} since {now:u}"), cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        // The last step held: the record says so first, then production moves (a pass stopped in between is finished by the next).
        var promoting = Copy(record, "promoting", $"canary of run {record.RunId} held at {string.Join(", ", record.Steps.Select(RetrainingTags.Percent))}");
        if (await TransitionAsync(model, record, promoting, cancellationToken).ConfigureAwait(false))
        {
            await SettleAsync(model, promoting, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Brings an ended rollout to rest: moves production for one that is promoting (only from the version compared with;
    /// superseded when production went elsewhere), clears the canary and shadow aliases still on the challenger, records
    /// the outcome on the attempt, and marks the record settled. Idempotent: a pass stopped anywhere in it is finished by
    /// the next.
    /// </summary>
    private async Task SettleAsync(string model, RolloutRecord record, CancellationToken cancellationToken)
    {
        if (record.Settled == true)
        {
            return;
        }

        if (record.State == "promoting")
        {
            var promoted = await _client.Models.PromoteIfAsync(model, record.ProductionAlias, record.Challenger, record.Champion, record.Reason!, null, cancellationToken).ConfigureAwait(false)
                || (await _client.Models.GetAliasesAsync(model, cancellationToken).ConfigureAwait(false)).GetValueOrDefault(record.ProductionAlias) == record.Challenger;
            var ended = promoted
                ? Copy(record, "promoted", record.Reason!)
                : Copy(record, "superseded", $"{record.ProductionAlias} moved during the rollout; version {record.Challenger} was compared with {(record.Champion is { } c ? $"version {c}" : "nothing")}");
            if (!await TransitionAsync(model, record, ended, cancellationToken).ConfigureAwait(false))
            {
                return; // another pass settles it
            }

            record = ended;
        }

        await ClearAliasesAsync(model, record, $"the rollout ended: {record.State}", cancellationToken).ConfigureAwait(false);
        var outcome = record.State switch
        {
            "promoted" => RetrainingOutcome.Promoted,
            "superseded" => RetrainingOutcome.Superseded,
            _ => RetrainingOutcome.RolledBack,
        };
        await TagAttemptAsync(record.RunId, outcome, record.Reason ?? record.State, null, cancellationToken).ConfigureAwait(false);
        var settled = Copy(record, record.State, record.Reason ?? record.State);
        settled.Settled = true;
        settled.EndedAt = record.EndedAt;
        await TransitionAsync(model, record, settled, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> RollBackAsync(string model, RolloutRecord record, string reason, CancellationToken cancellationToken)
    {
        var rolledBack = Copy(record, "rolled-back", reason);
        if (!await TransitionAsync(model, record, rolledBack, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        RetrainingLog.RolledBack(_logger, model, record.Challenger, reason);
        await SettleAsync(model, rolledBack, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Applies an active record's state to the aliases, then reads the record again: when it changed meanwhile (an abort, a
    /// step taken by another pass), what it is now is applied or settled instead, so a stale pass leaves nothing behind.
    /// </summary>
    /// <returns><see langword="true"/> when the record is still the one applied.</returns>
    private async Task<bool> ApplyCheckedAsync(string model, RolloutRecord record, CancellationToken cancellationToken)
    {
        await ApplyAsync(record, cancellationToken).ConfigureAwait(false);
        var now = await ReadRolloutAsync(model, cancellationToken).ConfigureAwait(false);
        if (now is not null && Same(now, record))
        {
            return true;
        }

        if (now is { State: Active })
        {
            await ApplyAsync(now, cancellationToken).ConfigureAwait(false);
        }
        else if (now is not null)
        {
            if (now.RunId != record.RunId)
            {
                await ClearAliasesAsync(model, record, "a stale pass's change undone", cancellationToken).ConfigureAwait(false);
            }

            await ClearAliasesAsync(model, now, $"the rollout ended: {now.State}", cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    private Task<RolloutRecord?> ReadRolloutAsync(string model, CancellationToken cancellationToken)
        => _records.GetAsync(RetrainingKeys.Rollout(model), RetrainingJsonContext.Default.RolloutRecord, cancellationToken);

    private static bool Same(RolloutRecord a, RolloutRecord b) => a.RunId == b.RunId && a.State == b.State && a.Step == b.Step && a.Stage == b.Stage && a.Settled == b.Settled;

    /// <summary>Replaces the record if it is still the one read (same stage, step and run): of two passes, one acts.</summary>
    private async Task<bool> TransitionAsync(string model, RolloutRecord from, RolloutRecord to, CancellationToken cancellationToken)
    {
        var done = false;
        await _records.UpdateAsync(
            RetrainingKeys.Rollout(model),
            current =>
            {
                done = current is not null && Same(current, from);
                return done ? to : null;
            },
            RetrainingJsonContext.Default.RolloutRecord,
            cancellationToken).ConfigureAwait(false);
        return done;
    }

    /// <summary>Points the canary or shadow alias at the challenger with the stage's share (idempotent).</summary>
    private async Task ApplyAsync(RolloutRecord record, CancellationToken cancellationToken)
    {
        if (record.Stage == "shadow")
        {
            await _client.Models.MoveWithTrafficAsync(record.Model, record.ShadowAlias, record.Challenger, null, $"shadow of retraining run {record.RunId}", cancellationToken).ConfigureAwait(false);
            return;
        }

        var aliases = await _client.Models.GetAliasesAsync(record.Model, cancellationToken).ConfigureAwait(false);
        if (aliases.ContainsKey(record.ShadowAlias) && aliases[record.ShadowAlias] == record.Challenger)
        {
            await _client.Models.MoveWithTrafficAsync(record.Model, record.ShadowAlias, null, null, "the shadow stage ended", cancellationToken).ConfigureAwait(false);
        }

        if (!aliases.TryGetValue(record.Alias, out var current) || current != record.Challenger
            || await _client.Models.GetTrafficAsync(record.Model, record.Alias, cancellationToken).ConfigureAwait(false) != record.Weight)
        {
            await _client.Models.MoveWithTrafficAsync(record.Model, record.Alias, record.Challenger, record.Weight, string.Create(CultureInfo.InvariantCulture, $"canary of retraining run {record.RunId} at {RetrainingTags.Percent(record.Weight)}"), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ClearAliasesAsync(string model, RolloutRecord record, string reason, CancellationToken cancellationToken)
    {
        var aliases = await _client.Models.GetAliasesAsync(model, cancellationToken).ConfigureAwait(false);
        foreach (var alias in new[] { record.Alias, record.ShadowAlias })
        {
            if (aliases.TryGetValue(alias, out var version) && version == record.Challenger)
            {
                await _client.Models.MoveWithTrafficAsync(model, alias, null, null, reason, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private RolloutRecord Copy(RolloutRecord record, string state, string? reason) => new()
    {
        Model = record.Model,
        Challenger = record.Challenger,
        Champion = record.Champion,
        Alias = record.Alias,
        ShadowAlias = record.ShadowAlias,
        ProductionAlias = record.ProductionAlias,
        RunId = record.RunId,
        Stage = record.Stage,
        Step = record.Step,
        Weight = record.Weight,
        StageStartedAt = record.StageStartedAt,
        Steps = record.Steps,
        StepDuration = record.StepDuration,
        ShadowDuration = record.ShadowDuration,
        State = state,
        Reason = reason,
        EndedAt = _client.TimeProvider.GetUtcNow(),
    };
}

/// <summary>The stage of a rollout.</summary>
public enum RolloutStage
{
    /// <summary>The challenger gets copies of requests through the shadow alias; its answers are not served.</summary>
    Shadow = 0,

    /// <summary>The challenger serves a share of requests through the canary alias.</summary>
    Canary = 1,
}

/// <summary>Where a rollout is.</summary>
public enum RolloutState
{
    /// <summary>In progress.</summary>
    Active = 0,

    /// <summary>The last step held; production moves (on the next pass, if the one that got here stopped).</summary>
    Promoting = 1,

    /// <summary>Production moved to the challenger.</summary>
    Promoted = 2,

    /// <summary>Rolled back (a failing live check, or aborted); production never moved.</summary>
    RolledBack = 3,

    /// <summary>Production moved elsewhere during the rollout; the challenger was not promoted.</summary>
    Superseded = 4,
}

/// <summary>A rollout: in progress, or how the last one ended.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Challenger">The version rolled out.</param>
/// <param name="Champion">The production version it was compared with.</param>
/// <param name="Stage">The stage it is (or ended) in.</param>
/// <param name="Weight">The canary's share of requests (0 in the shadow stage).</param>
/// <param name="State">Where it is.</param>
/// <param name="StageStartedAt">When the stage began.</param>
/// <param name="RunId">The attempt's run.</param>
/// <param name="Reason">How it ended, once it did.</param>
public sealed record RolloutStatus(string Model, int Challenger, int? Champion, RolloutStage Stage, double Weight, RolloutState State, DateTimeOffset StageStartedAt, string RunId, string? Reason);
