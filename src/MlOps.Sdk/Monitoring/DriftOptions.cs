using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Monitoring;

/// <summary>
/// When a feature counts as drifted. A feature drifts when its test is <em>significant</em> (Kolmogorov–Smirnov for
/// numbers, chi-square for categories) <em>and</em> the difference is <em>material</em>: at least one effect size
/// reaches its threshold. The first condition keeps small samples from flagging noise (PSI and Jensen–Shannon grow with
/// sampling noise when samples are small); the second is the sample-size rule that keeps large samples from flagging
/// negligible shifts (a p-value shrinks with the sample size for any fixed shift). See docs/drift.md.
/// </summary>
public sealed class DriftOptions
{
    /// <summary>Gets or sets the significance level of the Kolmogorov–Smirnov test: a numeric feature may drift when p is below it.</summary>
    /// <value>Default 0.05; between 1e-12 and 0.5.</value>
    [Range(1e-12, 0.5)]
    public double KolmogorovSmirnovPValue { get; set; } = 0.05;

    /// <summary>
    /// Gets or sets the smallest Kolmogorov–Smirnov statistic D that counts as material: the sample-size rule for
    /// numbers. D = 0.1 is what a shift of the mean by a quarter of a standard deviation gives a normal variable.
    /// </summary>
    /// <value>Default 0.1; between 0 (no rule: any significant D) and 1.</value>
    [Range(0.0, 1.0)]
    public double KolmogorovSmirnovMinStatistic { get; set; } = 0.1;

    /// <summary>Gets or sets the significance level of the chi-square test: a categorical feature may drift when p is below it.</summary>
    /// <value>Default 0.05; between 1e-12 and 0.5.</value>
    [Range(1e-12, 0.5)]
    public double ChiSquarePValue { get; set; } = 0.05;

    /// <summary>Gets or sets the smallest Cramér's V that counts as material: the sample-size rule for categories (0.1 is Cohen's "small" effect).</summary>
    /// <value>Default 0.1; between 0 (no rule) and 1.</value>
    [Range(0.0, 1.0)]
    public double CramersVMin { get; set; } = 0.1;

    /// <summary>Gets or sets the population stability index that counts as material (the customary "large shift").</summary>
    /// <value>Default 0.2; between 0 and 100.</value>
    [Range(0.0, 100.0)]
    public double PsiThreshold { get; set; } = 0.2;

    /// <summary>Gets or sets the Jensen–Shannon distance (base 2) that counts as material.</summary>
    /// <value>Default 0.1; between 0 and 1.</value>
    [Range(0.0, 1.0)]
    public double JensenShannonThreshold { get; set; } = 0.1;

    /// <summary>Gets or sets the normalized Wasserstein distance (in reference standard deviations) that counts as material, or <see langword="null"/> to report it only.</summary>
    /// <value>Default <see langword="null"/>: reported, not used to decide; between 0 and 1000.</value>
    [Range(0.0, 1000.0)]
    public double? NormalizedWassersteinThreshold { get; set; }

    /// <summary>Gets or sets the number of reference-quantile bins for PSI and Jensen–Shannon on numeric samples (a profile brings its own histogram bins).</summary>
    /// <value>Default 10 (deciles); between 2 and 1000.</value>
    [Range(2, 1000)]
    public int Bins { get; set; } = DriftStatistics.DefaultBins;

    /// <summary>Gets or sets the floor of a bin's share in PSI, so an empty bin gives a large but finite term.</summary>
    /// <value>Default 1e-4; between 1e-12 and 0.01.</value>
    [Range(1e-12, 0.01)]
    public double PsiEpsilon { get; set; } = DriftStatistics.DefaultEpsilon;

    /// <summary>Gets or sets the share of drifted features from which a <see cref="DriftReport"/> says the data drifted.</summary>
    /// <value>Default 0.5; between 0 and 1.</value>
    [Range(0.0, 1.0)]
    public double DriftedShareThreshold { get; set; } = 0.5;
}
