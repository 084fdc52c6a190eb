using MlOps.Sdk.Data;

namespace MlOps.Sdk.Monitoring;

/// <summary>Drift of live values against a <see cref="ColumnProfile"/>: what a profile holds is enough for some statistics, an approximation for others.</summary>
/// <remarks>
/// A numeric profile keeps 20 equal-width histogram bins from its minimum to its maximum (and 7 quantiles); a
/// categorical one keeps its 20 most frequent values. So: PSI and Jensen–Shannon use the histogram's bins (the outer
/// bins opened to ±∞) or the top values plus one "other" bucket — exact on those bins; chi-square uses the same
/// categories; Kolmogorov–Smirnov compares the distribution functions at the bin edges only, a lower bound of D (so the
/// test can only miss drift, never invent it); Wasserstein assumes values spread evenly within each bin.
/// </remarks>
public static partial class DriftStatistics
{
    /// <summary>The name of the bucket holding the categories outside a profile's top values.</summary>
    public const string OtherCategory = "(other)";

    /// <summary>PSI of live values against a numeric profile's histogram bins.</summary>
    /// <param name="reference">The column's profile (numeric, with values).</param>
    /// <param name="live">The live values.</param>
    /// <param name="epsilon">The floor of a bin's share.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ArgumentException">The profile is not numeric or has no values; a live value is not finite; <paramref name="live"/> is empty.</exception>
    public static double PopulationStabilityIndex(ColumnProfile reference, ReadOnlySpan<double> live, double epsilon = DefaultEpsilon)
    {
        var (edges, counts) = ProfileBins(reference);
        CheckSample(live, nameof(live));
        return PopulationStabilityIndex(counts, Histogram(live, edges), epsilon);
    }

    /// <summary>The Jensen–Shannon distance of live values against a numeric profile's histogram bins.</summary>
    /// <param name="reference">The column's profile (numeric, with values).</param>
    /// <param name="live">The live values.</param>
    /// <returns>The distance, in [0, 1].</returns>
    /// <exception cref="ArgumentException">The profile is not numeric or has no values; a live value is not finite; <paramref name="live"/> is empty.</exception>
    public static double JensenShannonDistance(ColumnProfile reference, ReadOnlySpan<double> live)
    {
        var (edges, counts) = ProfileBins(reference);
        CheckSample(live, nameof(live));
        return JensenShannonDistance(counts, Histogram(live, edges));
    }

    /// <summary>
    /// The Kolmogorov–Smirnov test of live values against a numeric profile: D is the largest distance between the two
    /// distribution functions at the histogram's edges (where the profile knows its own exactly), a lower bound of the
    /// D the full reference sample would give; the p-value uses the profile's count as the reference size.
    /// </summary>
    /// <param name="reference">The column's profile (numeric, with values).</param>
    /// <param name="live">The live values.</param>
    /// <returns>The statistic (a lower bound), p-value and sizes.</returns>
    /// <exception cref="ArgumentException">The profile is not numeric or has no values; a live value is not finite; <paramref name="live"/> is empty.</exception>
    public static KolmogorovSmirnovResult KolmogorovSmirnov(ColumnProfile reference, ReadOnlySpan<double> live)
    {
        var (edges, counts) = ProfileBins(reference);
        var sorted = Sorted(live, nameof(live));
        double total = counts.Sum(), m = sorted.Length;
        var d = 0.0;
        var below = 0.0;
        for (var k = 0; k < edges.Length; k++)
        {
            // P(X < edge) for the reference: the bins below the edge; for the live values: those strictly below.
            below += counts[k];
            var liveBelow = LowerBound(sorted, edges[k]);
            d = Math.Max(d, Math.Abs((below / total) - (liveBelow / m)));
        }

        // Below the minimum and at the maximum, the reference's function is 0 and 1.
        var profile = reference.Numeric!;
        d = Math.Max(d, LowerBound(sorted, profile.Min) / m);
        d = Math.Max(d, 1 - (UpperBoundCount(sorted, profile.Max) / m));
        var n = (long)total;
        var pValue = PValueAndMethod(d, n, sorted.Length, out var method);
        return new KolmogorovSmirnovResult(d, pValue, n, sorted.Length, method);
    }

    /// <summary>
    /// The Wasserstein-1 distance of live values against a numeric profile, taking the reference's values as spread
    /// evenly within each histogram bin (its distribution function linear between edges, 0 below the minimum, 1 above
    /// the maximum). The error is at most the bin width (a twentieth of the reference's range).
    /// </summary>
    /// <param name="reference">The column's profile (numeric, with values).</param>
    /// <param name="live">The live values.</param>
    /// <returns>The approximate distance, in the feature's unit.</returns>
    /// <exception cref="ArgumentException">The profile is not numeric or has no values; a live value is not finite; <paramref name="live"/> is empty.</exception>
    public static double Wasserstein(ColumnProfile reference, ReadOnlySpan<double> live)
    {
        var profile = NumericOf(reference);
        var sorted = Sorted(live, nameof(live));
        if (!(profile.Max > profile.Min))
        {
            // A constant reference: the distance is the mean absolute difference from its value.
            return sorted.Average(v => Math.Abs(v - profile.Min));
        }

        var edges = profile.BinEdges.ToArray();
        var cumulative = new double[edges.Length];
        double total = profile.BinCounts.Sum();
        for (var k = 1; k < edges.Length; k++)
        {
            cumulative[k] = cumulative[k - 1] + (profile.BinCounts[k - 1] / total);
        }

        var points = edges.Concat(sorted).Order().ToArray();
        double m = sorted.Length, area = 0;
        var j = 0;
        for (var p = 1; p < points.Length; p++)
        {
            double x0 = points[p - 1], x1 = points[p];
            if (!(x1 > x0))
            {
                continue;
            }

            while (j < sorted.Length && sorted[j] <= x0)
            {
                j++;
            }

            var g = j / m;
            area += AbsoluteLinearIntegral(ReferenceCdf(edges, cumulative, x0) - g, ReferenceCdf(edges, cumulative, x1) - g, x1 - x0);
        }

        return area;
    }

    /// <summary>The Wasserstein-1 distance against a numeric profile (see <see cref="Wasserstein(ColumnProfile, ReadOnlySpan{double})"/>) over the profile's standard deviation.</summary>
    /// <param name="reference">The column's profile (numeric, with values).</param>
    /// <param name="live">The live values.</param>
    /// <returns>The normalized distance; for a constant reference, 0 or <see cref="double.PositiveInfinity"/>.</returns>
    /// <exception cref="ArgumentException">The profile is not numeric or has no values; a live value is not finite; <paramref name="live"/> is empty.</exception>
    public static double NormalizedWasserstein(ColumnProfile reference, ReadOnlySpan<double> live)
        => Normalize(Wasserstein(reference, live), NumericOf(reference).StandardDeviation);

    /// <summary>
    /// The reference and live counts over a categorical profile's top values plus <see cref="OtherCategory"/> (the
    /// profile's count minus its top values' counts, and the live categories outside the top values), in that order.
    /// The "other" bucket is left out when it is empty on both sides. Feed them to <see cref="ChiSquare(ReadOnlySpan{long}, ReadOnlySpan{long})"/>,
    /// <see cref="PopulationStabilityIndex(ReadOnlySpan{long}, ReadOnlySpan{long}, double)"/> or <see cref="JensenShannonDistance(ReadOnlySpan{long}, ReadOnlySpan{long})"/>.
    /// </summary>
    /// <param name="reference">The column's profile (categorical).</param>
    /// <param name="live">The live count per category; null or empty names are not allowed (they are missing values).</param>
    /// <returns>The categories and aligned counts.</returns>
    /// <exception cref="ArgumentException">The profile is not categorical.</exception>
    public static (IReadOnlyList<string> Categories, long[] Reference, long[] Live) ProfileCategories(ColumnProfile reference, IReadOnlyDictionary<string, long> live)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(live);
        var profile = reference.Categorical ?? throw new ArgumentException($"The profile of '{reference.Name}' is not categorical ({reference.Type}).", nameof(reference));
        var categories = profile.Top.Select(t => t.Key).ToList();
        var referenceCounts = profile.Top.Select(t => t.Value).ToList();
        var known = new HashSet<string>(categories, StringComparer.Ordinal);
        var liveCounts = categories.Select(c => live.TryGetValue(c, out var n) ? n : 0).ToList();
        var referenceOther = Math.Max(0, reference.Count - referenceCounts.Sum());
        var liveOther = live.Where(p => !known.Contains(p.Key)).Sum(p => p.Value);
        if (referenceOther > 0 || liveOther > 0)
        {
            categories.Add(OtherCategory);
            referenceCounts.Add(referenceOther);
            liveCounts.Add(liveOther);
        }

        return (categories, [.. referenceCounts], [.. liveCounts]);
    }

    /// <summary>The chi-square test of live category counts against a categorical profile, over <see cref="ProfileCategories"/>.</summary>
    /// <param name="reference">The column's profile (categorical).</param>
    /// <param name="live">The live count per category.</param>
    /// <returns>The test's result.</returns>
    /// <exception cref="ArgumentException">The profile is not categorical, or a side has no values.</exception>
    public static ChiSquareResult ChiSquare(ColumnProfile reference, IReadOnlyDictionary<string, long> live)
    {
        var (_, r, l) = ProfileCategories(reference, live);
        return ChiSquare(r, l);
    }

    /// <summary>The profile's inner histogram edges and counts; a constant column gets one bin just wide enough for its value.</summary>
    internal static (double[] InnerEdges, long[] Counts) ProfileBins(ColumnProfile reference)
    {
        var profile = NumericOf(reference);
        if (!(profile.Max > profile.Min))
        {
            return ([profile.Min, Math.BitIncrement(profile.Min)], [0, profile.BinCounts.Sum(), 0]);
        }

        var edges = profile.BinEdges.Skip(1).Take(profile.BinEdges.Count - 2).ToArray();
        return (edges, [.. profile.BinCounts]);
    }

    private static NumericColumnProfile NumericOf(ColumnProfile reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var profile = reference.Numeric ?? throw new ArgumentException($"The profile of '{reference.Name}' is not numeric ({reference.Type}).", nameof(reference));
        if (profile.BinCounts.Count == 0 || profile.BinEdges.Count != profile.BinCounts.Count + 1 || profile.BinCounts.Sum() <= 0)
        {
            throw new ArgumentException($"The profile of '{reference.Name}' has no values to compare with.", nameof(reference));
        }

        return profile;
    }

    private static double ReferenceCdf(double[] edges, double[] cumulative, double x)
    {
        if (x <= edges[0])
        {
            return 0;
        }

        if (x >= edges[^1])
        {
            return 1;
        }

        var k = Array.BinarySearch(edges, x);
        if (k >= 0)
        {
            return cumulative[k];
        }

        k = ~k - 1;
        return cumulative[k] + ((cumulative[k + 1] - cumulative[k]) * (x - edges[k]) / (edges[k + 1] - edges[k]));
    }

    /// <summary>∫ |f| over an interval of width w where f goes linearly from a to b.</summary>
    private static double AbsoluteLinearIntegral(double a, double b, double width)
        => a * b >= 0 ? width * (Math.Abs(a) + Math.Abs(b)) / 2 : width * ((a * a) + (b * b)) / (2 * (Math.Abs(a) + Math.Abs(b)));

    /// <summary>The number of sorted values strictly below x.</summary>
    private static int LowerBound(double[] sorted, double x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>The number of sorted values at or below x.</summary>
    private static int UpperBoundCount(double[] sorted, double x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
