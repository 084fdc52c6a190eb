namespace MlOps.Sdk.Monitoring;

/// <summary>The result of a two-sample Kolmogorov–Smirnov test.</summary>
/// <param name="Statistic">D: the largest distance between the two empirical distribution functions, in [0, 1]. From a profile, a lower bound (see docs/drift.md).</param>
/// <param name="PValue">The two-sided p-value (see <see cref="DriftStatistics.KolmogorovSmirnovPValue"/>).</param>
/// <param name="ReferenceCount">The reference's size.</param>
/// <param name="LiveCount">The live sample's size.</param>
/// <param name="Method">How the p-value was computed: exactly, or from the asymptotic Kolmogorov distribution.</param>
public sealed record KolmogorovSmirnovResult(double Statistic, double PValue, long ReferenceCount, long LiveCount, KolmogorovSmirnovMethod Method);

/// <summary>How a Kolmogorov–Smirnov p-value was computed.</summary>
public enum KolmogorovSmirnovMethod
{
    /// <summary>Exactly, by counting lattice paths (both samples at most <see cref="DriftStatistics.KolmogorovSmirnovExactLimit"/> values, p ≥ 1e-10).</summary>
    Exact,

    /// <summary>From the asymptotic Kolmogorov distribution (larger samples, or p below 1e-10 where only its order of magnitude matters).</summary>
    Asymptotic,
}

/// <summary>The result of a chi-square test of homogeneity (reference against live counts per category).</summary>
/// <param name="Statistic">Pearson's chi-square statistic, without continuity correction.</param>
/// <param name="DegreesOfFreedom">The number of categories with a count on either side, minus one.</param>
/// <param name="PValue">The upper tail of the chi-square distribution at <paramref name="Statistic"/>; 1 with fewer than two categories.</param>
/// <param name="CramersV">Cramér's V, √(χ² / N): an effect size in [0, 1] that does not grow with the sample size.</param>
public sealed record ChiSquareResult(double Statistic, int DegreesOfFreedom, double PValue, double CramersV);

/// <summary>What kind of values a feature holds, which decides the statistics computed for it.</summary>
public enum FeatureKind
{
    /// <summary>Numbers: Kolmogorov–Smirnov, PSI and Jensen–Shannon over quantile or histogram bins, Wasserstein.</summary>
    Numeric,

    /// <summary>Categories (text, Boolean, labels): chi-square, PSI and Jensen–Shannon over the categories.</summary>
    Categorical,
}

/// <summary>The outcome of a feature's drift evaluation.</summary>
public enum DriftStatus
{
    /// <summary>No drift: the difference is not significant, or significant but below every effect-size threshold.</summary>
    Stable,

    /// <summary>Drift: the test is significant and at least one effect size reaches its threshold.</summary>
    Drifted,

    /// <summary>Not evaluated: one side has no (non-missing) values. Not counted in <see cref="DriftReport.DriftedShare"/>.</summary>
    NotEvaluated,
}

/// <summary>The drift of one feature between its reference (a training sample or profile) and live values.</summary>
/// <param name="Feature">The feature (column) name.</param>
/// <param name="Kind">Numeric or categorical.</param>
/// <param name="Status">Stable, drifted, or not evaluated.</param>
/// <param name="Reason">Why, in words: the significant test and the thresholds reached, or what was missing.</param>
/// <param name="FromProfile">Whether the reference was a dataset profile (histogram and top values) rather than a sample.</param>
/// <param name="ReferenceCount">The reference's number of (non-missing) values.</param>
/// <param name="LiveCount">The live number of non-missing values used.</param>
/// <param name="LiveMissing">The live values dropped as missing (NaN or infinity; for categories, null or empty).</param>
/// <param name="PopulationStabilityIndex">PSI, or <see langword="null"/> when not evaluated.</param>
/// <param name="JensenShannonDistance">The Jensen–Shannon distance (base 2), or <see langword="null"/> when not evaluated.</param>
/// <param name="KolmogorovSmirnov">The Kolmogorov–Smirnov test, for numeric features.</param>
/// <param name="ChiSquare">The chi-square test, for categorical features.</param>
/// <param name="Wasserstein">The Wasserstein-1 distance in the feature's unit, for numeric features.</param>
/// <param name="NormalizedWasserstein">The Wasserstein-1 distance over the reference's standard deviation, for numeric features.</param>
public sealed record FeatureDrift(
    string Feature,
    FeatureKind Kind,
    DriftStatus Status,
    string Reason,
    bool FromProfile,
    long ReferenceCount,
    long LiveCount,
    long LiveMissing,
    double? PopulationStabilityIndex,
    double? JensenShannonDistance,
    KolmogorovSmirnovResult? KolmogorovSmirnov,
    ChiSquareResult? ChiSquare,
    double? Wasserstein,
    double? NormalizedWasserstein)
{
    /// <summary>Gets a value indicating whether the feature drifted.</summary>
    public bool IsDrifted => Status == DriftStatus.Drifted;
}

/// <summary>The drift of a set of features (which may include the model's predictions, for prediction drift).</summary>
/// <param name="Features">Each feature's drift, in the order given.</param>
/// <param name="DriftedShare">Drifted features over evaluated ones (<see cref="DriftStatus.NotEvaluated"/> excluded); 0 when none was evaluated.</param>
/// <param name="IsDrifted">Whether <paramref name="DriftedShare"/> reaches <see cref="DriftOptions.DriftedShareThreshold"/> (and at least one feature drifted).</param>
public sealed record DriftReport(IReadOnlyList<FeatureDrift> Features, double DriftedShare, bool IsDrifted)
{
    /// <summary>Gets the features that drifted.</summary>
    public IEnumerable<FeatureDrift> Drifted => Features.Where(f => f.IsDrifted);
}
