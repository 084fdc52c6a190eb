namespace MlOps.Sdk.Data;

/// <summary>What changed from one dataset version to another: schema, rows, files and per-column statistics.</summary>
public sealed class DatasetDiff
{
    internal DatasetDiff(DatasetVersion from, DatasetVersion to, IReadOnlyList<DatasetFile> fromFiles, IReadOnlyList<DatasetFile> toFiles)
    {
        From = from;
        To = to;
        var before = fromFiles.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var after = toFiles.ToDictionary(f => f.Path, StringComparer.Ordinal);
        FilesAdded = toFiles.Where(f => !before.ContainsKey(f.Path)).ToList();
        FilesRemoved = fromFiles.Where(f => !after.ContainsKey(f.Path)).ToList();
        FilesChanged = toFiles.Where(f => before.TryGetValue(f.Path, out var old) && old.Sha256 != f.Sha256).ToList();

        var oldColumns = from.Schema.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var newColumns = to.Schema.ToDictionary(c => c.Name, StringComparer.Ordinal);
        SchemaChanges = [
            .. from.Schema.Where(c => !newColumns.ContainsKey(c.Name)).Select(c => new DatasetSchemaChange(c.Name, c.Type, null)),
            .. to.Schema.Where(c => !oldColumns.ContainsKey(c.Name)).Select(c => new DatasetSchemaChange(c.Name, null, c.Type)),
            .. to.Schema.Where(c => oldColumns.TryGetValue(c.Name, out var old) && old.Type != c.Type).Select(c => new DatasetSchemaChange(c.Name, oldColumns[c.Name].Type, c.Type)),
        ];

        var shifts = new List<ColumnShift>();
        if (from.Profile is { } p1 && to.Profile is { } p2)
        {
            foreach (var column in p2.Columns)
            {
                var old = p1.Columns.FirstOrDefault(c => c.Name == column.Name);
                if (old is not null)
                {
                    shifts.Add(new ColumnShift(old, column, p1.RowCount, p2.RowCount));
                }
            }
        }

        ColumnShifts = shifts;
    }

    /// <summary>Gets the version compared from.</summary>
    public DatasetVersion From { get; }

    /// <summary>Gets the version compared to.</summary>
    public DatasetVersion To { get; }

    /// <summary>Gets a value indicating whether the two versions hold the same content.</summary>
    public bool IsSameContent => From.Identity == To.Identity;

    /// <summary>Gets the change in the number of rows, when both are tabular.</summary>
    public long? RowCountChange => From.RowCount is { } a && To.RowCount is { } b ? b - a : null;

    /// <summary>Gets the columns added, removed or retyped.</summary>
    public IReadOnlyList<DatasetSchemaChange> SchemaChanges { get; }

    /// <summary>Gets the files only in <see cref="To"/>.</summary>
    public IReadOnlyList<DatasetFile> FilesAdded { get; }

    /// <summary>Gets the files only in <see cref="From"/>.</summary>
    public IReadOnlyList<DatasetFile> FilesRemoved { get; }

    /// <summary>Gets the files in both whose content differs (as they are in <see cref="To"/>).</summary>
    public IReadOnlyList<DatasetFile> FilesChanged { get; }

    /// <summary>Gets how the statistics of each column in both profiles moved.</summary>
    public IReadOnlyList<ColumnShift> ColumnShifts { get; }

    /// <inheritdoc />
    public override string ToString()
        => $"{From.Uri} -> {To.Uri}: {FilesAdded.Count} files added, {FilesRemoved.Count} removed, {FilesChanged.Count} changed; {SchemaChanges.Count} schema changes; rows {RowCountChange:+#;-#;0}";
}

/// <summary>A column added (<see cref="FromType"/> null), removed (<see cref="ToType"/> null) or retyped.</summary>
/// <param name="Column">The column.</param>
/// <param name="FromType">Its type before, or <see langword="null"/> when added.</param>
/// <param name="ToType">Its type after, or <see langword="null"/> when removed.</param>
public sealed record DatasetSchemaChange(string Column, string? FromType, string? ToType);

/// <summary>How one column's statistics moved between two versions.</summary>
public sealed class ColumnShift
{
    internal ColumnShift(ColumnProfile from, ColumnProfile to, long fromRows, long toRows)
    {
        Column = to.Name;
        From = from;
        To = to;
        MissingRateChange = Rate(to.Missing, toRows) - Rate(from.Missing, fromRows);
        if (from.Numeric is { } a && to.Numeric is { } b)
        {
            MeanChange = b.Mean - a.Mean;
            StandardizedMeanChange = a.StandardDeviation > 0 ? (b.Mean - a.Mean) / a.StandardDeviation : null;
        }

        if (from.Categorical is { } x && to.Categorical is { } y)
        {
            TopValuesDistance = TotalVariation(x, from.Count, y, to.Count);
        }
    }

    /// <summary>Gets the column.</summary>
    public string Column { get; }

    /// <summary>Gets its statistics before.</summary>
    public ColumnProfile From { get; }

    /// <summary>Gets its statistics after.</summary>
    public ColumnProfile To { get; }

    /// <summary>Gets the change in the share of missing values (after minus before, from -1 to 1).</summary>
    public double MissingRateChange { get; }

    /// <summary>Gets the change of the mean of a numeric column.</summary>
    public double? MeanChange { get; }

    /// <summary>Gets the change of the mean in units of the earlier standard deviation (an effect size), when that is not 0.</summary>
    public double? StandardizedMeanChange { get; }

    /// <summary>
    /// Gets the total variation distance (0 to 1) between the value frequencies of a text column, over the values in
    /// both versions' top lists, everything else counted as one "other" value (a lower bound of the distance between
    /// the full distributions, which the profiles do not keep).
    /// </summary>
    public double? TopValuesDistance { get; }

    private static double Rate(long part, long whole) => whole == 0 ? 0 : (double)part / whole;

    private static double TotalVariation(CategoricalColumnProfile a, long aCount, CategoricalColumnProfile b, long bCount)
    {
        var pa = a.Top.ToDictionary(t => t.Key, t => Rate(t.Value, aCount), StringComparer.Ordinal);
        var pb = b.Top.ToDictionary(t => t.Key, t => Rate(t.Value, bCount), StringComparer.Ordinal);
        var keys = pa.Keys.Intersect(pb.Keys, StringComparer.Ordinal).ToList();
        var distance = keys.Sum(k => Math.Abs(pa.GetValueOrDefault(k) - pb.GetValueOrDefault(k)));
        var otherA = 1 - keys.Sum(k => pa.GetValueOrDefault(k));
        var otherB = 1 - keys.Sum(k => pb.GetValueOrDefault(k));
        return (distance + Math.Abs(otherA - otherB)) / 2;
    }
}
