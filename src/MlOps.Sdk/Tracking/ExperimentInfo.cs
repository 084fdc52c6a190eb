namespace MlOps.Sdk.Tracking;

/// <summary>An experiment: a named group of runs (one model, one question), with a description and tags.</summary>
public class ExperimentInfo
{
    internal ExperimentInfo(ExperimentRecord record)
    {
        Name = record.Name;
        Description = record.Description;
        Tags = new Dictionary<string, string>(record.Tags, StringComparer.Ordinal).AsReadOnly();
        CreatedBy = record.CreatedBy;
        CreatedAt = record.CreatedAt;
        DeletedAt = record.DeletedAt;
    }

    /// <summary>Gets the experiment's name.</summary>
    public string Name { get; }

    /// <summary>Gets the description, if any.</summary>
    public string? Description { get; }

    /// <summary>Gets the tags.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; }

    /// <summary>Gets who created it.</summary>
    public string CreatedBy { get; }

    /// <summary>Gets when it was created.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>Gets when it was (softly) deleted, or <see langword="null"/> when it is live.</summary>
    public DateTimeOffset? DeletedAt { get; }

    /// <summary>Gets a value indicating whether it is deleted; its runs are kept and come back with <see cref="ExperimentCatalog.RestoreAsync"/>.</summary>
    public bool IsDeleted => DeletedAt is not null;

    /// <inheritdoc />
    public override string ToString() => IsDeleted ? $"{Name} (deleted)" : Name;
}
