using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlOps.Sdk.Data;

/// <summary>
/// Computes a statistics profile of an <see cref="IDataView"/> in one pass: numeric columns (count, missing, mean,
/// standard deviation, min, max, exact quantiles, a histogram) and text or Boolean columns (top values, cardinality).
/// </summary>
/// <remarks>
/// NaN and ±infinity count as missing. Quantiles are exact up to <see cref="ExactLimit"/> values per numeric column
/// (kept, 8 bytes each, and sorted), from a reservoir sample past it. Text columns count up to <see cref="CardinalityLimit"/> distinct values; values first seen after that are
/// not counted, so the cardinality is then a lower bound (flagged) and the top values cover the counted ones.
/// </remarks>
internal static class DatasetProfiler
{
    public const int Bins = 20;
    public const int TopValues = 20;
    public const int CardinalityLimit = 100_000;
    public static readonly double[] Quantiles = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

    /// <summary>
    /// How many values of a numeric column are kept for quantiles and the histogram (40 MB); past it, a uniform
    /// reservoir sample of this many (seeded: the same data gives the same profile), and the profile says so. Count,
    /// missing, mean, standard deviation, min and max stay exact.
    /// </summary>
    internal static int ExactLimit { get; set; } = 5_000_000;

    public static (long Rows, DatasetProfileRecord? Profile) Run(IDataView data, bool profile, CancellationToken cancellationToken)
    {
        var columns = profile ? data.Schema.Where(c => !c.IsHidden && IsProfiled(c.Type)).ToList() : [];
        var numeric = columns.Select(c => c.Type is NumberDataViewType ? new NumericAccumulator(ExactLimit) : null).ToList();
        var missing = new long[columns.Count];
        var counts = columns.Select(c => c.Type is NumberDataViewType ? null : new Dictionary<string, long>(StringComparer.Ordinal)).ToList();
        var capped = new bool[columns.Count];
        long rows = 0;
        using (var cursor = data.GetRowCursor(columns))
        {
            var readers = columns.Select(c => Reader(cursor, c)).ToList();
            while (cursor.MoveNext())
            {
                if ((rows & 0xFFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                rows++;
                for (var i = 0; i < readers.Count; i++)
                {
                    var (isNumber, number, text) = readers[i]();
                    if (isNumber)
                    {
                        if (!double.IsFinite(number))
                        {
                            missing[i]++;
                        }
                        else
                        {
                            numeric[i]!.Add(number);
                        }
                    }
                    else if (string.IsNullOrEmpty(text))
                    {
                        missing[i]++;
                    }
                    else
                    {
                        var map = counts[i]!;
                        if (map.TryGetValue(text, out var n))
                        {
                            map[text] = n + 1;
                        }
                        else if (map.Count < CardinalityLimit)
                        {
                            map[text] = 1;
                        }
                        else
                        {
                            capped[i] = true;
                        }
                    }
                }
            }
        }

        if (!profile)
        {
            return (rows, null);
        }

        var result = new DatasetProfileRecord { RowCount = rows };
        for (var i = 0; i < columns.Count; i++)
        {
            var column = new ColumnProfileRecord { Name = columns[i].Name, Type = TypeName(columns[i].Type), Missing = missing[i] };
            if (numeric[i] is { } values)
            {
                column.Count = values.Count;
                column.Numeric = values.ToRecord();
            }
            else
            {
                var map = counts[i]!;
                column.Count = rows - missing[i];
                column.Categorical = new CategoricalProfileRecord
                {
                    Cardinality = map.Count,
                    CardinalityCapped = capped[i],
                    Top = map.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(TopValues).Select(p => new ValueCountRecord { Value = p.Key, Count = p.Value }).ToList(),
                };
            }

            result.Columns.Add(column);
        }

        return (rows, result);
    }

    /// <summary>The name recorded for an ML.NET type: the <see cref="DataKind"/> name for scalars, else the type's own text.</summary>
    public static string TypeName(DataViewType type) => type switch
    {
        _ when type.RawType == typeof(float) && type is NumberDataViewType => nameof(DataKind.Single),
        _ when type.RawType == typeof(double) => nameof(DataKind.Double),
        _ when type.RawType == typeof(int) => nameof(DataKind.Int32),
        _ when type.RawType == typeof(long) => nameof(DataKind.Int64),
        _ when type.RawType == typeof(short) => nameof(DataKind.Int16),
        _ when type.RawType == typeof(sbyte) => nameof(DataKind.SByte),
        _ when type.RawType == typeof(byte) => nameof(DataKind.Byte),
        _ when type.RawType == typeof(ushort) => nameof(DataKind.UInt16),
        _ when type.RawType == typeof(uint) => nameof(DataKind.UInt32),
        _ when type.RawType == typeof(ulong) && type is NumberDataViewType => nameof(DataKind.UInt64),
        BooleanDataViewType => nameof(DataKind.Boolean),
        TextDataViewType => nameof(DataKind.String),
        DateTimeDataViewType => nameof(DataKind.DateTime),
        DateTimeOffsetDataViewType => nameof(DataKind.DateTimeOffset),
        TimeSpanDataViewType => nameof(DataKind.TimeSpan),
        _ => type.ToString() ?? type.RawType.Name,
    };

    private static bool IsProfiled(DataViewType type) => type is NumberDataViewType or TextDataViewType or BooleanDataViewType;

    /// <summary>Exact moments and extremes as values pass (Welford), and the values themselves up to a limit, then a reservoir sample.</summary>
    private sealed class NumericAccumulator(int limit)
    {
        private readonly List<double> _kept = [];
        private readonly Random _random = new(0);
        private double _mean;
        private double _m2;
        private double _min = double.PositiveInfinity;
        private double _max = double.NegativeInfinity;

        public long Count { get; private set; }

        public void Add(double value)
        {
            Count++;
            var delta = value - _mean;
            _mean += delta / Count;
            _m2 += delta * (value - _mean);
            _min = Math.Min(_min, value);
            _max = Math.Max(_max, value);
            if (_kept.Count < limit)
            {
                _kept.Add(value);
            }
            else
            {
                // Algorithm R: every value seen so far is in the sample with the same probability.
                var slot = _random.NextInt64(Count);
                if (slot < limit)
                {
                    _kept[(int)slot] = value;
                }
            }
        }

        public NumericProfileRecord ToRecord()
        {
            var record = new NumericProfileRecord();
            if (Count == 0)
            {
                record.Mean = record.StandardDeviation = record.Min = record.Max = double.NaN;
                return record;
            }

            _kept.Sort();
            record.Mean = _mean;
            record.StandardDeviation = Count > 1 ? Math.Sqrt(_m2 / (Count - 1)) : 0;
            record.Min = _min;
            record.Max = _max;
            record.Sampled = Count > _kept.Count ? _kept.Count : null;
            foreach (var p in Quantiles)
            {
                record.Quantiles[p.ToString(CultureInfo.InvariantCulture)] = Quantile(_kept, p);
            }

            var width = (record.Max - record.Min) / Bins;
            for (var b = 0; b <= Bins; b++)
            {
                record.BinEdges.Add(b == Bins ? record.Max : record.Min + (b * width));
            }

            var binCounts = new long[Bins];
            foreach (var v in _kept)
            {
                var bin = width > 0 ? (int)((v - record.Min) / width) : 0;
                binCounts[Math.Clamp(bin, 0, Bins - 1)]++;
            }

            // From a sample, counts are scaled to the whole column.
            var scale = (double)Count / _kept.Count;
            record.BinCounts.AddRange(binCounts.Select(c => (long)Math.Round(c * scale)));
            return record;
        }
    }

    /// <summary>Linear interpolation between the closest ranks of sorted values (NumPy's default, R's type 7).</summary>
    public static double Quantile(List<double> sorted, double p)
    {
        var position = p * (sorted.Count - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Count - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }

    private static Func<(bool IsNumber, double Number, string? Text)> Reader(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var raw = column.Type.RawType;
        if (raw == typeof(float))
        {
            var get = cursor.GetGetter<float>(column);
            float v = 0;
            return () => { get(ref v); return (true, v, null); };
        }

        if (raw == typeof(double))
        {
            var get = cursor.GetGetter<double>(column);
            double v = 0;
            return () => { get(ref v); return (true, v, null); };
        }

        if (raw == typeof(int))
        {
            var get = cursor.GetGetter<int>(column);
            int v = 0;
            return () => { get(ref v); return (true, v, null); };
        }

        if (raw == typeof(long))
        {
            var get = cursor.GetGetter<long>(column);
            long v = 0;
            return () => { get(ref v); return (true, v, null); };
        }

        if (raw == typeof(bool))
        {
            var get = cursor.GetGetter<bool>(column);
            bool v = false;
            return () => { get(ref v); return (false, 0, v ? "true" : "false"); };
        }

        if (column.Type is TextDataViewType)
        {
            var get = cursor.GetGetter<ReadOnlyMemory<char>>(column);
            ReadOnlyMemory<char> v = default;
            return () => { get(ref v); return (false, 0, v.ToString()); };
        }

        // Other integer widths: read through a conversion to double.
        var getter = typeof(DatasetProfiler).GetMethod(nameof(Widening), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(raw).Invoke(null, [cursor, column])!;
        return (Func<(bool, double, string?)>)getter;
    }

    private static Func<(bool, double, string?)> Widening<T>(DataViewRowCursor cursor, DataViewSchema.Column column)
        where T : struct, IConvertible
    {
        var get = cursor.GetGetter<T>(column);
        T v = default;
        return () => { get(ref v); return (true, v.ToDouble(CultureInfo.InvariantCulture), null); };
    }
}
