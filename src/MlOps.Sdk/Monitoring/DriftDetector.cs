using System.Globalization;
using MlOps.Sdk.Data;
using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Monitoring;

/// <summary>
/// Decides, feature by feature, whether live values drifted from their reference (a training sample or a dataset
/// profile), and sums it up in a <see cref="DriftReport"/>. The rule is in <see cref="DriftOptions"/>: significant and material.
/// </summary>
/// <remarks>
/// Missing live values (NaN or infinity for numbers, null or empty for categories) are dropped and counted in
/// <see cref="FeatureDrift.LiveMissing"/>; a side with no values left gives <see cref="DriftStatus.NotEvaluated"/>, not
/// an exception. For prediction drift, pass the model's scores (numeric) or predicted labels (categorical) as one more feature.
/// </remarks>
public static class DriftDetector
{
    /// <summary>The words a stable feature's reason ends with when its test was significant but no effect size material.</summary>
    internal const string NegligibleShift = "a negligible shift";

    /// <summary>The drift of a numeric feature between two samples.</summary>
    /// <param name="feature">The feature's name.</param>
    /// <param name="reference">The reference (training) values; missing ones are dropped.</param>
    /// <param name="live">The live values; missing ones are dropped and counted.</param>
    /// <param name="options">The thresholds; defaults when <see langword="null"/>.</param>
    /// <returns>The feature's drift.</returns>
    /// <exception cref="ArgumentException"><paramref name="feature"/> is empty.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> holds a value out of range.</exception>
    public static FeatureDrift Numeric(string feature, ReadOnlySpan<double> reference, ReadOnlySpan<double> live, DriftOptions? options = null)
    {
        Guard.NotNullOrWhiteSpace(feature);
        options = Validated(options);
        var r = Present(reference, out _);
        var l = Present(live, out var missing);
        if (r.Length == 0 || l.Length == 0)
        {
            return NotEvaluated(feature, FeatureKind.Numeric, false, r.Length, l.Length, missing);
        }

        var edges = DriftStatistics.QuantileBinEdges(r, options.Bins);
        var referenceBins = DriftStatistics.Histogram(r, edges);
        var liveBins = DriftStatistics.Histogram(l, edges);
        var ks = DriftStatistics.KolmogorovSmirnov(r, l);
        var wasserstein = DriftStatistics.Wasserstein(r, l);
        return Decide(
            feature,
            FeatureKind.Numeric,
            false,
            r.Length,
            l.Length,
            missing,
            DriftStatistics.PopulationStabilityIndex(referenceBins, liveBins, options.PsiEpsilon),
            DriftStatistics.JensenShannonDistance(referenceBins, liveBins),
            ks,
            null,
            wasserstein,
            DriftStatistics.Normalize(wasserstein, DriftStatistics.StandardDeviation(r)),
            options);
    }

    /// <summary>The drift of a numeric feature against its column in a dataset profile (approximations in docs/drift.md).</summary>
    /// <param name="reference">The column's profile (numeric).</param>
    /// <param name="live">The live values; missing ones are dropped and counted.</param>
    /// <param name="options">The thresholds; defaults when <see langword="null"/>.</param>
    /// <returns>The feature's drift.</returns>
    /// <exception cref="ArgumentException">The profile is not numeric.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> holds a value out of range.</exception>
    public static FeatureDrift Numeric(ColumnProfile reference, ReadOnlySpan<double> live, DriftOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        options = Validated(options);
        if (reference.Numeric is not { } profile)
        {
            throw new ArgumentException($"The profile of '{reference.Name}' is not numeric ({reference.Type}).", nameof(reference));
        }

        var l = Present(live, out var missing);
        var referenceCount = profile.BinCounts.Sum();
        if (referenceCount == 0 || l.Length == 0)
        {
            return NotEvaluated(reference.Name, FeatureKind.Numeric, true, referenceCount, l.Length, missing);
        }

        var (edges, referenceBins) = DriftStatistics.ProfileBins(reference);
        var liveBins = DriftStatistics.Histogram(l, edges);
        var wasserstein = DriftStatistics.Wasserstein(reference, l);
        return Decide(
            reference.Name,
            FeatureKind.Numeric,
            true,
            referenceCount,
            l.Length,
            missing,
            DriftStatistics.PopulationStabilityIndex(referenceBins, liveBins, options.PsiEpsilon),
            DriftStatistics.JensenShannonDistance(referenceBins, liveBins),
            DriftStatistics.KolmogorovSmirnov(reference, l),
            null,
            wasserstein,
            DriftStatistics.Normalize(wasserstein, profile.StandardDeviation),
            options);
    }

    /// <summary>The drift of a categorical feature between two sets of category counts (a category absent on one side counts 0 there).</summary>
    /// <param name="feature">The feature's name.</param>
    /// <param name="reference">The reference's count per category; null or empty names are missing values and dropped.</param>
    /// <param name="live">The live count per category; null or empty names are dropped and counted as missing.</param>
    /// <param name="options">The thresholds; defaults when <see langword="null"/>.</param>
    /// <returns>The feature's drift.</returns>
    /// <exception cref="ArgumentException"><paramref name="feature"/> is empty, or a count is negative.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> holds a value out of range.</exception>
    public static FeatureDrift Categorical(string feature, IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> live, DriftOptions? options = null)
    {
        Guard.NotNullOrWhiteSpace(feature);
        options = Validated(options);
        var (r, l) = DriftStatistics.Align(Present(reference, out _), Present(live, out var missing));
        return Categorical(feature, false, r, l, missing, options);
    }

    /// <summary>The drift of a categorical feature against its column in a dataset profile: its top values plus an "other" bucket.</summary>
    /// <param name="reference">The column's profile (categorical).</param>
    /// <param name="live">The live count per category; null or empty names are dropped and counted as missing.</param>
    /// <param name="options">The thresholds; defaults when <see langword="null"/>.</param>
    /// <returns>The feature's drift.</returns>
    /// <exception cref="ArgumentException">The profile is not categorical, or a count is negative.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> holds a value out of range.</exception>
    public static FeatureDrift Categorical(ColumnProfile reference, IReadOnlyDictionary<string, long> live, DriftOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        options = Validated(options);
        var (_, r, l) = DriftStatistics.ProfileCategories(reference, Present(live, out var missing));
        return Categorical(reference.Name, true, r, l, missing, options);
    }

    /// <summary>Sums up features' drift: the share of evaluated features that drifted, and whether it reaches <see cref="DriftOptions.DriftedShareThreshold"/>.</summary>
    /// <param name="features">The features' drift, for example from <see cref="Numeric(string, ReadOnlySpan{double}, ReadOnlySpan{double}, DriftOptions?)"/>.</param>
    /// <param name="options">The thresholds; defaults when <see langword="null"/>.</param>
    /// <returns>The report.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> holds a value out of range.</exception>
    public static DriftReport Report(IEnumerable<FeatureDrift> features, DriftOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        options = Validated(options);
        var list = features.ToList();
        var evaluated = list.Count(f => f.Status != DriftStatus.NotEvaluated);
        var drifted = list.Count(f => f.IsDrifted);
        var share = evaluated == 0 ? 0 : (double)drifted / evaluated;
        return new DriftReport(list, share, drifted > 0 && share >= options.DriftedShareThreshold);
    }

    private static FeatureDrift Categorical(string feature, bool fromProfile, long[] r, long[] l, long missing, DriftOptions options)
    {
        long referenceCount = r.Sum(), liveCount = l.Sum();
        if (referenceCount == 0 || liveCount == 0)
        {
            return NotEvaluated(feature, FeatureKind.Categorical, fromProfile, referenceCount, liveCount, missing);
        }

        return Decide(
            feature,
            FeatureKind.Categorical,
            fromProfile,
            referenceCount,
            liveCount,
            missing,
            DriftStatistics.PopulationStabilityIndex(r, l, options.PsiEpsilon),
            DriftStatistics.JensenShannonDistance(r, l),
            null,
            DriftStatistics.ChiSquare(r, l),
            null,
            null,
            options);
    }

    private static FeatureDrift Decide(string feature, FeatureKind kind, bool fromProfile, long referenceCount, long liveCount, long missing, double psi, double js, KolmogorovSmirnovResult? ks, ChiSquareResult? chi, double? wasserstein, double? normalized, DriftOptions options)
    {
        var (test, p, alpha) = ks is not null
            ? ("Kolmogorov–Smirnov", ks.PValue, options.KolmogorovSmirnovPValue)
            : ("chi-square", chi!.PValue, options.ChiSquarePValue);
        var material = new List<string>();
        if (ks is not null && ks.Statistic >= options.KolmogorovSmirnovMinStatistic)
        {
            material.Add(Format($"D {ks.Statistic:G3} ≥ {options.KolmogorovSmirnovMinStatistic:G3}"));
        }

        if (chi is not null && chi.CramersV >= options.CramersVMin)
        {
            material.Add(Format($"Cramér's V {chi.CramersV:G3} ≥ {options.CramersVMin:G3}"));
        }

        if (psi >= options.PsiThreshold)
        {
            material.Add(Format($"PSI {psi:G3} ≥ {options.PsiThreshold:G3}"));
        }

        if (js >= options.JensenShannonThreshold)
        {
            material.Add(Format($"Jensen–Shannon {js:G3} ≥ {options.JensenShannonThreshold:G3}"));
        }

        if (options.NormalizedWassersteinThreshold is { } w && normalized >= w)
        {
            material.Add(Format($"normalized Wasserstein {normalized:G3} ≥ {w:G3}"));
        }

        var significant = p < alpha;
        var (status, reason) = (significant, material.Count > 0) switch
        {
            (true, true) => (DriftStatus.Drifted, Format($"{test} p {p:G3} < {alpha:G3} and {string.Join(", ", material)}")),
            (true, false) => (DriftStatus.Stable, Format($"{test} p {p:G3} < {alpha:G3}, but no effect size reaches its threshold ({NegligibleShift})")),
            (false, true) => (DriftStatus.Stable, Format($"{string.Join(", ", material)}, but {test} p {p:G3} ≥ {alpha:G3} (within sampling noise)")),
            _ => (DriftStatus.Stable, Format($"{test} p {p:G3} ≥ {alpha:G3} and no effect size reaches its threshold")),
        };
        return new FeatureDrift(feature, kind, status, reason, fromProfile, referenceCount, liveCount, missing, psi, js, ks, chi, wasserstein, normalized);
    }

    private static FeatureDrift NotEvaluated(string feature, FeatureKind kind, bool fromProfile, long referenceCount, long liveCount, long missing)
        => new(feature, kind, DriftStatus.NotEvaluated, referenceCount == 0 ? "The reference has no values." : "No live values (after dropping missing ones).", fromProfile, referenceCount, liveCount, missing, null, null, null, null, null, null);

    private static double[] Present(ReadOnlySpan<double> values, out long missing)
    {
        var kept = new List<double>(values.Length);
        foreach (var v in values)
        {
            if (double.IsFinite(v))
            {
                kept.Add(v);
            }
        }

        missing = values.Length - kept.Count;
        return [.. kept];
    }

    private static Dictionary<string, long> Present(IReadOnlyDictionary<string, long> counts, out long missing)
    {
        ArgumentNullException.ThrowIfNull(counts);
        missing = 0;
        var kept = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (category, count) in counts)
        {
            if (count < 0)
            {
                throw new ArgumentException($"The count of '{category}' is negative ({count}).", nameof(counts));
            }

            if (string.IsNullOrEmpty(category))
            {
                missing += count;
            }
            else
            {
                kept[category] = count;
            }
        }

        return kept;
    }

    private static DriftOptions Validated(DriftOptions? options)
    {
        options ??= new DriftOptions();
        OptionsValidation.ThrowIfInvalid(options);
        return options;
    }

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
