using System.Globalization;

namespace MlOps.Sdk.Data;

/// <summary>
/// The statistics of a tabular dataset version, per column: the reference that monitoring compares live data against.
/// </summary>
public sealed class DatasetProfile
{
    internal DatasetProfile(DatasetProfileRecord record)
    {
        RowCount = record.RowCount;
        Columns = record.Columns.Select(c => new ColumnProfile(c)).ToList();
    }

    /// <summary>Gets the number of rows.</summary>
    public long RowCount { get; }

    /// <summary>Gets the columns' statistics, in column order.</summary>
    public IReadOnlyList<ColumnProfile> Columns { get; }

    /// <summary>Gets the statistics of a column by name.</summary>
    /// <param name="name">The column.</param>
    /// <returns>The statistics.</returns>
    /// <exception cref="KeyNotFoundException">No column has that name.</exception>
    public ColumnProfile this[string name] => Columns.FirstOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"The profile has no column '{name}'; it has {string.Join(", ", Columns.Select(c => c.Name))}.");
}

/// <summary>The statistics of one column.</summary>
public sealed class ColumnProfile
{
    internal ColumnProfile(ColumnProfileRecord record)
    {
        Name = record.Name;
        Type = record.Type;
        Count = record.Count;
        Missing = record.Missing;
        if (record.Numeric is { } n)
        {
            Numeric = new NumericColumnProfile(
                n.Mean,
                n.StandardDeviation,
                n.Min,
                n.Max,
                n.Quantiles.ToDictionary(q => double.Parse(q.Key, CultureInfo.InvariantCulture), q => q.Value),
                n.BinEdges,
                n.BinCounts,
                n.Sampled);
        }

        if (record.Categorical is { } c)
        {
            Categorical = new CategoricalColumnProfile(c.Cardinality, c.CardinalityCapped, c.Top.Select(t => new KeyValuePair<string, long>(t.Value, t.Count)).ToList());
        }
    }

    /// <summary>Gets the column's name.</summary>
    public string Name { get; }

    /// <summary>Gets the ML.NET type it loads as.</summary>
    public string Type { get; }

    /// <summary>Gets the number of values present (not missing).</summary>
    public long Count { get; }

    /// <summary>Gets the number of missing values: NaN for numbers, empty text for text.</summary>
    public long Missing { get; }

    /// <summary>Gets the statistics of a numeric column, or <see langword="null"/>.</summary>
    public NumericColumnProfile? Numeric { get; }

    /// <summary>Gets the statistics of a text or Boolean column, or <see langword="null"/>.</summary>
    public CategoricalColumnProfile? Categorical { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Type}): {Count} values, {Missing} missing";
}

/// <summary>The statistics of a numeric column, over the values present.</summary>
/// <param name="Mean">The mean.</param>
/// <param name="StandardDeviation">The sample standard deviation (n - 1); 0 for one value.</param>
/// <param name="Min">The smallest value.</param>
/// <param name="Max">The largest value.</param>
/// <param name="Quantiles">Probability → value, exact, interpolated linearly between the closest ranks (NumPy's default).</param>
/// <param name="BinEdges">The edges of equal-width bins from <paramref name="Min"/> to <paramref name="Max"/>; one more than the counts.</param>
/// <param name="BinCounts">How many values fall in each bin; the last bin includes its upper edge.</param>
/// <param name="SampleSize">
/// <see langword="null"/> when quantiles and bins are exact; otherwise the size of the uniform sample they come from (a
/// column with more values than the profiler keeps; bin counts are then scaled to the whole column).
/// </param>
public sealed record NumericColumnProfile(double Mean, double StandardDeviation, double Min, double Max, IReadOnlyDictionary<double, double> Quantiles, IReadOnlyList<double> BinEdges, IReadOnlyList<long> BinCounts, int? SampleSize = null);

/// <summary>The statistics of a text or Boolean column.</summary>
/// <param name="Cardinality">The number of distinct values present.</param>
/// <param name="CardinalityCapped">Whether counting stopped at the profiler's limit (then <paramref name="Cardinality"/> is a lower bound).</param>
/// <param name="Top">The most frequent values with their counts, most frequent first.</param>
public sealed record CategoricalColumnProfile(long Cardinality, bool CardinalityCapped, IReadOnlyList<KeyValuePair<string, long>> Top);
