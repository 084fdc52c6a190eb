using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Models;

/// <summary>A registered model version: its content, signature, lineage and metrics.</summary>
public class ModelVersion
{
    private readonly ModelVersionRecord _record = null!;

    internal ModelVersion(ModelVersionRecord record)
    {
        _record = record;
        Sha256 = ContentHash.Parse(record.Sha256);
        InputSchema = record.InputSchema.Select(c => new ModelColumn(c.Name, c.Type)).ToList();
        OutputSchema = record.OutputSchema.Select(c => new ModelColumn(c.Name, c.Type)).ToList();
        Datasets = record.Datasets.Select(d => new ModelDatasetLink(d.Uri, d.Context, d.Identity)).ToList();
        Metrics = new Dictionary<string, double>(record.Metrics, StringComparer.Ordinal);
        Parameters = new Dictionary<string, string>(record.Parameters, StringComparer.Ordinal);
        Tags = new Dictionary<string, string>(record.Tags, StringComparer.Ordinal);
        Origin = record.Origin is { } o ? new ModelOrigin(o.Store, o.Environment, o.Name, o.Version, o.PromotedBy, o.PromotedAt, o.Reason) : null;
        Parent = record.Parent is { } parent ? ModelRef.Parse(parent) : null;
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected ModelVersion()
    {
    }

    /// <summary>Gets the model's name.</summary>
    public virtual string Name => _record.Name;

    /// <summary>Gets the version number, from 1.</summary>
    public virtual int Version => _record.Version;

    /// <summary>Gets the reference to this version.</summary>
    public virtual ModelRef Ref => ModelRef.ForVersion(Name, Version);

    /// <summary>Gets the URI of this version: <c>models:/{name}/{version}</c>.</summary>
    public virtual string Uri => Ref.ToString();

    /// <summary>Gets the SHA-256 of the saved model; checked before it is deserialized.</summary>
    public virtual ContentHash Sha256 { get; }

    /// <summary>Gets the saved model's size in bytes.</summary>
    public virtual long Size => _record.Size;

    /// <summary>Gets the kind of saved model (<see cref="ModelFlavors"/>).</summary>
    public virtual string Flavor => _record.Flavor;

    /// <summary>Gets the columns the model reads (the schema it was trained with).</summary>
    public virtual IReadOnlyList<ModelColumn> InputSchema { get; } = [];

    /// <summary>Gets the columns the model produces.</summary>
    public virtual IReadOnlyList<ModelColumn> OutputSchema { get; } = [];

    /// <summary>Gets an example input as JSON, when one was given.</summary>
    public virtual string? InputExample => _record.InputExample;

    /// <summary>Gets the run that trained it, when known.</summary>
    public virtual string? SourceRunId => _record.SourceRunId;

    /// <summary>Gets the experiment of that run.</summary>
    public virtual string? SourceExperiment => _record.SourceExperiment;

    /// <summary>Gets the git commit the run's code was at, when known.</summary>
    public virtual string? GitCommit => _record.GitCommit;

    /// <summary>Gets the dataset versions it was trained and validated on.</summary>
    public virtual IReadOnlyList<ModelDatasetLink> Datasets { get; } = [];

    /// <summary>
    /// Gets the source run's metrics (last values) when the version was registered; for a pipeline's model, also those of
    /// the steps that read it (an evaluation), where the model's step logged none of that name.
    /// </summary>
    public virtual IReadOnlyDictionary<string, double> Metrics { get; } = new Dictionary<string, double>();

    /// <summary>Gets the run's parameters when the version was registered.</summary>
    public virtual IReadOnlyDictionary<string, string> Parameters { get; } = new Dictionary<string, string>();

    /// <summary>Gets the version's tags.</summary>
    public virtual IReadOnlyDictionary<string, string> Tags { get; } = new Dictionary<string, string>();

    /// <summary>Gets the description.</summary>
    public virtual string? Description => _record.Description;

    /// <summary>Gets who registered it.</summary>
    public virtual string CreatedBy => _record.CreatedBy;

    /// <summary>Gets when it was registered.</summary>
    public virtual DateTimeOffset CreatedAt => _record.CreatedAt;

    /// <summary>Gets the environment it was registered in.</summary>
    public virtual string? Environment => _record.Environment;

    /// <summary>Gets when it was archived, or <see langword="null"/>.</summary>
    public virtual DateTimeOffset? ArchivedAt => _record.ArchivedAt;

    /// <summary>Gets where it was promoted from, for a version copied from another store.</summary>
    public virtual ModelOrigin? Origin { get; }

    /// <summary>
    /// Gets the version this one continued training from (online learning: trained from that version's parameters), or
    /// <see langword="null"/> for a model trained from scratch. It names a version of the store the model was registered
    /// in; for a promoted copy, that is the store <see cref="Origin"/> names.
    /// </summary>
    public virtual ModelRef? Parent { get; }

    internal ModelVersionRecord Record => _record;

    /// <inheritdoc />
    public override string ToString() => $"{Uri} (sha256:{_record.Sha256[..12]}, {Size} bytes, by {CreatedBy})";
}
