using MlOps.Sdk.Internal;
using MlOps.Sdk.Registry;

namespace MlOps.Sdk.Models;

/// <content>Aliases: set, promote, delete, roll back, and their history.</content>
public partial class ModelCatalog
{
    /// <summary>Points a working alias (<c>staging</c>, <c>champion</c>, <c>my-try</c>, ...) at a version, by compare-and-swap; the change is kept in its history.</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="aliasName">The alias: <c>[A-Za-z0-9_-]+</c>, not only digits, not <c>latest</c>, not a protected alias.</param>
    /// <param name="version">The version it points at.</param>
    /// <param name="reason">Why, recorded in the history.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the alias is stored.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="aliasName"/> is invalid.</exception>
    /// <exception cref="AliasProtectedException">The alias is protected (<see cref="ModelOptions.ProtectedAliases"/>): use <see cref="PromoteAsync"/>.</exception>
    /// <exception cref="ModelNotFoundException">The version does not exist.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task SetAliasAsync(string name, string aliasName, int version, string? reason = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        CheckAlias(name, aliasName);
        ThrowIfProtected(name, aliasName, null);
        await MoveAliasAsync(name, aliasName, version, reason, protect: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves any alias, protected ones included (<c>production</c>), to a version: the way a team changes what serves,
    /// with a reason that stays in the alias's history.
    /// </summary>
    /// <param name="name">The model's name.</param>
    /// <param name="aliasName">The alias.</param>
    /// <param name="version">The version it points at.</param>
    /// <param name="reason">Why: required, recorded in the history.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The version the alias pointed at before, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentException">A name is invalid or <paramref name="reason"/> is empty.</exception>
    /// <exception cref="ModelNotFoundException">The version does not exist.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<int?> PromoteAsync(string name, string aliasName, int version, string reason, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        CheckAlias(name, aliasName);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return await MoveAliasAsync(name, aliasName, version, reason, protect: IsConfiguredProtected(aliasName), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a working alias; its history is kept. Protected aliases are not deleted this way.</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="aliasName">The alias.</param>
    /// <param name="reason">Why, recorded in the history.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when it pointed at a version.</returns>
    /// <exception cref="AliasProtectedException">The alias is protected.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<bool> DeleteAliasAsync(string name, string aliasName, string? reason = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        CheckAlias(name, aliasName);
        ThrowIfProtected(name, aliasName, null);
        var before = await Aliases(name).MoveAsync(aliasName, null, reason, check: current => ThrowIfProtected(name, aliasName, current), cancellationToken).ConfigureAwait(false);
        _context.Logger.AliasMoved(name, aliasName, before, null, reason);
        return before is not null;
    }

    /// <summary>Moves an alias back to the version it pointed at before its last change, in one call (protected aliases too).</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="aliasName">The alias.</param>
    /// <param name="reason">Why: required, recorded in the history.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The change made.</returns>
    /// <exception cref="InvalidOperationException">The alias has no earlier version to go back to.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<ModelAliasChange> RollbackAsync(string name, string aliasName, string reason, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        CheckAlias(name, aliasName);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var current = await Aliases(name).GetAsync(aliasName, cancellationToken).ConfigureAwait(false);
        var target = RollbackTarget(current)
            ?? throw new InvalidOperationException($"The alias '{aliasName}' of model '{name}' has no earlier version to roll back to.");
        if (await ReadVersionAsync(name, target, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ModelNotFoundException(ModelRef.ForVersion(name, target).ToString(), $"the version '{aliasName}' would roll back to was deleted");
        }

        var seen = current!.History.Count;
        var before = await Aliases(name).MoveAsync(
            aliasName,
            target,
            reason,
            latest =>
            {
                if (latest is null || latest.History.Count != seen)
                {
                    throw new InvalidOperationException($"The alias '{aliasName}' of model '{name}' changed meanwhile; look at it again before rolling back.");
                }
            },
            cancellationToken,
            rollback: true).ConfigureAwait(false);
        _context.Logger.AliasMoved(name, aliasName, before, target, reason);
        var history = await GetAliasHistoryAsync(name, aliasName, cancellationToken).ConfigureAwait(false);
        return history[^1];
    }

    /// <summary>Gets every change of an alias, oldest first.</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="aliasName">The alias.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The changes; none for an alias that never existed.</returns>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyList<ModelAliasChange>> GetAliasHistoryAsync(string name, string aliasName, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        CheckAlias(name, aliasName);
        var record = await Aliases(name).GetAsync(aliasName, cancellationToken).ConfigureAwait(false);
        return record?.History.Select(h => new ModelAliasChange(h.From, h.To, h.By, h.At, h.Reason, h.Weight)).ToList() ?? [];
    }

    /// <summary>Tells which version an alias pointed at, at a moment in the past ("which version served production last Tuesday?").</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="aliasName">The alias.</param>
    /// <param name="at">The moment.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The version, or <see langword="null"/> when the alias pointed at nothing then.</returns>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<int?> GetAliasVersionAtAsync(string name, string aliasName, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var history = await GetAliasHistoryAsync(name, aliasName, cancellationToken).ConfigureAwait(false);
        return history.LastOrDefault(h => h.At <= at)?.To;
    }

    /// <summary>Lists a model's aliases and the versions they point at.</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>Alias → version.</returns>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyDictionary<string, int>> GetAliasesAsync(string name, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(name, "Model");
        return (await Aliases(name).ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(a => a.Alias, a => a.Version!.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// The version a rollback goes to: the one before the change that made the current version live, skipping changes
    /// that were rollbacks themselves (1 → 2 → 3, rollback to 2, rollback again to 1; not back to 3).
    /// </summary>
    private static int? RollbackTarget(AliasRecord? alias)
    {
        if (alias?.Version is not { } current)
        {
            return null;
        }

        for (var i = alias.History.Count - 1; i >= 0; i--)
        {
            var change = alias.History[i];
            if (change.Rollback != true && change.To == current && change.From != change.To)
            {
                return change.From;
            }
        }

        return null;
    }

    /// <summary>
    /// Sets the share of requests (0 to 1) that served predictors give the arm following an alias
    /// (<c>PredictorOptions.Canary(name, weight, alias)</c>): kept with the alias and in its history, followed by every
    /// served predictor on its next look at the store, without a restart. Moving the alias clears it (the arm's configured
    /// weight applies again). How a canary rollout steps its traffic.
    /// </summary>
    /// <param name="name">The model's name.</param>
    /// <param name="aliasName">The alias: a working alias that points at a version (not a protected one: the main arm serves the rest).</param>
    /// <param name="weight">The share, from 0 to 1.</param>
    /// <param name="reason">Why, recorded in the history.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the weight is stored.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="weight"/> is not from 0 to 1.</exception>
    /// <exception cref="AliasProtectedException">The alias is protected.</exception>
    /// <exception cref="InvalidOperationException">The alias points at no version.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task SetTrafficAsync(string name, string aliasName, double weight, string reason, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        CheckAlias(name, aliasName);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (!(weight is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "A traffic weight is a share of requests, from 0 to 1.");
        }

        ThrowIfProtected(name, aliasName, null);
        await Aliases(name).SetWeightAsync(
            aliasName,
            weight,
            reason,
            current =>
            {
                ThrowIfProtected(name, aliasName, current);
                if (current?.Version is null)
                {
                    throw new InvalidOperationException($"The alias '{aliasName}' of model '{name}' points at no version; point it at one before giving it traffic.");
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets the traffic weight set on an alias (<see cref="SetTrafficAsync"/>), or <see langword="null"/> when none is set.</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="aliasName">The alias.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The weight, or <see langword="null"/>.</returns>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<double?> GetTrafficAsync(string name, string aliasName, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        CheckAlias(name, aliasName);
        var record = await Aliases(name).GetAsync(aliasName, cancellationToken).ConfigureAwait(false);
        return record?.Version is null ? null : record.Weight;
    }

    /// <summary>Moves a working alias and sets its traffic weight in one change (a canary's start).</summary>
    internal async Task MoveWithTrafficAsync(string name, string aliasName, int? version, double? weight, string reason, CancellationToken cancellationToken)
    {
        CheckAlias(name, aliasName);
        var before = await Aliases(name).MoveAsync(aliasName, version, reason, current => ThrowIfProtected(name, aliasName, current), cancellationToken, weight: version is null ? null : weight).ConfigureAwait(false);
        if (version is not null && before == version)
        {
            // It pointed there already (a move writes nothing then): set the weight alone.
            await Aliases(name).SetWeightAsync(aliasName, weight, reason, current => ThrowIfProtected(name, aliasName, current), cancellationToken).ConfigureAwait(false);
        }

        _context.Logger.AliasMoved(name, aliasName, before, version, reason);
    }

    /// <summary>The version an alias points at and its traffic weight, in one read.</summary>
    internal async Task<(int? Version, double? Weight)> GetAliasStateAsync(string name, string aliasName, CancellationToken cancellationToken)
    {
        var record = await Aliases(name).GetAsync(aliasName, cancellationToken).ConfigureAwait(false);
        return (record?.Version, record?.Version is null ? null : record.Weight);
    }

    /// <summary>The alias record's ETag: one properties request tells a watcher whether the alias moved.</summary>
    internal async Task<Azure.ETag?> GetAliasETagAsync(string name, string aliasName, CancellationToken cancellationToken)
        => (await _context.Store.GetPropertiesAsync(Aliases(name).Key(aliasName), cancellationToken).ConfigureAwait(false))?.ETag;

    /// <summary>
    /// Moves an alias (protected ones too) only if it still points at <paramref name="expected"/>: a gate's decision holds
    /// only against the champion it compared with.
    /// </summary>
    /// <returns><see langword="true"/> when moved; <see langword="false"/> when the alias points elsewhere now (nothing written).</returns>
    internal async Task<bool> PromoteIfAsync(string name, string aliasName, int version, int? expected, string reason, string? by, CancellationToken cancellationToken)
    {
        CheckAlias(name, aliasName);
        if (await ReadVersionAsync(name, version, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ModelNotFoundException(ModelRef.ForVersion(name, version).ToString(), "an alias can only point at an existing version");
        }

        try
        {
            await Aliases(name).MoveAsync(
                aliasName,
                version,
                reason,
                current =>
                {
                    if (current?.Version != expected)
                    {
                        throw new AliasMovedException();
                    }
                },
                cancellationToken,
                protect: IsConfiguredProtected(aliasName),
                by: by).ConfigureAwait(false);
        }
        catch (AliasMovedException)
        {
            return false;
        }

        _context.Logger.AliasMoved(name, aliasName, expected, version, reason);
        return true;
    }

    private sealed class AliasMovedException : Exception;

    private async Task<int?> MoveAliasAsync(string name, string aliasName, int version, string? reason, bool protect, CancellationToken cancellationToken)
    {
        if (await ReadVersionAsync(name, version, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ModelNotFoundException(ModelRef.ForVersion(name, version).ToString(), $"an alias can only point at an existing version; {await DescribeAsync(name, cancellationToken).ConfigureAwait(false)}");
        }

        var before = await Aliases(name).MoveAsync(aliasName, version, reason, check: current => { if (!protect) { ThrowIfProtected(name, aliasName, current); } }, cancellationToken, protect).ConfigureAwait(false);

        // Move first, then look at the version again: a delete does the reverse, so one of two racing calls backs out.
        if (await ReadVersionAsync(name, version, cancellationToken).ConfigureAwait(false) is null)
        {
            try
            {
                await Aliases(name).MoveAsync(
                    aliasName,
                    before,
                    $"undone: version {version} was deleted meanwhile",
                    current =>
                    {
                        if (current?.Version != version)
                        {
                            throw new InvalidOperationException("moved again meanwhile"); // someone else's move: leave it
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
            }

            throw new ModelNotFoundException(ModelRef.ForVersion(name, version).ToString(), "it was deleted while the alias moved to it; the move was undone");
        }

        _context.Logger.AliasMoved(name, aliasName, before, version, reason);
        return before;
    }

    private static void CheckAlias(string name, string aliasName)
    {
        RegistryNames.Name(name, "Model");
        RegistryNames.Alias(aliasName, allowLatest: false, nameof(aliasName));
    }

    /// <summary>Refuses a casual change of a protected alias: configured here (any case: one file on a case-insensitive disk), or marked so by an earlier promotion.</summary>
    private void ThrowIfProtected(string name, string aliasName, AliasRecord? current)
    {
        if (IsConfiguredProtected(aliasName) || current?.Protected == true)
        {
            throw new AliasProtectedException(name, aliasName);
        }
    }

    private bool IsConfiguredProtected(string aliasName) => _context.Options.ProtectedAliases.Contains(aliasName, StringComparer.OrdinalIgnoreCase);
}
