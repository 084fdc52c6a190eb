using System.Buffers;
using System.Globalization;
using System.IO.Enumeration;
using System.Security.Cryptography;
using System.Text;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Registry;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Data;

/// <summary>
/// Versioned datasets (<c>client.Datasets</c>): register files, folders, ML.NET data views and external references as
/// immutable, content-addressed versions; resolve <c>datasets:/</c> URIs; aliases; lineage.
/// </summary>
/// <remarks>
/// <para>
/// A version's identity is its content: the SHA-256 of a manifest listing every file's path, SHA-256 and size.
/// Registering identical content again returns the existing version, storing nothing; different content becomes
/// version n + 1. Content is stored before the version record, which is the commit point: a failure or crash leaves at
/// most unreferenced content, never a version pointing to nothing.
/// </para>
/// <para>
/// Local files are hashed in parallel; a hash cache (<see cref="DatasetOptions.HashCacheEnabled"/>) remembers each
/// file's hash by its size, modification and change times and inode, so unchanged data is not read again. A file whose
/// stat differs after it was read, or whose bytes no longer match when stored, fails the registration with
/// <see cref="DatasetSourceChangedException"/>. Files under <see cref="DatasetOptions.PackThresholdBytes"/> travel in
/// packs (one object per up to <see cref="DatasetOptions.MaxPackBytes"/> of small files, each file verified by its own
/// hash when read); a file the dataset's previous version already stored is not stored again.
/// </para>
/// <para>Instances are thread-safe.</para>
/// </remarks>
public partial class DatasetCatalog
{
    /// <summary>Versions with at most this many files keep their file list in the version record; larger ones in a manifest object.</summary>
    internal const int InlineManifestLimit = 1000;

    private readonly DataContext _context = null!;

    internal DatasetCatalog(DataContext context)
    {
        _context = context;
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected DatasetCatalog()
    {
    }

    /// <summary>Registers one local file as a version of a dataset (or returns the version that already holds its content).</summary>
    /// <param name="name">The dataset's name: letters, digits, '.', '_' and '-', starting with a letter or digit.</param>
    /// <param name="path">The file.</param>
    /// <param name="options">The description, tags, producing run and tabular format; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The version; <see cref="DatasetVersion.Created"/> tells whether it is new.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid, or <paramref name="path"/> is a folder.</exception>
    /// <exception cref="FileNotFoundException"><paramref name="path"/> does not exist.</exception>
    /// <exception cref="DatasetSourceChangedException">The file changed while it was read; nothing was registered.</exception>
    /// <exception cref="DatasetSchemaMismatchException">The given columns do not fit the delimited text.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<DatasetVersion> RegisterFileAsync(string name, string path, RegisterDatasetOptions? options = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(name, "Dataset");
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new ArgumentException($"'{full}' is a folder; register it with RegisterDirectoryAsync.", nameof(path));
        }

        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"The file '{full}' to register as dataset '{name}' does not exist.", full);
        }

        options ??= new RegisterDatasetOptions();
        var files = new[] { new SourceFile(full, CheckedName(full, Path.GetFileName(full))) };
        return await RegisterLocalAsync(name, DatasetKind.File, full, files, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Registers a local folder, every file under it with its relative path, as a version of a dataset (or returns the
    /// version that already holds exactly this content).
    /// </summary>
    /// <param name="name">The dataset's name.</param>
    /// <param name="directory">The folder.</param>
    /// <param name="options">The description, tags, producing run and tabular format; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The version; <see cref="DatasetVersion.Created"/> tells whether it is new.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid, or the folder holds no files (an empty dataset is refused: there is nothing to version, and it is most often a wrong path).</exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    /// <exception cref="DatasetSourceChangedException">A file changed, appeared or vanished while it was read; nothing was registered.</exception>
    /// <exception cref="DatasetSchemaMismatchException">Delimited-text files disagree on their header, or the given columns do not fit; or the content is registered already with other columns.</exception>
    /// <exception cref="FileNotFoundException">An entry is a link to nothing.</exception>
    /// <exception cref="UnauthorizedAccessException">A file or folder cannot be read.</exception>
    /// <exception cref="IOException">A file cannot be read for another reason.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<DatasetVersion> RegisterDirectoryAsync(string name, string directory, RegisterDatasetOptions? options = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(name, "Dataset");
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The folder '{root}' to register as dataset '{name}' does not exist.");
        }

        var files = EnumerateFiles(root);
        if (files.Count == 0)
        {
            throw new ArgumentException($"The folder '{root}' holds no files; an empty dataset is not registered.", nameof(directory));
        }

        return await RegisterLocalAsync(name, DatasetKind.Directory, root, files, options ?? new RegisterDatasetOptions(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Registers a reference to data kept elsewhere, pinned by its ETag and size, without copying it.</summary>
    /// <param name="name">The dataset's name.</param>
    /// <param name="source">Where the data is and what pins its version; the URI, ETag and size are the identity.</param>
    /// <param name="options">The description, tags and producing run; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The version; <see cref="DatasetVersion.Created"/> tells whether it is new.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid or the URI is not absolute.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<DatasetVersion> RegisterExternalAsync(string name, ExternalDatasetSource source, RegisterDatasetOptions? options = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(name, "Dataset");
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(source.Uri, nameof(source));
        if (!source.Uri.IsAbsoluteUri)
        {
            throw new ArgumentException($"The external source '{source.Uri}' must be an absolute URI.", nameof(source));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(source.Size ?? 0, nameof(source));
        options ??= new RegisterDatasetOptions();
        var uri = source.Uri.AbsoluteUri;
        var identity = ContentHash.Compute(Encoding.UTF8.GetBytes($"mlops-dataset-external-v1\n{uri}\n{source.ETag}\n{source.Size?.ToString(CultureInfo.InvariantCulture)}\n"));
        var existing = await FindExistingAsync(name, identity, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return Found(existing, options);
        }

        var record = await NewRecordAsync(name, identity, DatasetKind.External, DatasetFormat.Files, uri, options, cancellationToken).ConfigureAwait(false);
        record.External = new ExternalSourceRecord { Uri = uri, ETag = source.ETag, Size = source.Size };
        record.Bytes = source.Size ?? 0;
        return await CommitAsync(record, options, cancellationToken).ConfigureAwait(false);
    }

    private async Task<DatasetVersion> RegisterLocalAsync(string name, DatasetKind kind, string root, IReadOnlyList<SourceFile> files, RegisterDatasetOptions options, CancellationToken cancellationToken, bool useHashCache = true, ContentHash? identityOfData = null)
    {
        var cache = HashCache.Open(useHashCache && _context.Options.HashCacheEnabled ? _context.Options.ResolveHashCachePath() : null, root);
        var hashed = await DatasetHasher.HashAsync(files, cache, _context.Options.Parallelism, cancellationToken).ConfigureAwait(false);
        var entries = hashed.Select(f => (f.RelativePath, f.Stat, f.Hash, f.Trusted)).ToList();
        var fromCache = hashed.Count(f => f.FromCache);
        _context.Logger.FilesHashed(root, hashed.Length, hashed.Length - fromCache, fromCache);
        var identity = identityOfData ?? Identity(hashed);

        // A data view's identity was looked up before it was saved; look again only for files just hashed.
        var existing = identityOfData is null ? await FindExistingAsync(name, identity, cancellationToken).ConfigureAwait(false) : null;
        if (existing is not null)
        {
            cache.Save(entries);
            return Found(existing, options);
        }

        var format = ResolveFormat(options, kind, hashed);
        var record = await NewRecordAsync(name, identity, kind, format, kind == DatasetKind.DataView ? null : root, options, cancellationToken).ConfigureAwait(false);
        record.FileCount = hashed.Length;
        record.Bytes = hashed.Sum(f => f.Length);
        if (format is DatasetFormat.DelimitedText or DatasetFormat.BinaryDataView)
        {
            DescribeTable(record, hashed, options, cancellationToken);
        }

        // Content first: the version record, written last, is the commit point.
        var stored = await StoreFilesAsync(name, hashed, cancellationToken).ConfigureAwait(false);
        if (stored.Count <= InlineManifestLimit)
        {
            record.Files = stored;
        }
        else
        {
            var manifest = RecordStore.Serialize(new DatasetManifestRecord { Files = stored }, DataJsonContext.Default.DatasetManifestRecord);
            record.Manifest = (await _context.Content.PutAsync(manifest, cancellationToken).ConfigureAwait(false)).Hash.ToString();
        }

        // The schema and profile were read, and some files were not re-read for storage (already stored, or in the
        // previous version): a file written since it was hashed would make the record describe other bytes.
        foreach (var file in hashed)
        {
            if (FileStat.Read(file.FullPath) is var now && now != file.Stat)
            {
                throw new DatasetSourceChangedException(file.FullPath, DatasetHasher.Describe(file.Stat, now, file.Length));
            }
        }

        var version = await CommitAsync(record, options, cancellationToken).ConfigureAwait(false);
        cache.Save(entries);
        return version;
    }

    /// <summary>
    /// An existing version for content registered again: options that would describe it differently are refused
    /// (versions are immutable), and a producing run still gets the version as its output.
    /// </summary>
    private static DatasetVersion Found(DatasetVersion existing, RegisterDatasetOptions options)
    {
        var problems = new List<string>();
        if (options.Format is { } format && format != existing.Format)
        {
            problems.Add($"it was registered as {existing.Format}, not {format}");
        }

        if (options.Columns is { } columns && !columns.SequenceEqual(existing.Schema))
        {
            problems.Add($"its columns are {string.Join(", ", existing.Schema.Select(c => $"{c.Name} ({c.Type})"))}, not {string.Join(", ", columns.Select(c => $"{c.Name} ({c.Type})"))}");
        }

        if (problems.Count > 0)
        {
            throw new DatasetSchemaMismatchException($"{existing.Uri}, which already holds this content (versions are immutable; register it under another name to read it differently)", problems);
        }

        options.ProducedBy?.LogOutput(existing.Uri, "dataset", existing.Identity);
        return existing;
    }

    /// <summary>The identity of local content: SHA-256 over the sorted list of "{SHA-256} {size} {path}" lines.</summary>
    internal static ContentHash Identity(IReadOnlyList<HashedFile> files)
    {
        var sorted = files;
        for (var i = 1; i < files.Count; i++)
        {
            if (string.CompareOrdinal(files[i - 1].RelativePath, files[i].RelativePath) > 0)
            {
                sorted = [.. files.OrderBy(f => f.RelativePath, StringComparer.Ordinal)];
                break;
            }
        }

        // One buffer, hashed once: ten thousand small appends cost more than the hashing itself.
        var buffer = new ArrayBufferWriter<byte>(64 + (files.Count * 128));
        buffer.Write("mlops-dataset-manifest-v1\n"u8);
        Span<byte> digest = stackalloc byte[32];
        foreach (var file in sorted)
        {
            var line = buffer.GetSpan(64 + 24 + Encoding.UTF8.GetMaxByteCount(file.RelativePath.Length));
            file.Hash.CopyTo(digest);
            Convert.TryToHexStringLower(digest, line, out var written);
            line[written++] = (byte)' ';
            file.Length.TryFormat(line[written..], out var digits, default, CultureInfo.InvariantCulture);
            written += digits;
            line[written++] = (byte)' ';
            written += Encoding.UTF8.GetBytes(file.RelativePath, line[written..]);
            line[written++] = (byte)'\n';
            buffer.Advance(written);
        }

        return ContentHash.Compute(buffer.WrittenSpan);
    }

    private static List<SourceFile> EnumerateFiles(string root)
    {
        var prefix = root.Length + 1;
        var enumeration = new FileSystemEnumerable<SourceFile>(
            root,
            (ref FileSystemEntry entry) =>
            {
                var full = entry.ToFullPath();
                return new SourceFile(full, Path.DirectorySeparatorChar == '/' ? full[prefix..] : full[prefix..].Replace(Path.DirectorySeparatorChar, '/'));
            },
            new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = 0 })
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory,
        };
        var files = new List<SourceFile>();
        foreach (var file in enumeration)
        {
            CheckedName(file.FullPath, file.RelativePath);
            files.Add(file);
        }

        files.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return files;
    }
    /// <summary>A path inside a dataset: no backslash or control character (a manifest line must say one file).</summary>
    private static string CheckedName(string fullPath, string relative)
        => relative.AsSpan().IndexOfAny('\\', '\0') >= 0 || relative.AsSpan().ContainsAnyInRange('\u0001', '\u001f') || relative.AsSpan().Contains('\u007f')
            ? throw new ArgumentException($"The file '{fullPath}' has a name that cannot be kept in a dataset (a backslash or a control character).", nameof(fullPath))
            : relative;

    private static DatasetFormat ResolveFormat(RegisterDatasetOptions options, DatasetKind kind, HashedFile[] files)
    {
        if (options.Format is { } format)
        {
            return format;
        }

        if (kind == DatasetKind.DataView)
        {
            return DatasetFormat.BinaryDataView;
        }

        var extensions = files.Select(f => Path.GetExtension(f.RelativePath).ToLowerInvariant()).Distinct().ToList();
        return extensions switch
        {
            [".csv" or ".tsv"] => DatasetFormat.DelimitedText,
            [".idv"] when files.Length == 1 => DatasetFormat.BinaryDataView,
            _ => DatasetFormat.Files,
        };
    }

    private async Task<DatasetVersionRecord> NewRecordAsync(string name, ContentHash identity, DatasetKind kind, DatasetFormat format, string? source, RegisterDatasetOptions options, CancellationToken cancellationToken)
    {
        var record = new DatasetVersionRecord
        {
            Name = name,
            Identity = identity.ToString(),
            Kind = kind,
            Format = format,
            Source = source,
            Description = options.Description,
            Tags = new Dictionary<string, string>(options.Tags, StringComparer.Ordinal),
            CreatedBy = Environment.UserName,
            CreatedAt = _context.TimeProvider.GetUtcNow(),
            Environment = _context.Environment,
        };
        if (options.ProducedBy is { } run)
        {
            // Parameters logged so far are in the record once flushed: "which code with which parameters made it".
            await run.FlushAsync(cancellationToken).ConfigureAwait(false);
            var info = await _context.Runs.GetAsync(run.Id, cancellationToken).ConfigureAwait(false);
            record.ProducedBy = new DatasetProducerRecord
            {
                RunId = run.Id,
                Experiment = run.Experiment,
                GitCommit = info.Source.GitCommit,
                GitDirty = info.Source.GitDirty,
                Parameters = new Dictionary<string, string>(info.Parameters, StringComparer.Ordinal),
            };
        }

        return record;
    }

    /// <summary>The version that already holds this content, found through its claim; <see langword="null"/> when none does.</summary>
    private async Task<DatasetVersion?> FindExistingAsync(string name, ContentHash identity, CancellationToken cancellationToken)
    {
        var claim = await _context.Records.GetAsync(DataKeys.Claim(name, identity.ToString()), DataJsonContext.Default.DatasetClaimRecord, cancellationToken).ConfigureAwait(false);
        if (claim?.Version is not { } version)
        {
            return null;
        }

        var record = await ReadVersionAsync(name, version, cancellationToken).ConfigureAwait(false);
        return record?.Identity == identity.ToString() ? new DatasetVersion(this, record, created: false) : null;
    }

    /// <summary>
    /// Takes a version number for content already stored: claims the identity (create-if-absent), creates the next
    /// version record (create-if-absent), then records the number in the claim. Concurrent registrations of the same
    /// content agree on one version; a claim left unfinished longer than <see cref="DatasetOptions.RegistrationTimeout"/>
    /// (a crashed registration) is taken over.
    /// </summary>
    private async Task<DatasetVersion> CommitAsync(DatasetVersionRecord record, RegisterDatasetOptions options, CancellationToken cancellationToken)
    {
        var name = record.Name;
        var claimKey = DataKeys.Claim(name, record.Identity);
        var claimedBy = $"{Environment.UserName}@{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        var delay = TimeSpan.FromMilliseconds(20);
        Azure.ETag ours;
        while (true)
        {
            var now = await _context.Store.GetCurrentTimeAsync(cancellationToken).ConfigureAwait(false);
            var mine = new DatasetClaimRecord { Identity = record.Identity, ClaimedBy = claimedBy, ClaimedAt = now };
            var current = await _context.Records.ReadAsync(claimKey, DataJsonContext.Default.DatasetClaimRecord, cancellationToken).ConfigureAwait(false);
            try
            {
                if (current is null)
                {
                    ours = (await _context.Records.CreateAsync(claimKey, mine, DataJsonContext.Default.DatasetClaimRecord, cancellationToken).ConfigureAwait(false)).ETag;
                    break;
                }

                var (claim, etag) = current.Value;
                if (claim.Version is { } version)
                {
                    var existing = await ReadVersionAsync(name, version, cancellationToken).ConfigureAwait(false);
                    if (existing?.Identity == record.Identity)
                    {
                        return new DatasetVersion(this, existing, created: false);
                    }

                    // A claim pointing at a version that does not hold this content: damaged, so taken over.
                }
                else if (now - claim.ClaimedAt < _context.Options.RegistrationTimeout)
                {
                    await Task.Delay(delay, _context.TimeProvider, cancellationToken).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
                    continue;
                }

                ours = (await _context.Store.WriteAsync(claimKey, RecordStore.Serialize(mine, DataJsonContext.Default.DatasetClaimRecord), WriteCondition.IfMatch(etag), cancellationToken).ConfigureAwait(false)).ETag;
                _context.Logger.RegistrationTakenOver(name, record.Identity, claim.ClaimedBy, claim.ClaimedAt);

                // The crashed registration may have created its version before it could say so.
                await foreach (var found in ListVersionRecordsAsync(name, cancellationToken).ConfigureAwait(false))
                {
                    if (found.Identity == record.Identity)
                    {
                        await FinishClaimAsync(claimKey, mine, found.Version, ours, cancellationToken).ConfigureAwait(false);
                        return new DatasetVersion(this, found, created: false);
                    }
                }

                break;
            }
            catch (PreconditionFailedException)
            {
                // Another registration claimed or took over first: look again.
            }
        }

        int number;
        try
        {
            record.RegistrationId = Guid.NewGuid().ToString("N");
            number = await Versions(name).CreateNextAsync(
                n =>
                {
                    record.Version = n;
                    return RecordStore.Serialize(record, DataJsonContext.Default.DatasetVersionRecord);
                },
                existing => RecordStore.Deserialize(DataKeys.Prefix(name), existing, DataJsonContext.Default.DatasetVersionRecord).RegistrationId == record.RegistrationId,
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ReleaseClaimAsync(claimKey, ours).ConfigureAwait(false);
            throw;
        }

        await FinishClaimAsync(claimKey, new DatasetClaimRecord { Identity = record.Identity, ClaimedBy = claimedBy }, number, ours, cancellationToken).ConfigureAwait(false);
        _context.Logger.VersionRegistered(name, number, record.FileCount, record.Bytes, record.Identity);
        var created = new DatasetVersion(this, record, created: true);
        options.ProducedBy?.LogOutput(created.Uri, "dataset", created.Identity);
        return created;
    }

    /// <summary>
    /// Deletes this registration's unfinished claim after a failure (best effort, only if still ours), so a retry of the
    /// same content need not wait for <see cref="DatasetOptions.RegistrationTimeout"/>.
    /// </summary>
    private async Task ReleaseClaimAsync(string claimKey, Azure.ETag ours)
    {
        try
        {
            await _context.Store.DeleteAsync(claimKey, ours, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ObjectStoreException or PreconditionFailedException)
        {
            // Left for the timeout to clear.
        }
    }

    private async Task FinishClaimAsync(string claimKey, DatasetClaimRecord claim, int version, Azure.ETag etag, CancellationToken cancellationToken)
    {
        claim.Version = version;
        claim.ClaimedAt = _context.TimeProvider.GetUtcNow();
        try
        {
            await _context.Store.WriteAsync(claimKey, RecordStore.Serialize(claim, DataJsonContext.Default.DatasetClaimRecord), WriteCondition.IfMatch(etag), cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            // Taken over by another registration that thought this one crashed (it stalled past the timeout): that one
            // records its own version; this version stays valid, with the same content.
            _context.Logger.ClaimLost(claimKey, version);
        }
    }
}
