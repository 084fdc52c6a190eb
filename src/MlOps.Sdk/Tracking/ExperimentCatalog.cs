using System.Runtime.CompilerServices;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Tracking;

/// <summary>
/// The experiments of a store (<c>client.Experiments</c>): named groups of runs. Starting a run in an experiment that
/// does not exist creates it; create one explicitly to give it a description and tags.
/// </summary>
public class ExperimentCatalog
{
    private readonly TrackingContext _context = null!;

    internal ExperimentCatalog(TrackingContext context)
    {
        _context = context;
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected ExperimentCatalog()
    {
    }

    /// <summary>Creates an experiment, or returns it when it exists (then the description and tags given are not applied).</summary>
    /// <param name="name">The name: 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit.</param>
    /// <param name="description">A description, if any.</param>
    /// <param name="tags">Tags, if any.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The experiment.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> or a tag is invalid.</exception>
    /// <exception cref="ExperimentNotFoundException">The experiment exists but is deleted.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<ExperimentInfo> CreateAsync(string name, string? description = null, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        TrackingNames.Experiment(name, nameof(name));
        var validTags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in tags ?? new Dictionary<string, string>())
        {
            TrackingNames.Key(key, "Tag", nameof(tags));
            validTags[key] = _context.Redactor.Redact(key, TrackingNames.Value(value, TrackingNames.MaxTagValueLength, "tag", key, nameof(tags)));
        }

        var record = await _context.EnsureExperimentAsync(name, description, validTags, cancellationToken).ConfigureAwait(false);
        return new ExperimentInfo(record);
    }

    /// <summary>Gets an experiment, deleted or not.</summary>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The experiment.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid.</exception>
    /// <exception cref="ExperimentNotFoundException">No experiment has that name.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<ExperimentInfo> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        TrackingNames.Experiment(name, nameof(name));
        var record = await _context.Records.GetAsync(TrackingKeys.Experiment(name), TrackingJsonContext.Default.ExperimentRecord, cancellationToken).ConfigureAwait(false);
        return record is null ? throw new ExperimentNotFoundException(name) : new ExperimentInfo(record);
    }

    /// <summary>Lists the experiments in name order.</summary>
    /// <param name="includeDeleted">Whether deleted experiments are listed too.</param>
    /// <param name="cancellationToken">A token to cancel the enumeration.</param>
    /// <returns>The experiments.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async IAsyncEnumerable<ExperimentInfo> ListAsync(bool includeDeleted = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        foreach (var record in await _context.ListExperimentsAsync(includeDeleted, cancellationToken).ConfigureAwait(false))
        {
            yield return new ExperimentInfo(record);
        }
    }

    /// <summary>Deletes an experiment softly: it and its runs are hidden from searches but kept, and can be restored.</summary>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The deleted experiment.</returns>
    /// <exception cref="ExperimentNotFoundException">No experiment has that name.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<ExperimentInfo> DeleteAsync(string name, CancellationToken cancellationToken = default)
        => ChangeAsync(name, record =>
        {
            record.DeletedAt ??= _context.TimeProvider.GetUtcNow();
            record.DeletedBy ??= Environment.UserName;
        }, cancellationToken);

    /// <summary>Restores a deleted experiment with all its runs.</summary>
    /// <param name="name">The name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The restored experiment.</returns>
    /// <exception cref="ExperimentNotFoundException">No experiment has that name.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<ExperimentInfo> RestoreAsync(string name, CancellationToken cancellationToken = default)
        => ChangeAsync(name, record =>
        {
            record.DeletedAt = null;
            record.DeletedBy = null;
        }, cancellationToken);

    /// <summary>Sets (or replaces) a tag of an experiment.</summary>
    /// <param name="name">The experiment's name.</param>
    /// <param name="tag">The tag's name.</param>
    /// <param name="value">The tag's value; secrets are redacted.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The experiment as changed.</returns>
    /// <exception cref="ArgumentException">A name or the value is invalid.</exception>
    /// <exception cref="ExperimentNotFoundException">No experiment has that name.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<ExperimentInfo> SetTagAsync(string name, string tag, string value, CancellationToken cancellationToken = default)
    {
        TrackingNames.Key(tag, "Tag", nameof(tag));
        var stored = _context.Redactor.Redact(tag, TrackingNames.Value(value, TrackingNames.MaxTagValueLength, "tag", tag, nameof(value)));
        return ChangeAsync(name, record => record.Tags[tag] = stored, cancellationToken);
    }

    /// <summary>Sets the description of an experiment.</summary>
    /// <param name="name">The experiment's name.</param>
    /// <param name="description">The description, or <see langword="null"/> to remove it.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The experiment as changed.</returns>
    /// <exception cref="ExperimentNotFoundException">No experiment has that name.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<ExperimentInfo> SetDescriptionAsync(string name, string? description, CancellationToken cancellationToken = default)
        => ChangeAsync(name, record => record.Description = description, cancellationToken);

    private async Task<ExperimentInfo> ChangeAsync(string name, Action<ExperimentRecord> change, CancellationToken cancellationToken)
    {
        SdkCall.Enter();
        TrackingNames.Experiment(name, nameof(name));
        var updated = await _context.Records.UpdateAsync(
            TrackingKeys.Experiment(name),
            current =>
            {
                if (current is null)
                {
                    return null;
                }

                var copy = RecordCopy.Of(current, TrackingJsonContext.Default.ExperimentRecord);
                change(copy);
                return copy;
            },
            TrackingJsonContext.Default.ExperimentRecord,
            cancellationToken).ConfigureAwait(false);
        return updated is null ? throw new ExperimentNotFoundException(name) : new ExperimentInfo(updated);
    }
}
