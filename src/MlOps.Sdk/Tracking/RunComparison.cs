using System.Globalization;
using System.Text;

namespace MlOps.Sdk.Tracking;

/// <summary>Runs side by side: a table with a row per parameter and metric, and a column per run.</summary>
/// <remarks>The shape the command-line tool and reports print; <see cref="ToString"/> prints it as text.</remarks>
public sealed class RunComparison
{
    internal RunComparison(IReadOnlyList<RunInfo> runs)
    {
        Runs = runs;
        Parameters = runs.SelectMany(r => r.Parameters.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(name => new RunComparisonRow(name, RunComparisonRowKind.Parameter, runs.Select(r => r.Parameters.GetValueOrDefault(name)).ToList(), null))
            .ToList();
        Metrics = runs.SelectMany(r => r.Metrics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(name =>
            {
                var values = runs.Select(r => r.Metrics.TryGetValue(name, out var m) ? m.Last : (double?)null).ToList();
                var baseline = values[0];
                var deltas = values.Select(v => v - baseline).ToList();
                return new RunComparisonRow(name, RunComparisonRowKind.Metric, values.Select(v => v?.ToString("R", CultureInfo.InvariantCulture)).ToList(), deltas);
            })
            .ToList();
    }

    /// <summary>Gets the runs, in the order given; the first is the baseline of the deltas.</summary>
    public IReadOnlyList<RunInfo> Runs { get; }

    /// <summary>Gets a row per parameter any run has.</summary>
    public IReadOnlyList<RunComparisonRow> Parameters { get; }

    /// <summary>Gets a row per metric any run has (its latest value).</summary>
    public IReadOnlyList<RunComparisonRow> Metrics { get; }

    /// <summary>Prints the table: a column per run, rows marked <c>*</c> where the runs differ.</summary>
    /// <returns>The table as text.</returns>
    public override string ToString()
    {
        var rows = new List<string[]> { new[] { string.Empty }.Concat(Runs.Select(r => r.Name ?? r.Id[..8])).ToArray() };
        rows.AddRange(Parameters.Select(p => new[] { (p.Differs ? "* " : "  ") + "params." + p.Name }.Concat(p.Values.Select(v => v ?? "-")).ToArray()));
        rows.AddRange(Metrics.Select(m => new[] { (m.Differs ? "* " : "  ") + "metrics." + m.Name }
            .Concat(m.Values.Select((v, i) => v is null ? "-" : i == 0 || m.Deltas![i] is null ? v : string.Create(CultureInfo.InvariantCulture, $"{v} ({m.Deltas[i]:+0.####;-0.####;0})"))).ToArray()));
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendJoin("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).AppendLine();
        }

        return text.ToString();
    }
}

/// <summary>What a row of a <see cref="RunComparison"/> shows.</summary>
public enum RunComparisonRowKind
{
    /// <summary>A parameter.</summary>
    Parameter = 0,

    /// <summary>A metric's latest value.</summary>
    Metric = 1,
}

/// <summary>One parameter or metric across the compared runs.</summary>
/// <param name="Name">The parameter's or metric's name.</param>
/// <param name="Kind">Whether it is a parameter or a metric.</param>
/// <param name="Values">Each run's value (metrics in round-trip form), <see langword="null"/> where a run lacks it.</param>
/// <param name="Deltas">For metrics, each run's value minus the first run's; <see langword="null"/> for parameters.</param>
public sealed record RunComparisonRow(string Name, RunComparisonRowKind Kind, IReadOnlyList<string?> Values, IReadOnlyList<double?>? Deltas)
{
    /// <summary>Gets a value indicating whether the runs do not all have the same value.</summary>
    public bool Differs => Values.Distinct(StringComparer.Ordinal).Skip(1).Any();
}
