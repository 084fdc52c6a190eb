using System.Runtime.CompilerServices;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Registry;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Data;

/// <content>Reading versions, aliases and lineage.</content>
public partial class DatasetCatalog
{
    /// <summary>Resolves a reference (a version, an alias, or <c>latest</c>) to its version.</summary>
    /// <param name="reference">The reference.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The version.</returns>
    /// <exception cref="DatasetNotFoundException">No version answers the reference.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<DatasetVersion> GetAsync(DatasetRef reference, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(reference);
        var number = await ResolveAsync(reference, cancellationToken).ConfigureAwait(false);
        var record = await ReadVersionAsync(reference.Name, number, cancellationToken).ConfigureAwait(false)
            ?? throw new DatasetNotFoundException(reference.ToString(), $"version {number} does not exist");
        return new DatasetVersion(this, record, created: false);
    }

    /// <summary>Resolves a URI (<c>datasets:/name/3</c>, <c>datasets:/name@alias</c>) to its version.</summary>
    /// <param name="uri">The URI.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The version.</returns>
    /// <exception cref="FormatException"><paramref name="uri"/> is not a dataset URI.</exception>
    /// <exception cref="DatasetNotFoundException">No version answers it.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<DatasetVersion> GetAsync(string uri, CancellationToken cancellationToken = default) => GetAsync(DatasetRef.Parse(uri), cancellationToken);

    /// <summary>Lists the versions of a dataset, oldest first.</summary>
    /// <param name="name">The dataset's name.</param>
    /// <param name="cancellationToken">A token to cancel the enumeration.</param>
    /// <returns>The versions; none when the dataset does not exist.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async IAsyncEnumerable<DatasetVersion> ListVersionsAsync(string name, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(name, "Dataset");
        await foreach (var record in ListVersionRecordsAsync(name, cancellationToken).ConfigureAwait(false))
        {
            yield return new DatasetVersion(this, record, created: false);
        }
    }

    /// <summary>Lists the names of the datasets in the store, in ordinal order.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The names.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyList<string>> ListNamesAsync(CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        var names = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var item in _context.Store.ListAsync(DataKeys.Root, cancellationToken).ConfigureAwait(false))
        {
            var rest = item.Key.AsSpan(DataKeys.Root.Length);
            var slash = rest.IndexOf('/');
            if (slash > 0 && rest[(slash + 1)..].StartsWith("versions/", StringComparison.Ordinal))
            {
                names.Add(rest[..slash].ToString());
            }
        }

        return [.. names];
    }

    /// <summary>Points an alias at a version (creating or moving it) by compare-and-swap; the change is kept in the alias's history.</summary>
    /// <param name="name">The dataset's name.</param>
    /// <param name="aliasName">The alias: letters, digits, '_' and '-', not only digits, not <c>latest</c>.</param>
    /// <param name="version">The version it points at.</param>
    /// <param name="reason">Why, recorded in the history.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the alias is stored.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="aliasName"/> is invalid.</exception>
    /// <exception cref="DatasetNotFoundException">The version does not exist.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task SetAliasAsync(string name, string aliasName, int version, string? reason = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(name, "Dataset");
        RegistryNames.Alias(aliasName, allowLatest: false);
        if (await ReadVersionAsync(name, version, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new DatasetNotFoundException(DatasetRef.ForVersion(name, version).ToString(), "an alias can only point at an existing version");
        }

        await Aliases(name).MoveAsync(aliasName, version, reason, check: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes an alias; its history is kept.</summary>
    /// <param name="name">The dataset's name.</param>
    /// <param name="aliasName">The alias.</param>
    /// <param name="reason">Why, recorded in the history.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when it pointed at a version.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="aliasName"/> is invalid.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<bool> DeleteAliasAsync(string name, string aliasName, string? reason = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(name, "Dataset");
        RegistryNames.Alias(aliasName, allowLatest: false);
        return await Aliases(name).MoveAsync(aliasName, null, reason, check: null, cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>Gets every change of an alias, oldest first.</summary>
    /// <param name="name">The dataset's name.</param>
    /// <param name="aliasName">The alias.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The changes; none for an alias that never existed.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="aliasName"/> is invalid.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyList<DatasetAliasChange>> GetAliasHistoryAsync(string name, string aliasName, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(name, "Dataset");
        RegistryNames.Alias(aliasName, allowLatest: false);
        var record = await Aliases(name).GetAsync(aliasName, cancellationToken).ConfigureAwait(false);
        return record?.History.Select(h => new DatasetAliasChange(h.From, h.To, h.By, h.At, h.Reason)).ToList() ?? [];
    }

    /// <summary>Gets the runs that used a dataset version (recorded by <see cref="RunDatasetExtensions.UseDatasetAsync"/>).</summary>
    /// <param name="dataset">The version.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The runs, by id.</returns>
    /// <exception cref="DatasetNotFoundException">No version answers the reference.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyList<DatasetUsage>> GetUsageAsync(DatasetRef dataset, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(dataset);
        var version = await ResolveAsync(dataset, cancellationToken).ConfigureAwait(false);
        var usages = new List<DatasetUsage>();
        await foreach (var item in _context.Store.ListAsync(DataKeys.Usage(dataset.Name, version), cancellationToken).ConfigureAwait(false))
        {
            var usage = await _context.Records.GetAsync(item.Key, DataJsonContext.Default.DatasetUsageRecord, cancellationToken).ConfigureAwait(false);
            if (usage is not null)
            {
                usages.Add(new DatasetUsage(usage.RunId, usage.Experiment, usage.Contexts, usage.At));
            }
        }

        return usages;
    }

    /// <summary>Compares two versions: schema changes, row-count change, files added, removed and changed, and how each column's statistics moved.</summary>
    /// <param name="baseline">The earlier version.</param>
    /// <param name="other">The later version.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The differences.</returns>
    /// <exception cref="DatasetNotFoundException">A reference names no version.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<DatasetDiff> DiffAsync(DatasetRef baseline, DatasetRef other, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(other);
        var a = await GetAsync(baseline, cancellationToken).ConfigureAwait(false);
        var b = await GetAsync(other, cancellationToken).ConfigureAwait(false);
        return new DatasetDiff(a, b, await a.GetFilesAsync(cancellationToken).ConfigureAwait(false), await b.GetFilesAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Records that a run used a version: the run's input and the version's usage (lineage both ways).</summary>
    internal async Task RecordUsageAsync(Run run, DatasetVersion dataset, string context, CancellationToken cancellationToken)
    {
        run.LogInput(dataset.Uri, context, dataset.Identity);
        await _context.Records.UpdateAsync(
            DataKeys.Usage(dataset.Name, dataset.Version, run.Id),
            current =>
            {
                if (current?.Contexts.Contains(context) == true)
                {
                    return null;
                }

                var next = current is null
                    ? new DatasetUsageRecord { RunId = run.Id, Experiment = run.Experiment, At = _context.TimeProvider.GetUtcNow() }
                    : new DatasetUsageRecord { RunId = current.RunId, Experiment = current.Experiment, At = current.At, Contexts = [.. current.Contexts] };
                next.Contexts.Add(context);
                return next;
            },
            DataJsonContext.Default.DatasetUsageRecord,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds the content and packs every dataset version refers to (for garbage collection).</summary>
    internal async Task AddContentReferencesAsync(ISet<string> content, ISet<string> packs, CancellationToken cancellationToken)
    {
        foreach (var name in await ListNamesAsync(cancellationToken).ConfigureAwait(false))
        {
            await foreach (var record in ListVersionRecordsAsync(name, cancellationToken).ConfigureAwait(false))
            {
                if (record.Manifest is not null)
                {
                    content.Add(record.Manifest);
                }

                foreach (var file in await GetFileRecordsAsync(record, cancellationToken).ConfigureAwait(false))
                {
                    if (file.Pack is null)
                    {
                        content.Add(file.Sha256);
                    }
                    else
                    {
                        packs.Add(file.Pack);
                    }
                }
            }
        }
    }

    internal async Task<int> ResolveAsync(DatasetRef reference, CancellationToken cancellationToken)
    {
        if (reference.Version is { } version)
        {
            return version;
        }

        if (reference.Alias == DatasetRef.LatestAlias)
        {
            var highest = await GetHighestVersionAsync(reference.Name, cancellationToken).ConfigureAwait(false);
            return highest > 0 ? highest : throw new DatasetNotFoundException(reference.ToString(), "the dataset has no versions");
        }

        var alias = await Aliases(reference.Name).GetAsync(reference.Alias!, cancellationToken).ConfigureAwait(false);
        return alias?.Version ?? throw new DatasetNotFoundException(reference.ToString(), alias is null ? "no such alias" : "the alias was deleted");
    }

    internal Task<DatasetVersionRecord?> ReadVersionAsync(string name, int version, CancellationToken cancellationToken)
        => _context.Records.GetAsync(Versions(name).Key(version), DataJsonContext.Default.DatasetVersionRecord, cancellationToken);

    internal Task<int> GetHighestVersionAsync(string name, CancellationToken cancellationToken) => Versions(name).GetHighestAsync(cancellationToken);

    private VersionNumbering Versions(string name) => new(_context.Store, DataKeys.Prefix(name));

    private AliasBook Aliases(string name) => new(_context.Records, _context.TimeProvider, DataKeys.Prefix(name));

    private async IAsyncEnumerable<DatasetVersionRecord> ListVersionRecordsAsync(string name, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var number in await Versions(name).ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await ReadVersionAsync(name, number, cancellationToken).ConfigureAwait(false) is { } record)
            {
                yield return record;
            }
        }
    }

    /// <summary>The files of a version: from its record, or its manifest object (verified) for many files.</summary>
    internal async Task<List<DatasetFileRecord>> GetFileRecordsAsync(DatasetVersionRecord record, CancellationToken cancellationToken)
    {
        if (record.Files is not null)
        {
            return record.Files;
        }

        if (record.Manifest is null)
        {
            return [];
        }

        var hash = ContentHash.Parse(record.Manifest);
        var bytes = await _context.Content.ReadAsync(hash, cancellationToken).ConfigureAwait(false);
        return RecordStore.Deserialize(ContentStore.GetKey(hash), bytes, DataJsonContext.Default.DatasetManifestRecord).Files;
    }
}
