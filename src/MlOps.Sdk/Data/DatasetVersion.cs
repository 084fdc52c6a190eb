using Microsoft.ML;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Data;

/// <summary>
/// One immutable version of a dataset: what it holds (files, schema, statistics), where it came from (source, producing
/// run) and how to get it back (<see cref="LoadAsync(MLContext, CancellationToken)"/>, <see cref="MaterializeAsync"/>).
/// </summary>
public class DatasetVersion
{
    private readonly DatasetCatalog _catalog = null!;
    private readonly DatasetVersionRecord _record = null!;

    internal DatasetVersion(DatasetCatalog catalog, DatasetVersionRecord record, bool created)
    {
        _catalog = catalog;
        _record = record;
        Created = created;
        Identity = ContentHash.Parse(record.Identity);
        Schema = record.Schema?.Select(c => new DatasetColumn(c.Name, c.Type)).ToList() ?? [];
        Tags = new Dictionary<string, string>(record.Tags, StringComparer.Ordinal);
        Profile = record.Profile is null ? null : new DatasetProfile(record.Profile);
        ProducedBy = record.ProducedBy is { } p ? new DatasetProducer(p.RunId, p.Experiment, p.GitCommit, p.GitDirty, new Dictionary<string, string>(p.Parameters, StringComparer.Ordinal)) : null;
        External = record.External is { } e ? new ExternalDatasetSource(new Uri(e.Uri), e.ETag, e.Size) : null;
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected DatasetVersion()
    {
    }

    /// <summary>Gets the dataset's name.</summary>
    public virtual string Name => _record.Name;

    /// <summary>Gets the version number, from 1.</summary>
    public virtual int Version => _record.Version;

    /// <summary>Gets the reference to this version.</summary>
    public virtual DatasetRef Ref => DatasetRef.ForVersion(Name, Version);

    /// <summary>Gets the URI of this version: <c>datasets:/{name}/{version}</c>.</summary>
    public virtual string Uri => Ref.ToString();

    /// <summary>Gets the version's identity: the SHA-256 of its manifest (every file's path, SHA-256 and size), or of its external reference.</summary>
    public virtual ContentHash Identity { get; }

    /// <summary>Gets a value indicating whether the call that returned this version created it (<see langword="false"/>: the content was registered before).</summary>
    public virtual bool Created { get; }

    /// <summary>Gets what the version was registered from.</summary>
    public virtual DatasetKind Kind => _record.Kind;

    /// <summary>Gets how its files are read as a table.</summary>
    public virtual DatasetFormat Format => _record.Format;

    /// <summary>Gets where it was registered from: a local path, or the external URI.</summary>
    public virtual string? Source => _record.Source;

    /// <summary>Gets the description given at registration.</summary>
    public virtual string? Description => _record.Description;

    /// <summary>Gets the tags given at registration.</summary>
    public virtual IReadOnlyDictionary<string, string> Tags { get; } = new Dictionary<string, string>();

    /// <summary>Gets who registered it.</summary>
    public virtual string CreatedBy => _record.CreatedBy;

    /// <summary>Gets when it was registered.</summary>
    public virtual DateTimeOffset CreatedAt => _record.CreatedAt;

    /// <summary>Gets the environment it was registered in.</summary>
    public virtual string? Environment => _record.Environment;

    /// <summary>Gets the number of files.</summary>
    public virtual int FileCount => _record.FileCount;

    /// <summary>Gets the total size of the files in bytes (an external reference's size, when given).</summary>
    public virtual long Bytes => _record.Bytes;

    /// <summary>Gets the number of rows of tabular data, or <see langword="null"/> for opaque files.</summary>
    public virtual long? RowCount => _record.RowCount;

    /// <summary>Gets the columns of tabular data, in order; empty for opaque files.</summary>
    public virtual IReadOnlyList<DatasetColumn> Schema { get; } = [];

    /// <summary>Gets the statistics of every column, or <see langword="null"/> when none was computed.</summary>
    public virtual DatasetProfile? Profile { get; }

    /// <summary>Gets the run that produced the data, when one was given.</summary>
    public virtual DatasetProducer? ProducedBy { get; }

    /// <summary>Gets the external reference, for <see cref="DatasetKind.External"/>.</summary>
    public virtual ExternalDatasetSource? External { get; }

    internal DatasetVersionRecord Record => _record;

    internal DatasetCatalog Catalog => _catalog;

    /// <summary>Gets the files, in path order.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The files; none for an external reference.</returns>
    /// <exception cref="ContentIntegrityException">The manifest of a large version is damaged.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyList<DatasetFile>> GetFilesAsync(CancellationToken cancellationToken = default)
    {
        var files = await _catalog.GetFileRecordsAsync(_record, cancellationToken).ConfigureAwait(false);
        return files.Select(f => new DatasetFile(f.Path, ContentHash.Parse(f.Sha256), f.Size)).ToList();
    }

    /// <summary>
    /// Writes the version's files under a local folder, each verified against its SHA-256; files already there and
    /// unchanged are kept, so materializing again is cheap.
    /// </summary>
    /// <param name="folder">The folder; default <see langword="null"/>: a folder per version under <see cref="DatasetOptions.MaterializePath"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The folder's full path.</returns>
    /// <exception cref="InvalidOperationException">The version is an external reference.</exception>
    /// <exception cref="ContentIntegrityException">Stored bytes do not match their hash.</exception>
    /// <exception cref="ContentNotFoundException">Stored bytes are missing.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<string> MaterializeAsync(string? folder = null, CancellationToken cancellationToken = default)
        => _catalog.MaterializeAsync(_record, folder, cancellationToken);

    /// <summary>Loads the version as an ML.NET <see cref="IDataView"/>: delimited text with the recorded schema, or ML.NET's binary format.</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The data.</returns>
    /// <exception cref="InvalidOperationException">The version is opaque files or an external reference, which do not load as a table.</exception>
    /// <exception cref="ContentIntegrityException">Stored bytes do not match their hash.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<IDataView> LoadAsync(MLContext mlContext, CancellationToken cancellationToken = default)
        => _catalog.LoadAsync(this, mlContext, rowType: null, cancellationToken);

    /// <summary>
    /// Loads the version as an ML.NET <see cref="IDataView"/> whose columns are <typeparamref name="TRow"/>'s public fields and
    /// properties (by name, or <c>[ColumnName]</c>), after checking them against the recorded schema.
    /// </summary>
    /// <typeparam name="TRow">The row type.</typeparam>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The data.</returns>
    /// <exception cref="DatasetSchemaMismatchException">A column of <typeparamref name="TRow"/> is missing from the data or has another type; the message names each.</exception>
    /// <exception cref="InvalidOperationException">The version does not load as a table.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<IDataView> LoadAsync<TRow>(MLContext mlContext, CancellationToken cancellationToken = default)
        where TRow : class
        => _catalog.LoadAsync(this, mlContext, typeof(TRow), cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"{Uri} ({FileCount} files, {Bytes} bytes{(RowCount is { } rows ? $", {rows} rows" : string.Empty)})";
}
