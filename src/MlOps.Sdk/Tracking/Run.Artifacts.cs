using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tracking;

/// <content>Artifacts: files stored in the content store and recorded in the run by their path inside it.</content>
public partial class Run
{
    /// <summary>Stores a local file as an artifact of the run.</summary>
    /// <param name="artifactPath">Its path inside the run, '/'-separated and relative (for example <c>model/model.zip</c>).</param>
    /// <param name="localFile">The file.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The artifact as recorded.</returns>
    /// <exception cref="ArgumentException"><paramref name="artifactPath"/> is absolute, escapes the run (<c>..</c>) or is otherwise invalid.</exception>
    /// <exception cref="FileNotFoundException"><paramref name="localFile"/> does not exist.</exception>
    /// <exception cref="RunNotActiveException">The run has ended.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<RunArtifact> LogArtifactAsync(string artifactPath, string localFile, CancellationToken cancellationToken = default)
    {
        RunScope.EnterSdk();
        _scope.Progress();
        TrackingNames.ArtifactPath(artifactPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(localFile);
        ThrowIfEndedFast("logging an artifact");
        var stored = await _context.Content.PutFileAsync(localFile, cancellationToken).ConfigureAwait(false);
        return (await RecordArtifactsAsync([(artifactPath, stored)], cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>Stores what a stream holds as an artifact of the run.</summary>
    /// <param name="artifactPath">Its path inside the run, '/'-separated and relative.</param>
    /// <param name="content">The content, read from its position to its end; not disposed.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The artifact as recorded.</returns>
    /// <exception cref="ArgumentException"><paramref name="artifactPath"/> is invalid.</exception>
    /// <exception cref="RunNotActiveException">The run has ended.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<RunArtifact> LogArtifactAsync(string artifactPath, Stream content, CancellationToken cancellationToken = default)
    {
        RunScope.EnterSdk();
        _scope.Progress();
        TrackingNames.ArtifactPath(artifactPath);
        ArgumentNullException.ThrowIfNull(content);
        ThrowIfEndedFast("logging an artifact");
        var stored = await _context.Content.PutAsync(content, cancellationToken).ConfigureAwait(false);
        return (await RecordArtifactsAsync([(artifactPath, stored)], cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>Stores every file under a local folder as artifacts under <paramref name="artifactPath"/>, keeping their relative paths.</summary>
    /// <param name="artifactPath">The folder inside the run the files go under; empty for the run's root.</param>
    /// <param name="localDirectory">The folder.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The artifacts as recorded, in path order.</returns>
    /// <exception cref="ArgumentException"><paramref name="artifactPath"/> is invalid, or a file's name cannot be an artifact path.</exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="localDirectory"/> does not exist.</exception>
    /// <exception cref="RunNotActiveException">The run has ended.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyList<RunArtifact>> LogArtifactsAsync(string artifactPath, string localDirectory, CancellationToken cancellationToken = default)
    {
        RunScope.EnterSdk();
        _scope.Progress();
        ArgumentNullException.ThrowIfNull(artifactPath);
        var prefix = artifactPath.Length == 0 ? string.Empty : TrackingNames.ArtifactPath(artifactPath.TrimEnd('/')) + "/";
        ArgumentException.ThrowIfNullOrWhiteSpace(localDirectory);
        var root = Path.GetFullPath(localDirectory);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The folder '{root}' to store as artifacts of run '{Id}' does not exist.");
        }

        ThrowIfEndedFast("logging artifacts");
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => (File: f, Path: prefix + Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/')))
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
        foreach (var (_, path) in files)
        {
            TrackingNames.ArtifactPath(path, nameof(localDirectory));
        }

        var stored = new (string Path, ContentInfo Content)[files.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, files.Count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (i, ct) =>
            stored[i] = (files[i].Path, await _context.Content.PutFileAsync(files[i].File, ct).ConfigureAwait(false))).ConfigureAwait(false);
        return await RecordArtifactsAsync(stored, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records content the caller has already put into the content store as an artifact (no second hash or upload).</summary>
    internal async Task<RunArtifact> RecordStoredArtifactAsync(string artifactPath, ContentInfo stored, CancellationToken cancellationToken)
    {
        RunScope.EnterSdk();
        _scope.Progress();
        TrackingNames.ArtifactPath(artifactPath);
        ThrowIfEndedFast("logging an artifact");
        return (await RecordArtifactsAsync([(artifactPath, stored)], cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>Records stored content in the run's record (after the content, so the record never points to nothing).</summary>
    private async Task<IReadOnlyList<RunArtifact>> RecordArtifactsAsync(IReadOnlyList<(string Path, ContentInfo Content)> artifacts, CancellationToken cancellationToken)
    {
        await UpdateRecordAsync(
            record =>
            {
                foreach (var (path, content) in artifacts)
                {
                    record.Artifacts.RemoveAll(a => a.Path == path);
                    record.Artifacts.Add(new ArtifactRecord { Path = path, Sha256 = content.Hash.ToString(), Size = content.Length });
                }

                record.Artifacts.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
            },
            cancellationToken).ConfigureAwait(false);
        return artifacts.Select(a => new RunArtifact(a.Path, a.Content.Hash, a.Content.Length)).ToList();
    }
}
