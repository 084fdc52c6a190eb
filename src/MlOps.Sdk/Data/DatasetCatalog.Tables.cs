using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Registry;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Data;

/// <content>Tabular data: schema and statistics at registration, ML.NET data views in and out.</content>
public partial class DatasetCatalog
{
    /// <summary>
    /// Registers an in-memory ML.NET <see cref="IDataView"/> as a version of a dataset, saved in ML.NET's binary format
    /// with its schema (or returns the version that already holds the same data).
    /// </summary>
    /// <remarks>
    /// The identity of a data view is its content: its schema and every value (ML.NET's binary files are not byte-stable,
    /// so the saved file's hash cannot be). The data is read once for the identity, and once more to save it when new.
    /// </remarks>
    /// <param name="name">The dataset's name.</param>
    /// <param name="data">The data.</param>
    /// <param name="mlContext">The ML.NET context that saves it.</param>
    /// <param name="options">The description, tags and producing run; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The version; <see cref="DatasetVersion.Created"/> tells whether it is new.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<DatasetVersion> RegisterDataViewAsync(string name, IDataView data, MLContext mlContext, RegisterDatasetOptions? options = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(name, "Dataset");
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(mlContext);
        options ??= new RegisterDatasetOptions();
        var identity = DataViewIdentity.Compute(data, cancellationToken);
        if (await FindExistingAsync(name, identity, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            // As for files: the producing run still gets the version that holds its data as its output.
            options.ProducedBy?.LogOutput(existing.Uri, "dataset", existing.Identity);
            return existing;
        }

        var folder = Path.Combine(Path.GetTempPath(), $"mlops-dataview-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var path = Path.Combine(folder, "data.idv");
            using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                mlContext.Data.SaveAsBinary(data, stream, keepHidden: false);
            }

            var viewOptions = new RegisterDatasetOptions { Description = options.Description, ProducedBy = options.ProducedBy, Format = DatasetFormat.BinaryDataView, ComputeProfile = options.ComputeProfile };
            foreach (var tag in options.Tags)
            {
                viewOptions.Tags[tag.Key] = tag.Value;
            }

            // The SDK's own file: nobody else writes it, and it is deleted afterwards, so no hash cache.
            var files = new[] { new SourceFile(path, "data.idv") };
            return await RegisterLocalAsync(name, DatasetKind.DataView, path, files, viewOptions, cancellationToken, useHashCache: false, identity).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Records the schema, row count and profile of delimited text or an ML.NET binary file.</summary>
    private static void DescribeTable(DatasetVersionRecord record, HashedFile[] files, RegisterDatasetOptions options, CancellationToken cancellationToken)
    {
        var mlContext = new MLContext(seed: 0);
        var paths = files.Select(f => f.FullPath).ToList();
        IDataView data;
        if (record.Format == DatasetFormat.BinaryDataView)
        {
            if (files.Length != 1)
            {
                throw new ArgumentException($"Dataset '{record.Name}': the binary data-view format needs exactly one file; the folder holds {files.Length}.", nameof(options));
            }

            data = mlContext.Data.LoadFromBinary(paths[0]);
            record.Schema = data.Schema.Where(c => !c.IsHidden).Select(c => new DatasetColumnRecord { Name = c.Name, Type = DatasetProfiler.TypeName(c.Type) }).ToList();
        }
        else
        {
            var separator = options.Separator ?? (Path.GetExtension(files[0].RelativePath).Equals(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : ',');
            var text = new DelimitedTextRecord { Separator = separator.ToString(), HasHeader = options.HasHeader };
            record.Text = text;
            var header = DelimitedText.ReadHeader(paths[0], separator);
            foreach (var file in files.Skip(1))
            {
                if (options.HasHeader && !DelimitedText.ReadHeader(file.FullPath, separator).SequenceEqual(header))
                {
                    throw new DatasetSchemaMismatchException($"dataset '{record.Name}'", [$"'{file.RelativePath}' has the header '{string.Join(separator, DelimitedText.ReadHeader(file.FullPath, separator))}', '{files[0].RelativePath}' has '{string.Join(separator, header)}'"]);
                }
            }

            List<DatasetColumnRecord> columns;
            if (options.Columns is { } given)
            {
                var problems = new List<string>();
                if (given.Count != header.Count)
                {
                    problems.Add($"{given.Count} columns were given, the file has {header.Count}");
                }

                foreach (var column in given)
                {
                    if (!Enum.TryParse<DataKind>(column.Type, ignoreCase: false, out _))
                    {
                        problems.Add($"column '{column.Name}' has the type '{column.Type}', which is no ML.NET DataKind");
                    }
                }

                if (options.HasHeader)
                {
                    problems.AddRange(given.Zip(header).Where(p => p.First.Name != p.Second).Select(p => $"column '{p.First.Name}' is '{p.Second}' in the header"));
                }

                if (problems.Count > 0)
                {
                    throw new DatasetSchemaMismatchException($"dataset '{record.Name}'", problems);
                }

                columns = given.Select(c => new DatasetColumnRecord { Name = c.Name, Type = c.Type }).ToList();
            }
            else
            {
                var names = options.HasHeader ? header : header.Select((_, i) => $"Column{i + 1}").ToList();
                var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1 || g.Key.Length == 0);
                if (duplicate is not null)
                {
                    throw new DatasetSchemaMismatchException($"dataset '{record.Name}'", [duplicate.Key.Length == 0 ? "a column has an empty name in the header" : $"the header names '{duplicate.Key}' more than once"]);
                }

                columns = DelimitedText.InferTypes(mlContext, names, paths, text, cancellationToken);
            }

            record.Schema = columns;
            data = DelimitedText.CreateLoader(mlContext, columns.Select((c, i) => new TextLoader.Column(c.Name, Enum.Parse<DataKind>(c.Type), i)), text).Load(new MultiFileSource([.. paths]));
        }

        var (rows, profile) = DatasetProfiler.Run(data, options.ComputeProfile, cancellationToken);
        record.RowCount = rows;
        record.Profile = profile;
    }

    internal async Task<IDataView> LoadAsync(DatasetVersion version, MLContext mlContext, Type? rowType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var record = version.Record;
        if (record.Format is not (DatasetFormat.DelimitedText or DatasetFormat.BinaryDataView) || record.External is not null)
        {
            throw new InvalidOperationException($"{version.Uri} is {(record.External is null ? "opaque files" : "an external reference")}, not a table; use MaterializeAsync to get its files.");
        }

        var folder = await MaterializeAsync(record, null, cancellationToken).ConfigureAwait(false);
        var files = await GetFileRecordsAsync(record, cancellationToken).ConfigureAwait(false);
        var paths = files.Select(f => Path.Combine(folder, f.Path)).ToArray();
        var recorded = record.Schema ?? [];
        if (record.Format == DatasetFormat.BinaryDataView)
        {
            var data = mlContext.Data.LoadFromBinary(paths[0]);
            if (rowType is not null)
            {
                CheckRowType(version, rowType, recorded);
            }

            return data;
        }

        var columns = rowType is null
            ? recorded.Select((c, i) => new TextLoader.Column(c.Name, Enum.Parse<DataKind>(c.Type), i))
            : CheckRowType(version, rowType, recorded);
        return DelimitedText.CreateLoader(mlContext, columns, record.Text ?? new DelimitedTextRecord()).Load(new MultiFileSource(paths));
    }

    /// <summary>Matches a row type's columns to the recorded schema by name; every mismatch is reported at once.</summary>
    private static List<TextLoader.Column> CheckRowType(DatasetVersion version, Type rowType, List<DatasetColumnRecord> recorded)
    {
        var definition = SchemaDefinition.Create(rowType, SchemaDefinition.Direction.Write);
        var problems = new List<string>();
        var columns = new List<TextLoader.Column>();
        foreach (var member in definition)
        {
            var index = recorded.FindIndex(c => c.Name == member.ColumnName);
            var wanted = DatasetProfiler.TypeName(member.ColumnType);
            if (index < 0)
            {
                problems.Add($"column '{member.ColumnName}' ({wanted}) is missing; the data has {string.Join(", ", recorded.Select(c => $"{c.Name} ({c.Type})"))}");
                continue;
            }

            var actual = recorded[index].Type;
            var compatible = actual == wanted
                || (version.Format == DatasetFormat.DelimitedText && actual is "Single" or "Double" && wanted is "Single" or "Double")
                || (version.Format == DatasetFormat.DelimitedText && wanted == "String");
            if (!compatible || !Enum.TryParse<DataKind>(wanted, out var kind))
            {
                problems.Add($"column '{member.ColumnName}' is {actual} in the data but {wanted} in {rowType.Name}");
                continue;
            }

            columns.Add(new TextLoader.Column(member.ColumnName, kind, index));
        }

        return problems.Count == 0 ? columns : throw new DatasetSchemaMismatchException(version.Uri, problems);
    }
}
