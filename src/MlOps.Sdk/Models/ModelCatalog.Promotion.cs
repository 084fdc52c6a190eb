using MlOps.Sdk.Internal;
using MlOps.Sdk.Records;

namespace MlOps.Sdk.Models;

/// <content>Promotion between environments: one store per environment, versions copied with their content and lineage.</content>
public partial class ModelCatalog
{
    /// <summary>
    /// Copies a version from this store into another environment's store (for example acceptance → production): the
    /// saved model (verified), its record and lineage become the next version there, with its origin recorded; this
    /// store is not changed. Optionally moves an alias there (protected ones included) with the same reason. Promoting
    /// the same version again returns the copy made before (and moves the alias to it), so a retry is safe.
    /// </summary>
    /// <param name="source">The version to promote, here.</param>
    /// <param name="target">The other environment's registry (<c>otherClient.Models</c>).</param>
    /// <param name="reason">Why: required, recorded in the origin and the alias history.</param>
    /// <param name="aliasName">An alias to point at the new version there, if any.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The new version in the target store.</returns>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is empty, or <paramref name="target"/> is this registry.</exception>
    /// <exception cref="ModelNotFoundException">The source version does not exist.</exception>
    /// <exception cref="Storage.ContentIntegrityException">The source's bytes do not match their hash; nothing was copied.</exception>
    /// <exception cref="Storage.ObjectStoreException">A store failed.</exception>
    public virtual async Task<ModelVersion> PromoteToAsync(ModelRef source, ModelCatalog target, string reason, string? aliasName = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (ReferenceEquals(target, this) || target._context.Store.Location == _context.Store.Location)
        {
            throw new ArgumentException("The target is this store; promote to another environment's store, or move an alias with PromoteAsync.", nameof(target));
        }

        if (aliasName is not null)
        {
            Registry.RegistryNames.Alias(aliasName, allowLatest: false, nameof(aliasName));
        }

        var version = await GetAsync(source, cancellationToken).ConfigureAwait(false);

        // Promoted before (a retry after a failure between the copy and the alias)? Then that copy is the one.
        await foreach (var existing in target.ListVersionsAsync(version.Name, cancellationToken).ConfigureAwait(false))
        {
            if (existing.Origin is { } origin && origin.Store == _context.Store.Location.ToString() && origin.Name == version.Name && origin.Version == version.Version && existing.Sha256 == version.Sha256)
            {
                if (aliasName is not null)
                {
                    await target.PromoteAsync(version.Name, aliasName, existing.Version, reason, cancellationToken).ConfigureAwait(false);
                }

                return existing;
            }
        }

        // Content first, verified on both sides: read checks the hash here, the put hashes what arrives there.
        var bytes = await _context.Content.ReadAsync(version.Sha256, cancellationToken).ConfigureAwait(false);
        var stored = await target._context.Content.PutAsync(bytes, cancellationToken).ConfigureAwait(false);
        if (stored.Hash != version.Sha256)
        {
            throw new Storage.ContentIntegrityException(version.Sha256, stored.Hash, target._context.Store.Location.ToString());
        }

        var record = RecordCopy.Of(version.Record, ModelJsonContext.Default.ModelVersionRecord);
        record.Origin = new ModelOriginRecord
        {
            Store = _context.Store.Location.ToString(),
            Environment = _context.Environment,
            Name = version.Name,
            Version = version.Version,
            PromotedBy = Environment.UserName,
            PromotedAt = _context.TimeProvider.GetUtcNow(),
            Reason = reason,
        };
        record.Environment = target._context.Environment;
        record.ArchivedAt = null;
        var number = await CreateVersionAsync(target, record, cancellationToken).ConfigureAwait(false);
        _context.Logger.ModelPromoted(version.Uri, _context.Store.Location, version.Name, number, target._context.Store.Location, reason);
        if (aliasName is not null)
        {
            await target.PromoteAsync(version.Name, aliasName, number, reason, cancellationToken).ConfigureAwait(false);
        }

        return new ModelVersion(record);
    }
}
