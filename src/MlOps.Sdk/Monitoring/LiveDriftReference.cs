using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Sdk.Data;
using MlOps.Sdk.Models;

namespace MlOps.Sdk.Monitoring;

/// <summary>
/// What live data is compared with: the reference dataset (its profile, for inputs) and the model's outputs on a
/// deterministic sample of it (for prediction drift), scored once per <see cref="MonitoringCatalog.GetDriftAsync"/> call.
/// </summary>
internal sealed class LiveDriftReference
{
    /// <summary>At most this many reference rows are scored for prediction drift (an even stride over the dataset).</summary>
    public const int OutputSampleRows = 10_000;

    /// <summary>The output columns compared: numbers (Score, Probability) and the predicted label (categories).</summary>
    public static readonly IReadOnlyList<string> OutputColumns = ["Score", "Probability", "PredictedLabel"];

    public LiveDriftReference(string uri, DatasetProfile? profile)
    {
        Uri = uri;
        Profile = profile;
    }

    public string Uri { get; }

    public DatasetProfile? Profile { get; }

    /// <summary>Gets the model's numeric outputs on the reference sample, by output column.</summary>
    public Dictionary<string, List<double>> NumericOutputs { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the model's categorical outputs on the reference sample: column → category → count.</summary>
    public Dictionary<string, Dictionary<string, long>> CategoricalOutputs { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Scores up to <see cref="OutputSampleRows"/> rows of the reference with the model and keeps its outputs; what cannot
    /// be scored or kept is said in <paramref name="notCompared"/> under <c>output:{column}</c> (<c>output:*</c> for all).
    /// </summary>
    public async Task<int> ScoreOutputsAsync(MlOpsClient client, DatasetVersion dataset, ModelVersion version, IDictionary<string, string> notCompared, CancellationToken cancellationToken)
    {
        var ml = new MLContext(seed: 0);
        IDataView data;
        LoadedModel loaded;
        DataViewSchema schema;
        IDataView scored;
        try
        {
            data = await dataset.LoadAsync(ml, cancellationToken).ConfigureAwait(false);
            loaded = await client.Models.LoadAsync(version.Ref, ml, cancellationToken).ConfigureAwait(false);
            scored = loaded.Model.Transform(data);
            schema = scored.Schema;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or NotSupportedException or FormatException)
        {
            // A reference that is not a table, or whose columns do not fit the model (ArgumentOutOfRangeException, schema mismatch).
            notCompared["output:*"] = Text($"the model {version.Uri} cannot score the reference {dataset.Uri}: {ex.Message}");
            return 0;
        }

        var readers = new List<(string Name, Func<DataViewRowCursor, Action> Reader)>();
        var active = new List<DataViewSchema.Column>();
        foreach (var name in OutputColumns)
        {
            if (schema.GetColumnOrNull(name) is not { IsHidden: false } column)
            {
                continue;
            }

            if (Reader(column, name) is { } reader)
            {
                readers.Add((name, reader));
                active.Add(column);
            }
            else
            {
                notCompared["output:" + name] = Text($"the model's {name} is {column.Type}, not a single number, Boolean or text");
            }
        }

        if (readers.Count == 0)
        {
            notCompared.TryAdd("output:*", Text($"the model {version.Uri} has none of the outputs {string.Join(", ", OutputColumns)} as a single value"));
            return 0;
        }

        var rows = dataset.RowCount ?? data.GetRowCount() ?? OutputSampleRows;
        var stride = Math.Max(1, (rows + OutputSampleRows - 1) / OutputSampleRows);
        try
        {
            return Sample(scored, active, readers.Select(r => r.Reader).ToList(), stride, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
        {
            // ML.NET may find a mismatch only when rows flow (a lazily checked column).
            NumericOutputs.Clear();
            CategoricalOutputs.Clear();
            notCompared["output:*"] = Text($"the model {version.Uri} cannot score the reference {dataset.Uri}: {ex.Message}");
            return 0;
        }
    }

    /// <summary>Reads the outputs of every <paramref name="stride"/>-th row, at most <see cref="OutputSampleRows"/> rows.</summary>
    private static int Sample(IDataView scored, List<DataViewSchema.Column> active, List<Func<DataViewRowCursor, Action>> readers, long stride, CancellationToken cancellationToken)
    {
        var kept = 0;
        using var cursor = scored.GetRowCursor(active);
        var actions = readers.Select(r => r(cursor)).ToList();
        while (kept < OutputSampleRows && cursor.MoveNext())
        {
            if (cursor.Position % stride != 0)
            {
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            foreach (var action in actions)
            {
                action();
            }

            kept++;
        }

        return kept;
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private Func<DataViewRowCursor, Action>? Reader(DataViewSchema.Column column, string name)
    {
        Func<DataViewRowCursor, Action> Numbers<T>(Func<T, double> convert)
        {
            var values = NumericOutputs[name] = [];
            return cursor =>
            {
                var getter = cursor.GetGetter<T>(column);
                T value = default!;
                return () =>
                {
                    getter(ref value);
                    values.Add(convert(value));
                };
            };
        }

        Func<DataViewRowCursor, Action> Categories<T>(Func<T, string> convert)
        {
            var counts = CategoricalOutputs[name] = new Dictionary<string, long>(StringComparer.Ordinal);
            return cursor =>
            {
                var getter = cursor.GetGetter<T>(column);
                T value = default!;
                return () =>
                {
                    getter(ref value);
                    var category = convert(value);
                    counts[category] = counts.GetValueOrDefault(category) + 1;
                };
            };
        }

        return column.Type switch
        {
            NumberDataViewType n when n.RawType == typeof(float) => Numbers<float>(f => f),
            NumberDataViewType n when n.RawType == typeof(double) => Numbers<double>(d => d),
            BooleanDataViewType => Categories<bool>(b => b ? "true" : "false"),
            TextDataViewType => Categories<ReadOnlyMemory<char>>(t => t.ToString()),
            _ => null,
        };
    }
}
