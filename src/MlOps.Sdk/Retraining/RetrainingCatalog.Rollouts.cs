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
        return record is null ? null : new RolloutStatus(model, record.Challenger, record.Champion, record.Stage, record.Weight, record.State, record.StageStartedAt, record.RunId, record.Reason);
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
        var record = await _records.GetAsync(RetrainingKeys.Rollout(model), RetrainingJsonContext.Default.RolloutRecord, cancellationToken).ConfigureAwait(false);
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
        };
        string? busy = null;
        await _records.UpdateAsync(
            RetrainingKeys.Rollout(model),
            current =>
            {
                busy = current is { State: Active } ? $"a rollout of version {current.Challenger} is in progress ({current.Stage} since {current.StageStartedAt:u}, run {current.RunId})" : null;
                return busy is null ? next : null;
            },
            RetrainingJsonContext.Default.RolloutRecord,
            cancellationToken).ConfigureAwait(false);
        if (busy is null)
        {
            await ApplyAsync(next, cancellationToken).ConfigureAwait(false);
        }

        return busy;
    }

    /// <summary>
    /// Moves a rollout on by one pass: makes the aliases match its state, asks the live check (unhealthy: roll back), and
    /// once the stage has lasted long enough takes the next step, or moves production after the last one.
    /// </summary>
    internal async Task AdvanceRolloutAsync(string model, CanaryOptions canary, string productionAlias, CancellationToken cancellationToken)
    {
        var record = await _records.GetAsync(RetrainingKeys.Rollout(model), RetrainingJsonContext.Default.RolloutRecord, cancellationToken).ConfigureAwait(false);
        if (record is not { State: Active })
        {
            return;
        }

        await ApplyAsync(record, cancellationToken).ConfigureAwait(false); // a pass that stopped between the record and the aliases left them behind
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
        if (now - record.StageStartedAt < (record.Stage == "shadow" ? canary.ShadowDuration : canary.StepDuration))
        {
            return;
        }

        var step = record.Step + 1;
        if (step < canary.Steps.Count)
        {
            var stepped = new RolloutRecord { Model = model, Challenger = record.Challenger, Champion = record.Champion, Alias = record.Alias, ShadowAlias = record.ShadowAlias, ProductionAlias = record.ProductionAlias, RunId = record.RunId, State = Active, Stage = "canary", Step = step, Weight = canary.Steps[step], StageStartedAt = now };
            if (await TransitionAsync(model, record, stepped, cancellationToken).ConfigureAwait(false))
            {
                await ApplyAsync(stepped, cancellationToken).ConfigureAwait(false);
                await _client.Runs.SetTagAsync(record.RunId, RetrainingTags.Reason, string.Create(CultureInfo.InvariantCulture, $"canary at {RetrainingTags.Percent(stepped.Weight)} since {now:u}"), cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        // The last step held: production moves, only from the version the gate compared with.
        var why = $"canary of run {record.RunId} held at {string.Join(", ", canary.Steps.Select(RetrainingTags.Percent))}";
        var done = Copy(record, "promoted", why);
        if (!await TransitionAsync(model, record, done, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        if (await _client.Models.PromoteIfAsync(model, productionAlias, record.Challenger, record.Champion, why, null, cancellationToken).ConfigureAwait(false))
        {
            await ClearAliasesAsync(model, record, "the rollout ended: promoted", cancellationToken).ConfigureAwait(false);
            await TagAttemptAsync(record.RunId, RetrainingOutcome.Promoted, why, null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var moved = $"{productionAlias} moved during the rollout; version {record.Challenger} was compared with {(record.Champion is { } c ? $"version {c}" : "nothing")}";
            await TransitionAsync(model, done, Copy(record, "superseded", moved), cancellationToken).ConfigureAwait(false);
            await ClearAliasesAsync(model, record, "the rollout ended: superseded", cancellationToken).ConfigureAwait(false);
            await TagAttemptAsync(record.RunId, RetrainingOutcome.Superseded, moved, null, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> RollBackAsync(string model, RolloutRecord record, string reason, CancellationToken cancellationToken)
    {
        if (!await TransitionAsync(model, record, Copy(record, "rolled-back", reason), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await ClearAliasesAsync(model, record, $"rolled back: {reason}", cancellationToken).ConfigureAwait(false);
        await TagAttemptAsync(record.RunId, RetrainingOutcome.RolledBack, reason, null, cancellationToken).ConfigureAwait(false);
        RetrainingLog.RolledBack(_logger, model, record.Challenger, reason);
        return true;
    }

    /// <summary>Replaces the record if it is still the one read (same stage, step and run): of two passes, one acts.</summary>
    private async Task<bool> TransitionAsync(string model, RolloutRecord from, RolloutRecord to, CancellationToken cancellationToken)
    {
        var done = false;
        await _records.UpdateAsync(
            RetrainingKeys.Rollout(model),
            current =>
            {
                done = current is not null && current.RunId == from.RunId && current.State == from.State && current.Step == from.Step && current.Stage == from.Stage;
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

    private RolloutRecord Copy(RolloutRecord record, string state, string reason) => new()
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
        State = state,
        Reason = reason,
        EndedAt = _client.TimeProvider.GetUtcNow(),
    };
}

/// <summary>A rollout: in progress (<see cref="State"/> <c>active</c>) or how the last one ended.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Challenger">The version rolled out.</param>
/// <param name="Champion">The production version it was compared with.</param>
/// <param name="Stage"><c>shadow</c> or <c>canary</c>.</param>
/// <param name="Weight">The canary's share of requests (0 in the shadow stage).</param>
/// <param name="State"><c>active</c>, <c>promoted</c>, <c>rolled-back</c> or <c>superseded</c>.</param>
/// <param name="StageStartedAt">When the stage began.</param>
/// <param name="RunId">The attempt's run.</param>
/// <param name="Reason">How it ended, once it did.</param>
public sealed record RolloutStatus(string Model, int Challenger, int? Champion, string Stage, double Weight, string State, DateTimeOffset StageStartedAt, string RunId, string? Reason);
