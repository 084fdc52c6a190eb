using MlOps.Sdk.Data;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Models;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Maintenance;

/// <summary>
/// Mark and sweep over the content store: every record that refers to content (runs' artifacts, dataset versions'
/// files, manifests and packs, model versions) is read first; then content and packs that none refers to and that are
/// older than the grace period are deleted, each only if unchanged since it was listed (if-match).
/// </summary>
/// <remarks>
/// A record that cannot be read stops the collection before anything is deleted. The grace period protects uploads
/// whose record is not written yet. One race is left: content that became unreferenced long ago (its version deleted)
/// and is registered again, found already stored, while a collection runs, can be deleted before the new record is
/// written. Run collections when nobody registers the same content again, or with a grace period that covers it.
/// </remarks>
internal static class GarbageCollector
{
    private const string ContentPrefix = "cas/sha256/";
    private const string PackPrefix = "cas/packs/";

    public static async Task<GarbageCollectionResult> CollectAsync(ObjectStore store, RunCatalog runs, DatasetCatalog datasets, ModelCatalog models, GarbageCollectionOptions options, CancellationToken cancellationToken)
    {
        OptionsValidation.ThrowIfInvalid(options);
        var started = await store.GetCurrentTimeAsync(cancellationToken).ConfigureAwait(false);
        var cutoff = started - options.GracePeriod;

        // Mark: everything a record refers to. Content uploaded after this started is younger than the cutoff.
        var content = new HashSet<string>(StringComparer.Ordinal);
        var packs = new HashSet<string>(StringComparer.Ordinal);
        await runs.AddContentReferencesAsync(content, cancellationToken).ConfigureAwait(false);
        await datasets.AddContentReferencesAsync(content, packs, cancellationToken).ConfigureAwait(false);
        await models.AddContentReferencesAsync(content, cancellationToken).ConfigureAwait(false);

        // Sweep.
        int referenced = 0, deleted = 0, young = 0;
        long bytes = 0;
        foreach (var (prefix, marked) in new[] { (ContentPrefix, content), (PackPrefix, packs) })
        {
            await foreach (var item in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            {
                var id = item.Key[(item.Key.LastIndexOf('/') + 1)..];
                if (marked.Contains(id))
                {
                    referenced++;
                }
                else if (item.LastModified >= cutoff)
                {
                    young++;
                }
                else if (options.DryRun)
                {
                    deleted++;
                    bytes += item.Size;
                }
                else
                {
                    try
                    {
                        if (await store.DeleteAsync(item.Key, item.ETag, cancellationToken).ConfigureAwait(false))
                        {
                            deleted++;
                            bytes += item.Size;
                        }
                    }
                    catch (PreconditionFailedException)
                    {
                        young++; // rewritten since it was listed: leave it
                    }
                }
            }
        }

        return new GarbageCollectionResult(referenced, deleted, bytes, young, options.DryRun);
    }
}
