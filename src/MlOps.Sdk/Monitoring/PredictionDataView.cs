using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlOps.Sdk.Monitoring;

/// <summary>Logged predictions as an ML.NET <see cref="IDataView"/>, for a notebook or a pipeline.</summary>
public static class LoggedPredictionDataView
{
    private static readonly string[] Fixed = ["Id", "Timestamp", "Version", "Arm", "RoutingKey", "LatencyMs", "Actual", "ActualNumber", "Error"];

    /// <summary>
    /// Makes a data view of logged predictions, one row each, in their order. Columns: <c>Id</c> (text, 32 hex digits),
    /// <c>Timestamp</c> (<see cref="DateTimeOffset"/>, UTC), <c>Version</c> (Int32), <c>Arm</c> and <c>RoutingKey</c>
    /// (text, empty when none), <c>LatencyMs</c> (Double); then each input field, then each output field, as its own
    /// column; then <c>Actual</c> (the ground truth as text: JSON's text of it, empty when none), <c>ActualNumber</c>
    /// (Double; Booleans as 1 and 0; NaN when none or not a number) and <c>Error</c> (Double,
    /// <see cref="LoggedPrediction.Error"/>; NaN when none). A field's column is Single when every value is a number (a
    /// missing value is NaN), Boolean when every row has a Boolean (Single 1, 0 or NaN when some rows lack it), else text
    /// (numbers and Booleans as JSON writes them, arrays and objects as their JSON, missing as empty). A field keeps its
    /// name unless another column has it: an input field is then called <c>input.{name}</c> and an output field
    /// <c>output.{name}</c> (an output field that an input field also has, as many ML.NET output classes carry their
    /// inputs, is <c>output.{name}</c>).
    /// </summary>
    /// <param name="predictions">The predictions, for example from <see cref="MonitoringCatalog.ReadPredictionsAsync"/>.</param>
    /// <returns>The data view; it holds the values in memory and can be read many times.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="predictions"/> is <see langword="null"/>.</exception>
    public static IDataView ToDataView(this IEnumerable<LoggedPrediction> predictions)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        var rows = predictions.ToList();
        var columns = new List<(string Name, DataViewType Type, Array Values)>
        {
            ("Id", TextDataViewType.Instance, rows.Select(r => r.Id.ToString("N").AsMemory()).ToArray()),
            ("Timestamp", DateTimeOffsetDataViewType.Instance, rows.Select(r => r.Timestamp).ToArray()),
            ("Version", NumberDataViewType.Int32, rows.Select(r => r.Version).ToArray()),
            ("Arm", TextDataViewType.Instance, rows.Select(r => r.Arm.AsMemory()).ToArray()),
            ("RoutingKey", TextDataViewType.Instance, rows.Select(r => (r.RoutingKey ?? string.Empty).AsMemory()).ToArray()),
            ("LatencyMs", NumberDataViewType.Double, rows.Select(r => r.LatencyMs).ToArray()),
        };
        var inputs = FieldNames(rows, r => r.Input);
        var outputs = FieldNames(rows, r => r.Output);
        var taken = new HashSet<string>(Fixed, StringComparer.Ordinal);
        foreach (var name in inputs)
        {
            columns.Add(FieldColumn(taken.Contains(name) ? "input." + name : name, rows, r => r.Input, name));
        }

        taken.UnionWith(inputs);
        foreach (var name in outputs)
        {
            columns.Add(FieldColumn(taken.Contains(name) ? "output." + name : name, rows, r => r.Output, name));
        }

        columns.Add(("Actual", TextDataViewType.Instance, rows.Select(r => (r.Actual is { } a ? LoggedPrediction.JsonText(a) ?? string.Empty : string.Empty).AsMemory()).ToArray()));
        columns.Add(("ActualNumber", NumberDataViewType.Double, rows.Select(r => r.ActualNumber() ?? double.NaN).ToArray()));
        columns.Add(("Error", NumberDataViewType.Double, rows.Select(r => r.Error ?? double.NaN).ToArray()));
        return new ColumnarDataView(columns, rows.Count);
    }

    private static List<string> FieldNames(List<LoggedPrediction> rows, Func<LoggedPrediction, JsonElement> of)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (of(row) is { ValueKind: JsonValueKind.Object } obj)
            {
                names.AddRange(obj.EnumerateObject().Select(p => p.Name).Where(seen.Add));
            }
        }

        return names;
    }

    private static (string, DataViewType, Array) FieldColumn(string column, List<LoggedPrediction> rows, Func<LoggedPrediction, JsonElement> of, string field)
    {
        var values = rows.Select(r => LoggedPrediction.Field(of(r), field)).ToArray();
        var present = values.Where(v => v is not null).Select(v => v!.Value).ToList();
        if (present.Count > 0 && present.All(IsNumber))
        {
            return (column, NumberDataViewType.Single, values.Select(v => v is { } e ? (float)Number(e) : float.NaN).ToArray());
        }

        if (present.Count > 0 && present.All(v => v.ValueKind is JsonValueKind.True or JsonValueKind.False))
        {
            return present.Count == rows.Count
                ? (column, BooleanDataViewType.Instance, values.Select(v => v!.Value.ValueKind == JsonValueKind.True).ToArray())
                : (column, NumberDataViewType.Single, values.Select(v => v is { } e ? (e.ValueKind == JsonValueKind.True ? 1f : 0f) : float.NaN).ToArray());
        }

        return (column, TextDataViewType.Instance, values.Select(v => (v is { } e ? LoggedPrediction.JsonText(e) ?? string.Empty : string.Empty).AsMemory()).ToArray());
    }

    // NaN and the infinities are written as strings ("NaN", "Infinity", "-Infinity"): still a number column.
    private static bool IsNumber(JsonElement value)
        => value.ValueKind == JsonValueKind.Number || (value.ValueKind == JsonValueKind.String && value.GetString() is "NaN" or "Infinity" or "-Infinity");

    private static double Number(JsonElement value)
        => value.ValueKind == JsonValueKind.Number ? value.GetDouble() : double.Parse(value.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>An in-memory data view over column arrays (ML.NET has no public builder for a schema known only at run time).</summary>
    private sealed class ColumnarDataView : IDataView
    {
        private readonly Array[] _values;
        private readonly int _rows;

        public ColumnarDataView(List<(string Name, DataViewType Type, Array Values)> columns, int rows)
        {
            var builder = new DataViewSchema.Builder();
            foreach (var (name, type, _) in columns)
            {
                builder.AddColumn(name, type);
            }

            Schema = builder.ToSchema();
            _values = columns.Select(c => c.Values).ToArray();
            _rows = rows;
        }

        public bool CanShuffle => false;

        public DataViewSchema Schema { get; }

        public long? GetRowCount() => _rows;

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this, columnsNeeded);

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

        private sealed class Cursor(ColumnarDataView view, IEnumerable<DataViewSchema.Column> columnsNeeded) : DataViewRowCursor
        {
            private readonly HashSet<int> _active = columnsNeeded.Select(c => c.Index).ToHashSet();
            private long _position = -1;
            private bool _done;

            public override DataViewSchema Schema => view.Schema;

            public override long Position => _position;

            public override long Batch => 0;

            public override bool MoveNext()
            {
                if (_done || _position + 1 >= view._rows)
                {
                    _done = true;
                    return false;
                }

                _position++;
                return true;
            }

            public override ValueGetter<DataViewRowId> GetIdGetter()
                => (ref DataViewRowId value) => value = new DataViewRowId((ulong)_position, 0);

            public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                if (!IsColumnActive(column))
                {
                    throw new InvalidOperationException($"The column '{column.Name}' was not asked for when the cursor was made.");
                }

                if (view._values[column.Index] is not TValue[] values)
                {
                    throw new InvalidOperationException($"The column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
                }

                return (ref TValue value) => value = values[_position];
            }
        }
    }
}
