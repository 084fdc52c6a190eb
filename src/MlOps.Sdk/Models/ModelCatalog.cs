using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.ML;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Records;
using MlOps.Sdk.Registry;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Models;

/// <summary>
/// The model registry (<c>client.Models</c>): register ML.NET models as numbered versions, move aliases with history,
/// promote between environments, and load any version the same way everywhere (<see cref="LoadAsync(string, CancellationToken)"/>,
/// <see cref="LoadPredictorAsync{TIn, TOut}(string, CancellationToken)"/>).
/// </summary>
/// <remarks>
/// <para>
/// Layout: <c>models/{name}/versions/{n}.json</c> (created if absent: concurrent registrations take distinct numbers,
/// and a number exists only once its record does) and <c>models/{name}/aliases/{alias}.json</c> (compare-and-swap, with
/// every change kept). The saved model is in the content store, written before the record, and verified against its
/// SHA-256 before it is deserialized: an ML.NET model is code, so only intact, registered bytes are loaded.
/// </para>
/// <para>Instances are thread-safe.</para>
/// </remarks>
public partial class ModelCatalog
{
    private const string Root = "models/";
    private readonly ModelContext _context = null!;

    internal ModelCatalog(ModelContext context)
    {
        _context = context;
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected ModelCatalog()
    {
    }

    /// <summary>Registers an ML.NET model as the next version of a named model.</summary>
    /// <param name="name">The model's name: letters, digits, '.', '_' and '-'.</param>
    /// <param name="model">The trained transformer.</param>
    /// <param name="inputSchema">The schema of the data it was trained on (its input signature), for example <c>trainingData.Schema</c>.</param>
    /// <param name="options">Description, tags, input example, datasets, and the run that trained it.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The new version.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid, or <see cref="RegisterModelOptions.Parent"/> names no single version.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<ModelVersion> RegisterAsync(string name, ITransformer model, DataViewSchema inputSchema, RegisterModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(name, "Model");
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        options ??= new RegisterModelOptions();
        return await RegisterCoreAsync(name, model, inputSchema, options, options.Run, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Registers a model that an ended run saved (a search's best trial) as the very content it stored, linked to that
    /// run as its source; <paramref name="model"/> (loaded from that content) gives the schemas. Metrics of related runs (a
    /// pipeline's other steps) are recorded where the source run has none of that name.
    /// </summary>
    internal Task<ModelVersion> RegisterFromRunAsync(string name, ITransformer model, DataViewSchema inputSchema, RegisterModelOptions options, RunInfo sourceRun, RunArtifact saved, IReadOnlyDictionary<string, double>? relatedMetrics, CancellationToken cancellationToken)
        => RegisterCoreAsync(name, model, inputSchema, options, null, cancellationToken, sourceRun, new ContentInfo(saved.Sha256, saved.Size, uploaded: false), relatedMetrics);

    internal async Task<ModelVersion> RegisterCoreAsync(string name, ITransformer model, DataViewSchema inputSchema, RegisterModelOptions options, Run? run, CancellationToken cancellationToken, RunInfo? endedRun = null, ContentInfo? saved = null, IReadOnlyDictionary<string, double>? relatedMetrics = null)
    {
        RegistryNames.Name(name, "Model");
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        var artifactPath = TrackingNames.ArtifactPath(options.ArtifactPath ?? "model", nameof(options));
        if (options.Parent is { } parent && parent.Version is null)
        {
            throw new ArgumentException($"The parent '{parent}' must name one registered version (models:/name/3): an alias moves, so it would not say which parameters the model started from. Resolve it first: (await client.Models.GetAsync(\"{parent}\")).Ref.", nameof(options));
        }

        var mlContext = new MLContext(seed: 0);
        var temporary = Path.Combine(Path.GetTempPath(), $"mlops-model-{Guid.NewGuid():N}.zip");
        try
        {
            ContentInfo stored;
            if (saved is not null)
            {
                stored = saved;
            }
            else
            {
                ModelSerializer.Save(mlContext, model, inputSchema, temporary);
                stored = await _context.Content.PutFileAsync(temporary, cancellationToken).ConfigureAwait(false);
            }

            var record = new ModelVersionRecord
            {
                Name = name,
                Sha256 = stored.Hash.ToString(),
                Size = stored.Length,
                InputSchema = ModelSignature.Columns(inputSchema),
                OutputSchema = ModelSignature.Columns(model.GetOutputSchema(inputSchema)),
                InputExample = options.InputExample is { } example ? JsonSerializer.Serialize(example, example.GetType(), ExampleJson) : null,
                Description = options.Description,
                Tags = new Dictionary<string, string>(options.Tags, StringComparer.Ordinal),
                CreatedBy = Environment.UserName,
                CreatedAt = _context.TimeProvider.GetUtcNow(),
                Environment = _context.Environment,
                Parent = options.Parent?.ToString(),
            };
            foreach (var link in options.Datasets)
            {
                record.Datasets.Add(new ModelDatasetRecord { Uri = link.Uri, Context = link.Context, Identity = link.Identity });
            }

            if (run is not null)
            {
                await run.FlushAsync(cancellationToken).ConfigureAwait(false);
                var info = await _context.Runs.GetAsync(run.Id, cancellationToken).ConfigureAwait(false);
                if (info.Artifacts.FirstOrDefault(a => a.Path == artifactPath) is { } taken && taken.Sha256 != stored.Hash)
                {
                    throw new InvalidOperationException($"Run {run.Id} already has another model at '{artifactPath}'; give each model the run registers its own RegisterModelOptions.ArtifactPath.");
                }

                await run.RecordStoredArtifactAsync(artifactPath, stored, cancellationToken).ConfigureAwait(false);
                LinkSourceRun(record, info);
            }
            else if (endedRun is not null)
            {
                LinkSourceRun(record, endedRun);
            }

            foreach (var (metric, value) in relatedMetrics ?? new Dictionary<string, double>())
            {
                record.Metrics.TryAdd(metric, value);
            }

            // Content first (above); the record, created if absent, is the commit point.
            var number = await CreateVersionAsync(this, record, cancellationToken).ConfigureAwait(false);
            var version = new ModelVersion(record);
            run?.LogOutput(version.Uri, "model", stored.Hash);
            _context.Logger.ModelRegistered(name, number, record.Sha256);
            return version;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Records the run a version came from: its id, commit, parameters, last metric values and datasets.</summary>
    private static void LinkSourceRun(ModelVersionRecord record, RunInfo info)
    {
        record.SourceRunId = info.Id;
        record.SourceExperiment = info.Experiment;
        record.GitCommit = info.Source.GitCommit;
        record.Parameters = new Dictionary<string, string>(info.Parameters, StringComparer.Ordinal);
        foreach (var (metric, summary) in info.Metrics)
        {
            record.Metrics[metric] = summary.Last;
        }

        foreach (var input in info.Inputs.Where(i => i.Uri.StartsWith("datasets:/", StringComparison.Ordinal)))
        {
            if (!record.Datasets.Exists(d => d.Uri == input.Uri && d.Context == input.Context))
            {
                record.Datasets.Add(new ModelDatasetRecord { Uri = input.Uri, Context = input.Context, Identity = input.Sha256?.ToString() });
            }
        }
    }

    /// <summary>Resolves a reference (a version, an alias, <c>latest</c>) to its version.</summary>
    /// <param name="reference">The reference; <c>runs:/</c> references have no registered version.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The version.</returns>
    /// <exception cref="ModelNotFoundException">No version answers it; the message says what exists.</exception>
    /// <exception cref="ArgumentException"><paramref name="reference"/> is a <c>runs:/</c> reference.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<ModelVersion> GetAsync(ModelRef reference, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(reference);
        if (reference.Name is null)
        {
            throw new ArgumentException($"'{reference}' names a run's artifact, not a registered version; load it with LoadAsync.", nameof(reference));
        }

        var number = await ResolveAsync(reference, cancellationToken).ConfigureAwait(false);
        var record = await ReadVersionAsync(reference.Name, number, cancellationToken).ConfigureAwait(false)
            ?? throw new ModelNotFoundException(reference.ToString(), await DescribeAsync(reference.Name, cancellationToken).ConfigureAwait(false));
        return new ModelVersion(record);
    }

    /// <summary>Resolves a URI (<c>models:/name/3</c>, <c>models:/name@alias</c>) to its version.</summary>
    /// <param name="uri">The URI.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The version.</returns>
    /// <exception cref="FormatException"><paramref name="uri"/> is not a model URI.</exception>
    /// <exception cref="ModelNotFoundException">No version answers it.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<ModelVersion> GetAsync(string uri, CancellationToken cancellationToken = default) => GetAsync(ModelRef.Parse(uri), cancellationToken);

    /// <summary>Lists the versions of a model, oldest first (archived ones included).</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="cancellationToken">A token to cancel the enumeration.</param>
    /// <returns>The versions; none for an unknown model.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async IAsyncEnumerable<ModelVersion> ListVersionsAsync(string name, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(name, "Model");
        foreach (var number in await Versions(name).ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await ReadVersionAsync(name, number, cancellationToken).ConfigureAwait(false) is { } record)
            {
                yield return new ModelVersion(record);
            }
        }
    }

    /// <summary>Lists the names of the registered models, in ordinal order, optionally those starting with a prefix (the variants of one pipeline).</summary>
    /// <param name="prefix">The start of the names, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The names.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyList<string>> ListNamesAsync(string? prefix = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        var names = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var item in _context.Store.ListAsync(Root + (prefix ?? string.Empty), cancellationToken).ConfigureAwait(false))
        {
            var rest = item.Key.AsSpan(Root.Length);
            var slash = rest.IndexOf('/');
            if (slash > 0 && rest[(slash + 1)..].StartsWith("versions/", StringComparison.Ordinal))
            {
                names.Add(rest[..slash].ToString());
            }
        }

        return [.. names];
    }

    /// <summary>Finds versions by name prefix, tags and who registered them ("my models": <c>CreatedBy = "me"</c>).</summary>
    /// <param name="query">What to find.</param>
    /// <param name="cancellationToken">A token to cancel the enumeration.</param>
    /// <returns>The matching versions, by name then version.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async IAsyncEnumerable<ModelVersion> SearchAsync(ModelQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(query);
        var user = query.CreatedBy == "me" ? Environment.UserName : query.CreatedBy;
        foreach (var name in await ListNamesAsync(query.NamePrefix, cancellationToken).ConfigureAwait(false))
        {
            await foreach (var version in ListVersionsAsync(name, cancellationToken).ConfigureAwait(false))
            {
                if ((query.IncludeArchived || version.ArchivedAt is null)
                    && (user is null || version.CreatedBy == user)
                    && query.Tags.All(t => version.Tags.TryGetValue(t.Key, out var value) && value == t.Value))
                {
                    yield return version;
                }
            }
        }
    }

    /// <summary>Archives a version (or restores it): hidden from searches by default, still loadable by number.</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="version">The version.</param>
    /// <param name="archived"><see langword="false"/> to restore it.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the change is stored.</returns>
    /// <exception cref="ModelNotFoundException">The version does not exist.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task ArchiveAsync(string name, int version, bool archived = true, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(name, "Model");
        var now = _context.TimeProvider.GetUtcNow();
        var result = await _context.Records.UpdateAsync(
            Versions(name).Key(version),
            current =>
            {
                if (current is null || (current.ArchivedAt is not null) == archived)
                {
                    return null;
                }

                if (current.DeletedAt is not null)
                {
                    return null;
                }

                var next = RecordCopy.Of(current, ModelJsonContext.Default.ModelVersionRecord);
                next.ArchivedAt = archived ? now : null;
                return next;
            },
            ModelJsonContext.Default.ModelVersionRecord,
            cancellationToken).ConfigureAwait(false);
        if (result is null || result.DeletedAt is not null)
        {
            throw new ModelNotFoundException(ModelRef.ForVersion(name, version).ToString(), await DescribeAsync(name, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>
    /// Deletes a version: it no longer resolves, loads or lists, and its content is left for garbage collection. The
    /// record stays as a tombstone, so the number is never given to another model. Refused while an alias points at it.
    /// </summary>
    /// <param name="name">The model's name.</param>
    /// <param name="version">The version.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when it existed and was not deleted already.</returns>
    /// <exception cref="ModelInUseException">An alias points at it; nothing was deleted.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<bool> DeleteVersionAsync(string name, int version, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(name, "Model");
        await ThrowIfAliasedAsync(name, version, cancellationToken).ConfigureAwait(false);

        // Mark first, then look at the aliases again: an alias move does the reverse (move, then look at the version),
        // so of a delete and a move racing, at least one sees the other and backs out.
        var marked = await MarkDeletedAsync(name, version, deleted: true, cancellationToken).ConfigureAwait(false);
        if (!marked)
        {
            return false;
        }

        try
        {
            await ThrowIfAliasedAsync(name, version, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelInUseException)
        {
            await MarkDeletedAsync(name, version, deleted: false, cancellationToken).ConfigureAwait(false);
            throw;
        }

        return true;
    }

    private async Task ThrowIfAliasedAsync(string name, int version, CancellationToken cancellationToken)
    {
        var aliased = (await Aliases(name).ListAsync(cancellationToken).ConfigureAwait(false)).Where(a => a.Version == version).Select(a => a.Alias).ToList();
        if (aliased.Count > 0)
        {
            throw new ModelInUseException(ModelRef.ForVersion(name, version).ToString(), aliased);
        }
    }

    /// <summary>Sets or clears a version's tombstone; <see langword="false"/> when there is nothing to change.</summary>
    private async Task<bool> MarkDeletedAsync(string name, int version, bool deleted, CancellationToken cancellationToken)
    {
        var changed = false;
        var now = _context.TimeProvider.GetUtcNow();
        await _context.Records.UpdateAsync(
            Versions(name).Key(version),
            current =>
            {
                changed = false;
                if (current is null || (current.DeletedAt is not null) == deleted)
                {
                    return null;
                }

                var next = RecordCopy.Of(current, ModelJsonContext.Default.ModelVersionRecord);
                next.DeletedAt = deleted ? now : null;
                next.DeletedBy = deleted ? Environment.UserName : null;
                changed = true;
                return next;
            },
            ModelJsonContext.Default.ModelVersionRecord,
            cancellationToken).ConfigureAwait(false);
        return changed;
    }

    /// <summary>Adds the content every model version refers to (for garbage collection).</summary>
    internal async Task AddContentReferencesAsync(ISet<string> content, CancellationToken cancellationToken)
    {
        foreach (var name in await ListNamesAsync(null, cancellationToken).ConfigureAwait(false))
        {
            foreach (var number in await Versions(name).ListAsync(cancellationToken).ConfigureAwait(false))
            {
                if (await ReadVersionAsync(name, number, cancellationToken).ConfigureAwait(false) is { } record)
                {
                    content.Add(record.Sha256);
                }
            }
        }
    }

    internal async Task<int> ResolveAsync(ModelRef reference, CancellationToken cancellationToken)
    {
        var name = reference.Name!;
        if (reference.Version is { } version)
        {
            return version;
        }

        if (reference.Alias == ModelRef.LatestAlias)
        {
            var numbers = await Versions(name).ListAsync(cancellationToken).ConfigureAwait(false);
            for (var i = numbers.Count - 1; i >= 0; i--)
            {
                if (await ReadVersionAsync(name, numbers[i], cancellationToken).ConfigureAwait(false) is not null)
                {
                    return numbers[i];
                }
            }

            throw new ModelNotFoundException(reference.ToString(), await DescribeAsync(name, cancellationToken).ConfigureAwait(false));
        }

        var alias = await Aliases(name).GetAsync(reference.Alias!, cancellationToken).ConfigureAwait(false);
        return alias?.Version ?? throw new ModelNotFoundException(reference.ToString(), await DescribeAsync(name, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Reads a version's record; a deleted version (its tombstone) reads as <see langword="null"/>.</summary>
    internal async Task<ModelVersionRecord?> ReadVersionAsync(string name, int version, CancellationToken cancellationToken)
        => await _context.Records.GetAsync(Versions(name).Key(version), ModelJsonContext.Default.ModelVersionRecord, cancellationToken).ConfigureAwait(false) is { DeletedAt: null } record
            ? record
            : null;

    /// <summary>What exists of a model, for error messages: its versions and aliases.</summary>
    private async Task<string> DescribeAsync(string name, CancellationToken cancellationToken)
    {
        var versions = await Versions(name).ListAsync(cancellationToken).ConfigureAwait(false);
        if (versions.Count == 0)
        {
            var names = await ListNamesAsync(null, cancellationToken).ConfigureAwait(false);
            return names.Count == 0 ? "the store has no models" : $"there is no model '{name}'; models: {string.Join(", ", names.Take(20))}";
        }

        var aliases = await Aliases(name).ListAsync(cancellationToken).ConfigureAwait(false);
        var list = versions.Count <= 10 ? string.Join(", ", versions) : $"1 to {versions[^1].ToString(CultureInfo.InvariantCulture)} ({versions.Count} versions)";
        return $"model '{name}' has versions {list}; aliases: {(aliases.Count == 0 ? "none" : string.Join(", ", aliases.Select(a => $"@{a.Alias} -> {a.Version}")))}";
    }

    /// <summary>Creates the next version of <paramref name="record"/>'s model in <paramref name="registry"/>, adopting its own record after a lost answer.</summary>
    private static Task<int> CreateVersionAsync(ModelCatalog registry, ModelVersionRecord record, CancellationToken cancellationToken)
    {
        record.RegistrationId = Guid.NewGuid().ToString("N");
        return registry.Versions(record.Name).CreateNextAsync(
            n =>
            {
                record.Version = n;
                return RecordStore.Serialize(record, ModelJsonContext.Default.ModelVersionRecord);
            },
            existing => RecordStore.Deserialize(Prefix(record.Name), existing, ModelJsonContext.Default.ModelVersionRecord).RegistrationId == record.RegistrationId,
            cancellationToken);
    }

    private static readonly JsonSerializerOptions ExampleJson = new() { WriteIndented = false };

    private static string Prefix(string name) => $"{Root}{name}/";

    private VersionNumbering Versions(string name) => new(_context.Store, Prefix(name));

    private AliasBook Aliases(string name) => new(_context.Records, _context.TimeProvider, Prefix(name));
}
