using MathNet.Numerics;

namespace MlOps.Sdk.Monitoring;

/// <summary>
/// Two-sample drift statistics between a reference (training) distribution and a live one: population stability
/// index, Kolmogorov–Smirnov, chi-square, Jensen–Shannon distance and Wasserstein distance. Formulas, defaults and
/// the reference values the tests check them against are in <c>docs/drift.md</c>.
/// </summary>
/// <remarks>
/// Numeric samples must be finite (no NaN or infinity) and non-empty; count vectors must be non-negative, of the same
/// length, and sum to more than zero on each side. Violations throw <see cref="ArgumentException"/> naming the argument.
/// <see cref="DriftDetector"/> is the tolerant layer above: it drops missing values and reports them.
/// </remarks>
public static partial class DriftStatistics
{
    /// <summary>The default number of reference-quantile bins for PSI and Jensen–Shannon on numeric samples: 10 (deciles).</summary>
    public const int DefaultBins = 10;

    /// <summary>The default floor for a bin's proportion in PSI, so an empty bin gives a large but finite term: 1e-4.</summary>
    public const double DefaultEpsilon = 1e-4;

    /// <summary>
    /// The population stability index of two numeric samples, binned on the reference's quantiles
    /// (<see cref="QuantileBinEdges"/>): Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ), with eᵢ and aᵢ the reference's and live sample's
    /// share of bin i, each floored at <paramref name="epsilon"/>.
    /// </summary>
    /// <param name="reference">The reference sample.</param>
    /// <param name="live">The live sample.</param>
    /// <param name="bins">The number of quantile bins; ties in the reference can merge some (see <see cref="QuantileBinEdges"/>).</param>
    /// <param name="epsilon">The floor of a bin's share.</param>
    /// <returns>The index: 0 for identical binned shares; 0.1–0.2 is commonly read as a moderate shift, 0.2 and above as a large one.</returns>
    /// <exception cref="ArgumentException">A sample is empty or holds a non-finite value; <paramref name="bins"/> is below 2; <paramref name="epsilon"/> is not in (0, 0.5).</exception>
    public static double PopulationStabilityIndex(ReadOnlySpan<double> reference, ReadOnlySpan<double> live, int bins = DefaultBins, double epsilon = DefaultEpsilon)
    {
        var edges = QuantileBinEdges(reference, bins);
        CheckSample(live, nameof(live));
        return PopulationStabilityIndex(Histogram(reference, edges), Histogram(live, edges), epsilon);
    }

    /// <summary>The population stability index of two count vectors over the same bins or categories (see the sample overload for the formula).</summary>
    /// <param name="referenceCounts">The reference's count per bin.</param>
    /// <param name="liveCounts">The live count per bin, aligned with <paramref name="referenceCounts"/>.</param>
    /// <param name="epsilon">The floor of a bin's share.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ArgumentException">The vectors differ in length, hold a negative count, or one sums to zero; <paramref name="epsilon"/> is not in (0, 0.5).</exception>
    public static double PopulationStabilityIndex(ReadOnlySpan<long> referenceCounts, ReadOnlySpan<long> liveCounts, double epsilon = DefaultEpsilon)
    {
        var (r, l) = CheckCounts(referenceCounts, liveCounts);
        if (!(epsilon > 0 && epsilon < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "The floor of a bin's share must be in (0, 0.5).");
        }

        var psi = 0.0;
        for (var i = 0; i < referenceCounts.Length; i++)
        {
            var e = Math.Max(referenceCounts[i] / r, epsilon);
            var a = Math.Max(liveCounts[i] / l, epsilon);
            psi += (a - e) * Math.Log(a / e);
        }

        return psi;
    }

    /// <summary>
    /// The two-sample Kolmogorov–Smirnov test: D = supₓ |F(x) − G(x)| over the two empirical distribution functions
    /// (ties handled exactly), and its two-sided p-value, exact for samples up to <see cref="KolmogorovSmirnovExactLimit"/>
    /// values and asymptotic beyond (<see cref="KolmogorovSmirnovPValue"/>).
    /// </summary>
    /// <param name="reference">The reference sample.</param>
    /// <param name="live">The live sample.</param>
    /// <returns>The statistic, p-value and sample sizes.</returns>
    /// <exception cref="ArgumentException">A sample is empty or holds a non-finite value.</exception>
    public static KolmogorovSmirnovResult KolmogorovSmirnov(ReadOnlySpan<double> reference, ReadOnlySpan<double> live)
    {
        var a = Sorted(reference, nameof(reference));
        var b = Sorted(live, nameof(live));
        double n = a.Length, m = b.Length;
        int i = 0, j = 0;
        var d = 0.0;
        while (i < a.Length && j < b.Length)
        {
            var x = Math.Min(a[i], b[j]);
            while (i < a.Length && a[i] == x)
            {
                i++;
            }

            while (j < b.Length && b[j] == x)
            {
                j++;
            }

            d = Math.Max(d, Math.Abs((i / n) - (j / m)));
        }

        var p = PValueAndMethod(d, a.Length, b.Length, out var method);
        return new KolmogorovSmirnovResult(d, p, a.Length, b.Length, method);
    }

    /// <summary>The largest sample size for which <see cref="KolmogorovSmirnovPValue"/> is exact: 10,000 (SciPy's rule for <c>ks_2samp(method="auto")</c>).</summary>
    public const int KolmogorovSmirnovExactLimit = 10_000;

    /// <summary>
    /// The two-sided p-value P(D ≥ <paramref name="statistic"/>) of a two-sample Kolmogorov–Smirnov statistic under
    /// the null hypothesis (continuous distributions, no ties). While both sizes are at most
    /// <see cref="KolmogorovSmirnovExactLimit"/>, it is exact: the share of monotone lattice paths from (0, 0) to
    /// (n, m) that leave the band |i/n − j/m| &lt; D, by dynamic programming over probabilities in O(n·m) time and O(m)
    /// memory (SciPy's <c>ks_2samp(method="exact")</c> gives the same values). Beyond, or where the exact
    /// value is below 1e-10 (where 1 − P(inside) loses its relative precision), it is the asymptotic Kolmogorov
    /// distribution: P(K &gt; λ) with λ = D · √(n·m / (n + m)) and P(K &gt; λ) = 2 Σₖ₌₁ (−1)ᵏ⁻¹ e^(−2k²λ²) (SciPy's
    /// <c>kstwobign.sf</c>). MathNet.Numerics has no Kolmogorov distribution, hence both are computed here.
    /// </summary>
    /// <param name="statistic">D, in [0, 1].</param>
    /// <param name="referenceCount">n, the reference's size.</param>
    /// <param name="liveCount">m, the live sample's size.</param>
    /// <returns>The p-value, in [0, 1].</returns>
    /// <exception cref="ArgumentOutOfRangeException">The statistic is not in [0, 1] or a size is not positive.</exception>
    public static double KolmogorovSmirnovPValue(double statistic, long referenceCount, long liveCount)
        => PValueAndMethod(statistic, referenceCount, liveCount, out _);

    internal static double PValueAndMethod(double statistic, long referenceCount, long liveCount, out KolmogorovSmirnovMethod method)
    {
        if (!(statistic >= 0 && statistic <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(statistic), statistic, "A Kolmogorov–Smirnov statistic is in [0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(referenceCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(liveCount);
        var effective = (double)referenceCount * liveCount / ((double)referenceCount + liveCount);
        var asymptotic = KolmogorovSurvival(statistic * Math.Sqrt(effective));

        // Where even the (conservative) asymptotic value is far below 1e-10, the exact one would be replaced anyway.
        if (Math.Max(referenceCount, liveCount) <= KolmogorovSmirnovExactLimit && asymptotic >= 1e-12)
        {
            var exact = KolmogorovSmirnovExact(statistic, (int)referenceCount, (int)liveCount);
            if (exact >= 1e-10)
            {
                method = KolmogorovSmirnovMethod.Exact;
                return exact;
            }
        }

        method = KolmogorovSmirnovMethod.Asymptotic;
        return asymptotic;
    }

    /// <summary>
    /// P(D ≥ d) for sizes n and m. Under the null hypothesis every monotone lattice path from (0, 0) to (n, m) is equally
    /// likely; u(i, j), the probability that a uniformly random path to (i, j) stayed strictly inside the band, obeys
    /// u(i, j) = (i · u(i − 1, j) + j · u(i, j − 1)) / (i + j) inside and 0 outside. Every value stays in [0, 1], so
    /// nothing overflows or underflows (counting paths, or R's scaled counts, does for thousands of values).
    /// </summary>
    internal static double KolmogorovSmirnovExact(double statistic, int n, int m)
    {
        if (n > m)
        {
            (n, m) = (m, n);
        }

        // (i, j) is outside the band when |i/n − j/m| ≥ D, in integers: |i·m − j·n| ≥ ⌈D·n·m⌉ (1e-7 absorbs rounding
        // of D). Only the band is visited (about 2·D·m cells a row); cells it leaves behind are zeroed.
        var limit = (long)Math.Floor((statistic * n * (double)m) - 1e-7) + 1;
        if (limit <= 0)
        {
            return 1;
        }

        var u = new double[m + 1];
        u[0] = 1;
        for (var j = 1; j <= m && (long)j * n < limit; j++)
        {
            u[j] = 1;
        }

        var previousLow = 0;
        for (var i = 1; i <= n; i++)
        {
            var im = (long)i * m;
            var low = (int)Math.Max(0, FloorDiv(im - limit, n) + 1);
            var high = (int)Math.Min(m, CeilDiv(im + limit, n) - 1);
            Array.Clear(u, previousLow, Math.Min(low, m + 1) - previousLow);
            previousLow = low;
            for (var j = low; j <= high; j++)
            {
                u[j] = j == 0 ? u[0] : ((i * u[j]) + (j * u[j - 1])) / (i + j);
            }
        }

        return Math.Clamp(1 - u[m], 0, 1);
    }

    /// <summary>
    /// Pearson's chi-square test of homogeneity of a 2 × k table (reference and live counts per category), without
    /// Yates' continuity correction. Categories with no count on either side are dropped; a category seen on one side
    /// only stays (its expected count is positive). The p-value is the upper tail of the chi-square distribution
    /// (MathNet.Numerics' regularized incomplete gamma function).
    /// </summary>
    /// <param name="referenceCounts">The reference's count per category.</param>
    /// <param name="liveCounts">The live count per category, aligned with <paramref name="referenceCounts"/>.</param>
    /// <returns>The statistic, degrees of freedom (k − 1 over the categories kept), p-value and Cramér's V. With fewer than two categories kept: 0, 0, 1, 0.</returns>
    /// <exception cref="ArgumentException">The vectors differ in length, hold a negative count, or one sums to zero.</exception>
    public static ChiSquareResult ChiSquare(ReadOnlySpan<long> referenceCounts, ReadOnlySpan<long> liveCounts)
    {
        var (r, l) = CheckCounts(referenceCounts, liveCounts);
        var total = r + l;
        var statistic = 0.0;
        var categories = 0;
        for (var i = 0; i < referenceCounts.Length; i++)
        {
            double column = referenceCounts[i] + liveCounts[i];
            if (column == 0)
            {
                continue;
            }

            categories++;
            var expectedReference = column * r / total;
            var expectedLive = column * l / total;
            statistic += Square(referenceCounts[i] - expectedReference) / expectedReference;
            statistic += Square(liveCounts[i] - expectedLive) / expectedLive;
        }

        if (categories < 2)
        {
            return new ChiSquareResult(0, 0, 1, 0);
        }

        var freedom = categories - 1;
        var p = SpecialFunctions.GammaUpperRegularized(freedom / 2.0, statistic / 2.0);
        return new ChiSquareResult(statistic, freedom, Math.Clamp(p, 0, 1), Math.Sqrt(statistic / total));
    }

    /// <summary>The chi-square test of homogeneity over categories named on either side (ordinal comparison); a category missing on one side counts 0 there.</summary>
    /// <param name="reference">The reference's count per category.</param>
    /// <param name="live">The live count per category.</param>
    /// <returns>The test's result (see the count-vector overload).</returns>
    /// <exception cref="ArgumentException">A count is negative, or one side sums to zero.</exception>
    public static ChiSquareResult ChiSquare(IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> live)
    {
        var (r, l) = Align(reference, live);
        return ChiSquare(r, l);
    }

    /// <summary>
    /// The Jensen–Shannon distance between two count vectors: √JSD with JSD = ½ KL(p ‖ m) + ½ KL(q ‖ m),
    /// m = (p + q) / 2, in base 2 — so it lies in [0, 1] (SciPy's <c>jensenshannon(p, q, base=2)</c>).
    /// Empty bins need no floor (0 · log 0 = 0).
    /// </summary>
    /// <param name="referenceCounts">The reference's count per bin or category.</param>
    /// <param name="liveCounts">The live count per bin or category, aligned with <paramref name="referenceCounts"/>.</param>
    /// <returns>The distance, in [0, 1].</returns>
    /// <exception cref="ArgumentException">The vectors differ in length, hold a negative count, or one sums to zero.</exception>
    public static double JensenShannonDistance(ReadOnlySpan<long> referenceCounts, ReadOnlySpan<long> liveCounts)
    {
        var (r, l) = CheckCounts(referenceCounts, liveCounts);
        var divergence = 0.0;
        for (var i = 0; i < referenceCounts.Length; i++)
        {
            var p = referenceCounts[i] / r;
            var q = liveCounts[i] / l;
            var mid = (p + q) / 2;
            if (p > 0)
            {
                divergence += 0.5 * p * Math.Log2(p / mid);
            }

            if (q > 0)
            {
                divergence += 0.5 * q * Math.Log2(q / mid);
            }
        }

        return Math.Clamp(Math.Sqrt(Math.Max(divergence, 0)), 0, 1);
    }

    /// <summary>The Jensen–Shannon distance of two numeric samples binned on the reference's quantiles (<see cref="QuantileBinEdges"/>).</summary>
    /// <param name="reference">The reference sample.</param>
    /// <param name="live">The live sample.</param>
    /// <param name="bins">The number of quantile bins.</param>
    /// <returns>The distance, in [0, 1].</returns>
    /// <exception cref="ArgumentException">A sample is empty or holds a non-finite value; <paramref name="bins"/> is below 2.</exception>
    public static double JensenShannonDistance(ReadOnlySpan<double> reference, ReadOnlySpan<double> live, int bins = DefaultBins)
    {
        var edges = QuantileBinEdges(reference, bins);
        CheckSample(live, nameof(live));
        return JensenShannonDistance(Histogram(reference, edges), Histogram(live, edges));
    }

    /// <summary>
    /// The Wasserstein-1 (earth mover's) distance between two samples: ∫ |F(x) − G(x)| dx over their empirical
    /// distribution functions, in the features' own unit (SciPy's <c>wasserstein_distance</c>).
    /// </summary>
    /// <param name="reference">The reference sample.</param>
    /// <param name="live">The live sample.</param>
    /// <returns>The distance, ≥ 0.</returns>
    /// <exception cref="ArgumentException">A sample is empty or holds a non-finite value.</exception>
    public static double Wasserstein(ReadOnlySpan<double> reference, ReadOnlySpan<double> live)
    {
        var a = Sorted(reference, nameof(reference));
        var b = Sorted(live, nameof(live));
        double n = a.Length, m = b.Length;
        int i = 0, j = 0;
        var previous = Math.Min(a[0], b[0]);
        var area = 0.0;
        while (i < a.Length || j < b.Length)
        {
            var x = i == a.Length ? b[j] : j == b.Length ? a[i] : Math.Min(a[i], b[j]);
            area += Math.Abs((i / n) - (j / m)) * (x - previous);
            while (i < a.Length && a[i] == x)
            {
                i++;
            }

            while (j < b.Length && b[j] == x)
            {
                j++;
            }

            previous = x;
        }

        return area;
    }

    /// <summary>
    /// The Wasserstein-1 distance divided by the reference's sample standard deviation (n − 1): a unitless shift,
    /// comparable across features (0.1 is a tenth of a standard deviation).
    /// </summary>
    /// <param name="reference">The reference sample.</param>
    /// <param name="live">The live sample.</param>
    /// <returns>The normalized distance; when the reference is constant, 0 if the distance is 0, else <see cref="double.PositiveInfinity"/>.</returns>
    /// <exception cref="ArgumentException">A sample is empty or holds a non-finite value.</exception>
    public static double NormalizedWasserstein(ReadOnlySpan<double> reference, ReadOnlySpan<double> live)
        => Normalize(Wasserstein(reference, live), StandardDeviation(reference));

    /// <summary>
    /// The inner edges of <paramref name="bins"/> bins holding equal shares of the reference: its quantiles at
    /// k / bins, k = 1 … bins − 1 (linear interpolation, NumPy's default), duplicates removed. The outer bins are open
    /// (−∞ and +∞), so every live value falls in a bin. A value equal to an edge belongs to the bin above it.
    /// </summary>
    /// <param name="reference">The reference sample.</param>
    /// <param name="bins">The number of bins wanted; ties in the reference give fewer.</param>
    /// <returns>The inner edges, ascending; the bins are one more than the edges.</returns>
    /// <exception cref="ArgumentException">The sample is empty or holds a non-finite value; <paramref name="bins"/> is below 2.</exception>
    public static double[] QuantileBinEdges(ReadOnlySpan<double> reference, int bins = DefaultBins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        var sorted = Sorted(reference, nameof(reference));
        var edges = new List<double>(bins - 1);
        for (var k = 1; k < bins; k++)
        {
            var q = Quantile(sorted, (double)k / bins);
            if (edges.Count == 0 || q > edges[^1])
            {
                edges.Add(q);
            }
        }

        return [.. edges];
    }

    /// <summary>Counts values per bin: bin i holds the values v with edges[i − 1] ≤ v &lt; edges[i] (open at both ends).</summary>
    /// <param name="values">The values; non-finite ones are not allowed.</param>
    /// <param name="innerEdges">The inner edges, ascending (for example from <see cref="QuantileBinEdges"/>).</param>
    /// <returns>One count per bin: one more than the edges.</returns>
    /// <exception cref="ArgumentException">A value is not finite, or the edges are not ascending.</exception>
    public static long[] Histogram(ReadOnlySpan<double> values, IReadOnlyList<double> innerEdges)
    {
        ArgumentNullException.ThrowIfNull(innerEdges);
        var edges = innerEdges.ToArray();
        for (var e = 1; e < edges.Length; e++)
        {
            if (!(edges[e] > edges[e - 1]))
            {
                throw new ArgumentException("Bin edges must be finite and strictly ascending.", nameof(innerEdges));
            }
        }

        var counts = new long[edges.Length + 1];
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (!double.IsFinite(v))
            {
                throw new ArgumentException($"Value {i} is {v}; drift statistics take finite values only (drop missing values first).", nameof(values));
            }

            // The number of edges ≤ v is the bin (NumPy's searchsorted(side="right")); edges are distinct.
            var index = Array.BinarySearch(edges, v);
            counts[index >= 0 ? index + 1 : ~index]++;
        }

        return counts;
    }

    /// <summary>P(K &gt; λ) of the Kolmogorov distribution, from whichever of its two series converges fast at λ.</summary>
    internal static double KolmogorovSurvival(double lambda)
    {
        if (lambda <= 0)
        {
            return 1;
        }

        if (lambda < 1.18)
        {
            // P(K ≤ λ) = √(2π)/λ Σ e^(−(2k−1)²π²/(8λ²)): a few terms suffice below 1.18.
            var w = Math.PI * Math.PI / (8 * lambda * lambda);
            var sum = 0.0;
            for (var k = 1; k <= 8; k++)
            {
                sum += Math.Exp(-Square((2 * k) - 1) * w);
            }

            return Math.Clamp(1 - (Math.Sqrt(2 * Math.PI) / lambda * sum), 0, 1);
        }

        var tail = 0.0;
        for (var k = 1; k <= 100; k++)
        {
            var term = Math.Exp(-2.0 * k * k * lambda * lambda);
            tail += (k % 2 == 1 ? 2 : -2) * term;
            if (term < 1e-300 || term < tail * 1e-17)
            {
                break;
            }
        }

        return Math.Clamp(tail, 0, 1);
    }

    internal static double Quantile(double[] sorted, double p)
    {
        var position = p * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }

    internal static double[] Sorted(ReadOnlySpan<double> sample, string name)
    {
        CheckSample(sample, name);
        var copy = sample.ToArray();
        Array.Sort(copy);
        return copy;
    }

    internal static void CheckSample(ReadOnlySpan<double> sample, string name)
    {
        if (sample.IsEmpty)
        {
            throw new ArgumentException("The sample is empty; drift statistics need at least one value on each side.", name);
        }

        for (var i = 0; i < sample.Length; i++)
        {
            if (!double.IsFinite(sample[i]))
            {
                throw new ArgumentException($"Value {i} is {sample[i]}; drift statistics take finite values only (drop missing values first).", name);
            }
        }
    }

    internal static (double Reference, double Live) CheckCounts(ReadOnlySpan<long> reference, ReadOnlySpan<long> live)
    {
        if (reference.Length != live.Length)
        {
            throw new ArgumentException($"The count vectors must be aligned: the reference has {reference.Length} bins or categories, the live one {live.Length}.", nameof(live));
        }

        return (Total(reference, "referenceCounts"), Total(live, "liveCounts"));

        static double Total(ReadOnlySpan<long> counts, string name)
        {
            double total = 0;
            for (var i = 0; i < counts.Length; i++)
            {
                if (counts[i] < 0)
                {
                    throw new ArgumentException($"Count {i} is negative ({counts[i]}).", name);
                }

                total += counts[i];
            }

            return total > 0 ? total : throw new ArgumentException("The counts sum to zero; drift statistics need at least one value on each side.", name);
        }
    }

    internal static (long[] Reference, long[] Live) Align(IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> live)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(live);
        var keys = reference.Keys.Union(live.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return (
            keys.Select(k => reference.TryGetValue(k, out var c) ? c : 0).ToArray(),
            keys.Select(k => live.TryGetValue(k, out var c) ? c : 0).ToArray());
    }

    internal static double StandardDeviation(ReadOnlySpan<double> sample)
    {
        if (sample.Length < 2)
        {
            return 0;
        }

        double mean = 0, m2 = 0;
        for (var i = 0; i < sample.Length; i++)
        {
            var delta = sample[i] - mean;
            mean += delta / (i + 1);
            m2 += delta * (sample[i] - mean);
        }

        return Math.Sqrt(m2 / (sample.Length - 1));
    }

    internal static double Normalize(double distance, double spread)
        => spread > 0 ? distance / spread : distance == 0 ? 0 : double.PositiveInfinity;

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static long CeilDiv(long a, long b) => -FloorDiv(-a, b);

    private static double Square(double x) => x * x;
}
