using System.Globalization;
using MlOps.Sdk.Data;

namespace MlOps.Sdk.Monitoring;

/// <summary>One model version's live performance in a champion-versus-challenger comparison.</summary>
/// <param name="Version">The model version.</param>
/// <param name="Totals">Its performance over the whole range, one per arm it served on.</param>
/// <param name="Windows">Its performance per arm and window, in time order.</param>
public sealed record VersionPerformance(int Version, IReadOnlyList<PerformanceWindow> Totals, IReadOnlyList<PerformanceWindow> Windows);

/// <summary>Two model versions side by side.</summary>
/// <param name="Champion">The version serving most of the traffic (or the one asked for).</param>
/// <param name="Challenger">The version it is compared with.</param>
public sealed record ChampionChallenger(VersionPerformance Champion, VersionPerformance Challenger);

/// <summary>The drift thresholds a report draws on its drift chart (from <see cref="DriftOptions"/>).</summary>
/// <param name="PopulationStabilityIndex">PSI from which a shift is material.</param>
/// <param name="JensenShannonDistance">Jensen–Shannon distance (base 2) from which a shift is material.</param>
/// <param name="KolmogorovSmirnovStatistic">Kolmogorov–Smirnov D from which a shift is material.</param>
public sealed record DriftThresholds(double PopulationStabilityIndex, double JensenShannonDistance, double KolmogorovSmirnovStatistic)
{
    /// <summary>The thresholds of drift options.</summary>
    /// <param name="options">The options; the documented defaults when <see langword="null"/>.</param>
    /// <returns>The thresholds.</returns>
    public static DriftThresholds From(DriftOptions? options)
    {
        options ??= new DriftOptions();
        return new(options.PsiThreshold, options.JensenShannonThreshold, options.KolmogorovSmirnovMinStatistic);
    }
}

/// <summary>An alert raised over the report's range.</summary>
/// <param name="Rule">The rule that raised it.</param>
/// <param name="Message">What happened, in words.</param>
/// <param name="At">When it was raised, or <see langword="null"/>.</param>
public sealed record ReportAlert(string Rule, string Message, DateTimeOffset? At = null);

/// <summary>
/// A feature's reference and live distributions over the same bins, for a report's chart: the bins the drift statistics
/// use (a profile's histogram bins or top values plus "(other)"; a reference sample's quantile bins).
/// </summary>
/// <param name="Feature">The feature (column) name.</param>
/// <param name="Kind">Numeric or categorical.</param>
/// <param name="Bins">Each bin's label: a range such as <c>[1.5, 2)</c> (outer bins open: <c>&lt; 1.5</c>, <c>≥ 9</c>) or a category.</param>
/// <param name="Edges">For numeric features, the inner bin edges, ascending (bin i holds edges[i − 1] ≤ v &lt; edges[i]; one fewer than the bins); <see langword="null"/> for categorical ones.</param>
/// <param name="Reference">The reference's count per bin (a profile's counts are scaled to the whole column when it was sampled).</param>
/// <param name="Live">The live count per bin (missing values dropped).</param>
public sealed record FeatureDistribution(string Feature, FeatureKind Kind, IReadOnlyList<string> Bins, IReadOnlyList<double>? Edges, IReadOnlyList<long> Reference, IReadOnlyList<long> Live)
{
    /// <summary>A numeric feature's live values over its profile's histogram bins (the outer bins opened to ±∞).</summary>
    /// <param name="reference">The column's profile (numeric).</param>
    /// <param name="live">The live values; NaN and infinities are dropped.</param>
    /// <returns>The distributions.</returns>
    /// <exception cref="ArgumentException">The profile is not numeric or has no values.</exception>
    public static FeatureDistribution Numeric(ColumnProfile reference, ReadOnlySpan<double> live)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var (edges, counts) = DriftStatistics.ProfileBins(reference);
        return Numbers(reference.Name, edges, counts, live);
    }

    /// <summary>A numeric feature's reference and live values over the reference's quantile bins (as <see cref="DriftDetector"/> bins them).</summary>
    /// <param name="feature">The feature's name.</param>
    /// <param name="reference">The reference values; NaN and infinities are dropped.</param>
    /// <param name="live">The live values; NaN and infinities are dropped.</param>
    /// <param name="bins">The number of bins wanted; ties in the reference give fewer.</param>
    /// <returns>The distributions.</returns>
    /// <exception cref="ArgumentException"><paramref name="feature"/> is empty, or the reference has no finite value.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is below 2.</exception>
    public static FeatureDistribution Numeric(string feature, ReadOnlySpan<double> reference, ReadOnlySpan<double> live, int bins = DriftStatistics.DefaultBins)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(feature);
        var r = Finite(reference);
        var edges = DriftStatistics.QuantileBinEdges(r, bins);
        return Numbers(feature, edges, DriftStatistics.Histogram(r, edges), live);
    }

    /// <summary>A categorical feature's live counts over its profile's top values, plus <see cref="DriftStatistics.OtherCategory"/> for the rest.</summary>
    /// <param name="reference">The column's profile (categorical).</param>
    /// <param name="live">The live count per category; null or empty names (missing values) are dropped.</param>
    /// <returns>The distributions.</returns>
    /// <exception cref="ArgumentException">The profile is not categorical.</exception>
    public static FeatureDistribution Categorical(ColumnProfile reference, IReadOnlyDictionary<string, long> live)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var (categories, r, l) = DriftStatistics.ProfileCategories(reference, Present(live));
        return new(reference.Name, FeatureKind.Categorical, [.. categories], null, r, l);
    }

    /// <summary>A categorical feature's reference and live counts over the categories of either side, the reference's most frequent first.</summary>
    /// <param name="feature">The feature's name.</param>
    /// <param name="reference">The reference's count per category; null or empty names are dropped.</param>
    /// <param name="live">The live count per category; null or empty names are dropped.</param>
    /// <returns>The distributions.</returns>
    /// <exception cref="ArgumentException"><paramref name="feature"/> is empty.</exception>
    public static FeatureDistribution Categorical(string feature, IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> live)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(feature);
        var r = Present(reference);
        var l = Present(live);
        var categories = r.Keys.Union(l.Keys, StringComparer.Ordinal)
            .OrderByDescending(c => r.GetValueOrDefault(c))
            .ThenByDescending(c => l.GetValueOrDefault(c))
            .ThenBy(c => c, StringComparer.Ordinal)
            .ToList();
        return new(feature, FeatureKind.Categorical, categories, null, [.. categories.Select(c => r.GetValueOrDefault(c))], [.. categories.Select(c => l.GetValueOrDefault(c))]);
    }

    private static FeatureDistribution Numbers(string feature, double[] edges, long[] referenceCounts, ReadOnlySpan<double> live)
        => new(feature, FeatureKind.Numeric, Labels(edges), edges, referenceCounts, DriftStatistics.Histogram(Finite(live), edges));

    private static List<string> Labels(double[] edges)
    {
        static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        if (edges.Length == 0)
        {
            return ["all"];
        }

        var labels = new List<string>(edges.Length + 1) { $"< {F(edges[0])}" };
        for (var i = 1; i < edges.Length; i++)
        {
            labels.Add($"[{F(edges[i - 1])}, {F(edges[i])})");
        }

        labels.Add($"≥ {F(edges[^1])}");
        return labels;
    }

    private static double[] Finite(ReadOnlySpan<double> values)
    {
        var kept = new List<double>(values.Length);
        foreach (var v in values)
        {
            if (double.IsFinite(v))
            {
                kept.Add(v);
            }
        }

        return [.. kept];
    }

    private static Dictionary<string, long> Present(IReadOnlyDictionary<string, long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return counts.Where(p => !string.IsNullOrEmpty(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }
}
