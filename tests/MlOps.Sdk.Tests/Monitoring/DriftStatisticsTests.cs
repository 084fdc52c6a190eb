using MathNet.Numerics.Distributions;
using Microsoft.Extensions.Options;
using Microsoft.ML;
using MlOps.Sdk.Data;
using MlOps.Sdk.Monitoring;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// Drift statistics against reference values computed independently with SciPy (Fixtures/make_drift_fixtures.py),
/// and the drift decision's behaviour: a real shift flags, no shift flags at the documented rate, and the sample-size
/// rule keeps a negligible shift in a million rows from flagging.
/// </summary>
public sealed class DriftStatisticsTests
{
    private const double Tight = 1e-9;

    private static IEnumerable<string> NumericCases() => DriftFixtures.NumericNames();

    private static IEnumerable<string> CategoricalCases() => DriftFixtures.CategoricalNames();

    [TestCaseSource(nameof(NumericCases))]
    public void QuantileBins_Fixture_MatchNumPy(string name)
    {
        var c = DriftFixtures.Numeric(name);
        var reference = c.Doubles("reference");
        var edges = DriftStatistics.QuantileBinEdges(reference, 10);

        Assert.That(edges, Is.EqualTo(c.Doubles("bin_edges")).Within(1e-12));
        Assert.That(DriftStatistics.Histogram(reference, edges), Is.EqualTo(c.Longs("reference_bins")));
        Assert.That(DriftStatistics.Histogram(c.Doubles("live"), edges), Is.EqualTo(c.Longs("live_bins")));
    }

    [TestCaseSource(nameof(NumericCases))]
    public void PsiAndJensenShannon_Fixture_MatchNumPyAndSciPy(string name)
    {
        var c = DriftFixtures.Numeric(name);
        double[] reference = c.Doubles("reference"), live = c.Doubles("live");

        Assert.That(DriftStatistics.PopulationStabilityIndex(reference, live), Is.EqualTo(c.Number("psi")).Within(Tight));
        Assert.That(DriftStatistics.JensenShannonDistance(reference, live), Is.EqualTo(c.Number("jensenshannon")).Within(Tight));
    }

    [TestCaseSource(nameof(NumericCases))]
    public void Wasserstein_Fixture_MatchesSciPy(string name)
    {
        var c = DriftFixtures.Numeric(name);
        double[] reference = c.Doubles("reference"), live = c.Doubles("live");

        Assert.That(DriftStatistics.Wasserstein(reference, live), Is.EqualTo(c.Number("wasserstein")).Within(Tight));
        Assert.That(DriftStatistics.NormalizedWasserstein(reference, live), Is.EqualTo(c.Number("wasserstein_normalized")).Within(Tight));
    }

    /// <summary>
    /// D must equal SciPy's (ties included). These samples have at most 10,000 values, so the p-value is exact and must
    /// equal SciPy's ks_2samp(method="exact") to 1e-9 relative (plus 1e-12 absolute: 1 − P(inside) is computed in
    /// doubles); where the exact value is below 1e-10 it is SciPy's kstwobign.sf(√en·D), to 1e-9 relative.
    /// </summary>
    [TestCaseSource(nameof(NumericCases))]
    public void KolmogorovSmirnov_Fixture_MatchesSciPy(string name)
    {
        var c = DriftFixtures.Numeric(name);
        var ks = c.GetProperty("ks");

        var result = DriftStatistics.KolmogorovSmirnov(c.Doubles("reference"), c.Doubles("live"));

        Assert.That(result.Statistic, Is.EqualTo(ks.Number("statistic")).Within(1e-12));
        var exact = ks.Number("pvalue_exact");
        if (exact >= 1e-10)
        {
            Assert.That(result.Method, Is.EqualTo(KolmogorovSmirnovMethod.Exact));
            Assert.That(result.PValue, Is.EqualTo(exact).Within((1e-9 * exact) + 1e-12));
        }
        else
        {
            Assert.That(result.Method, Is.EqualTo(KolmogorovSmirnovMethod.Asymptotic));
            Assert.That(result.PValue, Is.EqualTo(ks.Number("pvalue_kstwobign")).Within(1e-9 * ks.Number("pvalue_kstwobign")));
        }
    }

    [Test]
    public void KolmogorovSmirnovPValue_FixturePoints_MatchSciPyExactOrAsymptotic()
    {
        foreach (var point in DriftFixtures.KolmogorovSmirnovPValues())
        {
            var (d, n, m) = (point.Number("d"), point.GetProperty("n").GetInt64(), point.GetProperty("m").GetInt64());
            var p = DriftStatistics.KolmogorovSmirnovPValue(d, n, m);
            var expected = point.TryGetProperty("exact", out var exact) ? exact.GetDouble() : point.Number("kstwobign");

            Assert.That(p, Is.EqualTo(expected).Within((1e-9 * expected) + 1e-12), $"D = {d}, n = {n}, m = {m}");
        }
    }

    /// <summary>Every monotone lattice path from (0, 0) to (n, m) enumerated: P(D ≥ d) by brute force equals the banded recursion, for every achievable d.</summary>
    [Test]
    public void KolmogorovSmirnovExact_SmallSizes_MatchesEnumeratingEveryPath()
    {
        for (var n = 1; n <= 7; n++)
        {
            for (var m = 1; m <= 7; m++)
            {
                var statistics = new List<double>();
                for (var mask = 0; mask < 1 << (n + m); mask++)
                {
                    if (System.Numerics.BitOperations.PopCount((uint)mask) != n)
                    {
                        continue;
                    }

                    int i = 0, j = 0;
                    var d = 0.0;
                    for (var step = 0; step < n + m; step++)
                    {
                        if ((mask & (1 << step)) != 0)
                        {
                            i++;
                        }
                        else
                        {
                            j++;
                        }

                        d = Math.Max(d, Math.Abs(((double)i / n) - ((double)j / m)));
                    }

                    statistics.Add(d);
                }

                foreach (var d in statistics.Distinct())
                {
                    var expected = (double)statistics.Count(s => s >= d - 1e-12) / statistics.Count;
                    Assert.That(DriftStatistics.KolmogorovSmirnovExact(d, n, m), Is.EqualTo(expected).Within(1e-12), $"n = {n}, m = {m}, D = {d}");
                }
            }
        }
    }

    [TestCaseSource(nameof(CategoricalCases))]
    public void ChiSquarePsiJensenShannon_Fixture_MatchSciPy(string name)
    {
        var c = DriftFixtures.Categorical(name);
        long[] reference = c.Longs("reference"), live = c.Longs("live");

        var result = DriftStatistics.ChiSquare(reference, live);

        Assert.That(result.Statistic, Is.EqualTo(c.Number("chi2")).Within(1e-9 * Math.Max(1, c.Number("chi2"))));
        Assert.That(result.DegreesOfFreedom, Is.EqualTo(c.GetProperty("dof").GetInt32()));
        Assert.That(result.PValue, Is.EqualTo(c.Number("pvalue")).Within(1e-9 * c.Number("pvalue")));
        Assert.That(result.CramersV, Is.EqualTo(c.Number("cramers_v")).Within(Tight));
        Assert.That(DriftStatistics.PopulationStabilityIndex(reference, live), Is.EqualTo(c.Number("psi")).Within(Tight));
        Assert.That(DriftStatistics.JensenShannonDistance(reference, live), Is.EqualTo(c.Number("jensenshannon")).Within(Tight));
    }

    [Test]
    public void ChiSquare_ByName_UnseenCategoriesCountZeroOnTheOtherSide()
    {
        var c = DriftFixtures.Categorical("unseen-on-each-side");
        var names = c.GetProperty("categories").EnumerateArray().Select(e => e.GetString()!).ToList();
        long[] reference = c.Longs("reference"), live = c.Longs("live");
        var referenceByName = names.Zip(reference).Where(p => p.Second > 0).ToDictionary(p => p.First, p => p.Second);
        var liveByName = names.Zip(live).Where(p => p.Second > 0).ToDictionary(p => p.First, p => p.Second);

        var result = DriftStatistics.ChiSquare(referenceByName, liveByName);

        Assert.That(result.Statistic, Is.EqualTo(c.Number("chi2")).Within(1e-9 * c.Number("chi2")));
        Assert.That(result.DegreesOfFreedom, Is.EqualTo(4));
    }

    [TestCaseSource(nameof(NumericCases))]
    public void ProfileComparisons_Fixture_MatchNumPy(string name)
    {
        var c = DriftFixtures.Numeric(name);
        var p = c.GetProperty("profile");
        var live = c.Doubles("live");
        var profile = Profile(c.Doubles("reference"), p.Doubles("bin_edges"), p.Longs("bin_counts"));

        Assert.That(DriftStatistics.PopulationStabilityIndex(profile, live), Is.EqualTo(p.Number("psi")).Within(Tight));
        Assert.That(DriftStatistics.JensenShannonDistance(profile, live), Is.EqualTo(p.Number("jensenshannon")).Within(Tight));
        var ks = DriftStatistics.KolmogorovSmirnov(profile, live);
        Assert.That(ks.Statistic, Is.EqualTo(p.Number("ks_statistic")).Within(1e-12));
        var expected = p.GetProperty("ks_pvalue");
        var pValue = expected.TryGetProperty("exact", out var exact) && exact.GetDouble() >= 1e-10 ? exact.GetDouble() : expected.Number("kstwobign");
        Assert.That(ks.PValue, Is.EqualTo(pValue).Within((1e-9 * pValue) + 1e-12));
        Assert.That(ks.Statistic, Is.LessThanOrEqualTo(c.GetProperty("ks").Number("statistic") + 1e-12), "at the edges only, D is a lower bound");
        Assert.That(DriftStatistics.Wasserstein(profile, live), Is.EqualTo(p.Number("wasserstein")).Within(p.Number("wasserstein_tolerance")));
    }

    [TestCaseSource(nameof(NumericCases))]
    public void DatasetProfiler_FixtureReference_KeepsNumPysHistogram(string name)
    {
        var c = DriftFixtures.Numeric(name);
        var data = new MLContext(0).Data.LoadFromEnumerable(c.Doubles("reference").Select(v => new Row { X = v }));

        var (_, record) = DatasetProfiler.Run(data, profile: true, CancellationToken.None);
        var column = new ColumnProfile(record!.Columns.Single());

        Assert.That(column.Numeric!.BinCounts, Is.EqualTo(c.GetProperty("profile").Longs("bin_counts")));
        Assert.That(column.Numeric.BinEdges, Is.EqualTo(c.GetProperty("profile").Doubles("bin_edges")).Within(1e-9));
    }

    [Test]
    public void Numeric_MeanShiftOfHalfAStandardDeviation_Drifts()
    {
        var drift = DriftDetector.Numeric("x", Gaussian(1, 2_000, 0), Gaussian(2, 2_000, 0.5));

        Assert.That(drift.Status, Is.EqualTo(DriftStatus.Drifted), drift.Reason);
        Assert.That(drift.KolmogorovSmirnov!.Statistic, Is.GreaterThan(0.15));
        Assert.That(drift.NormalizedWasserstein, Is.EqualTo(0.5).Within(0.1));
    }

    /// <summary>
    /// 500 seeded repetitions without a shift (200 rows on each side, where the KS test's critical D, 0.14, is above
    /// the 0.1 minimum, so the exact test's own size applies: P(D ≥ 0.14) = 0.0396, D being a multiple of 1/200): the
    /// share flagged is within three binomial standard deviations (±0.029) of the nominal 5 %.
    /// </summary>
    [Test]
    public void Numeric_NoShift_FlagsAtTheNominalRate()
    {
        const int repetitions = 500;
        var flagged = 0;
        for (var i = 0; i < repetitions; i++)
        {
            if (DriftDetector.Numeric("x", Gaussian(10 + (2 * i), 200, 0), Gaussian(11 + (2 * i), 200, 0)).IsDrifted)
            {
                flagged++;
            }
        }

        var tolerance = 3 * Math.Sqrt(0.05 * 0.95 / repetitions);
        TestContext.Out.WriteLine($"numeric, no shift: {flagged} of {repetitions} flagged");
        Assert.That((double)flagged / repetitions, Is.EqualTo(0.05).Within(tolerance));
    }

    [Test]
    public void Categorical_NoShift_FlagsAtMostAtTheNominalRate()
    {
        const int repetitions = 500;
        var random = new Random(42);
        double[] shares = [0.5, 0.3, 0.15, 0.05];
        var flagged = 0;
        for (var i = 0; i < repetitions; i++)
        {
            if (DriftDetector.Categorical("c", Draw(random, shares, 300), Draw(random, shares, 300)).IsDrifted)
            {
                flagged++;
            }
        }

        var tolerance = 3 * Math.Sqrt(0.05 * 0.95 / repetitions);
        TestContext.Out.WriteLine($"categorical, no shift: {flagged} of {repetitions} flagged");
        Assert.That((double)flagged / repetitions, Is.LessThanOrEqualTo(0.05 + tolerance));
    }

    [Test]
    public void Numeric_MillionRowsTinyShift_SampleSizeRuleKeepsItStable()
    {
        var reference = Gaussian(3, 1_000_000, 0);
        var tiny = DriftDetector.Numeric("x", reference, Gaussian(4, 1_000_000, 0.02));
        var real = DriftDetector.Numeric("x", reference, Gaussian(5, 1_000_000, 0.5));
        var withoutRule = DriftDetector.Numeric("x", reference, Gaussian(4, 1_000_000, 0.02), new DriftOptions { KolmogorovSmirnovMinStatistic = 0 });

        Assert.That(tiny.KolmogorovSmirnov!.PValue, Is.LessThan(0.05), "a million rows make a 0.02 sd shift significant");
        Assert.That(tiny.Status, Is.EqualTo(DriftStatus.Stable), tiny.Reason);
        Assert.That(real.Status, Is.EqualTo(DriftStatus.Drifted), real.Reason);
        Assert.That(withoutRule.Status, Is.EqualTo(DriftStatus.Drifted), "without the rule, the negligible shift is flagged");
    }

    [Test]
    public void Categorical_MillionRowsTinyShift_SampleSizeRuleKeepsItStable()
    {
        var reference = new Dictionary<string, long> { ["a"] = 500_000, ["b"] = 300_000, ["c"] = 200_000 };
        var tiny = DriftDetector.Categorical("c", reference, new Dictionary<string, long> { ["a"] = 505_000, ["b"] = 297_000, ["c"] = 198_000 });
        var real = DriftDetector.Categorical("c", reference, new Dictionary<string, long> { ["a"] = 350_000, ["b"] = 350_000, ["c"] = 300_000 });

        Assert.That(tiny.ChiSquare!.PValue, Is.LessThan(0.05));
        Assert.That(tiny.Status, Is.EqualTo(DriftStatus.Stable), tiny.Reason);
        Assert.That(real.Status, Is.EqualTo(DriftStatus.Drifted), real.Reason);
    }

    [Test]
    public void Numeric_AgainstProfile_FlagsAShiftAndNotTheSameDistribution()
    {
        var reference = Gaussian(6, 20_000, 0);
        var data = new MLContext(0).Data.LoadFromEnumerable(reference.Select(v => new Row { X = v }));
        var column = new ColumnProfile(DatasetProfiler.Run(data, profile: true, CancellationToken.None).Profile!.Columns.Single());

        var same = DriftDetector.Numeric(column, Gaussian(7, 2_000, 0));
        var shifted = DriftDetector.Numeric(column, Gaussian(8, 2_000, 0.5));

        Assert.That(same.Status, Is.EqualTo(DriftStatus.Stable), same.Reason);
        Assert.That(shifted.Status, Is.EqualTo(DriftStatus.Drifted), shifted.Reason);
        Assert.That(shifted.FromProfile, Is.True);
        Assert.That(shifted.Wasserstein, Is.EqualTo(DriftStatistics.Wasserstein(reference, Gaussian(8, 2_000, 0.5))).Within(0.05));
    }

    [Test]
    public void Categorical_AgainstProfile_UsesTopValuesAndOther()
    {
        var record = new ColumnProfileRecord
        {
            Name = "colour",
            Type = "String",
            Count = 1_000,
            Categorical = new CategoricalProfileRecord
            {
                Cardinality = 30,
                Top = [new() { Value = "red", Count = 500 }, new() { Value = "blue", Count = 300 }],
            },
        };
        var column = new ColumnProfile(record);
        var live = new Dictionary<string, long> { ["red"] = 250, ["blue"] = 150, ["pink"] = 60, ["teal"] = 40, [string.Empty] = 7 };

        var (categories, r, l) = DriftStatistics.ProfileCategories(column, new Dictionary<string, long> { ["red"] = 250, ["blue"] = 150, ["pink"] = 60, ["teal"] = 40 });
        var drift = DriftDetector.Categorical(column, live);

        Assert.That(categories, Is.EqualTo(new[] { "red", "blue", DriftStatistics.OtherCategory }));
        Assert.That(r, Is.EqualTo(new long[] { 500, 300, 200 }));
        Assert.That(l, Is.EqualTo(new long[] { 250, 150, 100 }));
        Assert.That(drift.Status, Is.EqualTo(DriftStatus.Stable), drift.Reason);
        Assert.That(drift.LiveMissing, Is.EqualTo(7));
        Assert.That(drift.ChiSquare!.Statistic, Is.EqualTo(0).Within(1e-12));
    }

    [Test]
    public void Numeric_ConstantReference_SameValueIsStableAnotherDrifts()
    {
        double[] reference = [.. Enumerable.Repeat(5.0, 300)];
        var data = new MLContext(0).Data.LoadFromEnumerable(reference.Select(v => new Row { X = v }));
        var column = new ColumnProfile(DatasetProfiler.Run(data, profile: true, CancellationToken.None).Profile!.Columns.Single());
        double[] same = [.. Enumerable.Repeat(5.0, 200)], other = [.. Enumerable.Repeat(6.0, 200)];

        Assert.Multiple(() =>
        {
            Assert.That(DriftDetector.Numeric("x", reference, same).Status, Is.EqualTo(DriftStatus.Stable));
            Assert.That(DriftDetector.Numeric("x", reference, other).Status, Is.EqualTo(DriftStatus.Drifted));
            Assert.That(DriftDetector.Numeric(column, same).Status, Is.EqualTo(DriftStatus.Stable));
            Assert.That(DriftDetector.Numeric(column, other).Status, Is.EqualTo(DriftStatus.Drifted));
            Assert.That(DriftDetector.Numeric(column, other).Wasserstein, Is.EqualTo(1).Within(1e-12));
            Assert.That(DriftDetector.Numeric(column, other).NormalizedWasserstein, Is.EqualTo(double.PositiveInfinity));
        });
    }

    [Test]
    public void Report_SharesOfDriftedFeatures_SkipsNotEvaluated()
    {
        var reference = Gaussian(9, 1_000, 0);
        var features = new[]
        {
            DriftDetector.Numeric("a", reference, Gaussian(10, 1_000, 1)),
            DriftDetector.Numeric("b", reference, Gaussian(11, 1_000, 0)),
            DriftDetector.Numeric("c", reference, [double.NaN, double.NaN]),
        };

        var report = DriftDetector.Report(features);

        Assert.That(features[2].Status, Is.EqualTo(DriftStatus.NotEvaluated));
        Assert.That(features[2].LiveMissing, Is.EqualTo(2));
        Assert.That(report.DriftedShare, Is.EqualTo(0.5));
        Assert.That(report.IsDrifted, Is.True);
        Assert.That(report.Drifted.Select(f => f.Feature), Is.EqualTo(new[] { "a" }));
    }

    [Test]
    public void Statistics_BadInput_ThrowArgumentExceptionNamingTheProblem()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => DriftStatistics.KolmogorovSmirnov([], [1.0]), Throws.ArgumentException.With.Message.Contains("empty"));
            Assert.That(() => DriftStatistics.Wasserstein([1.0, double.NaN], [1.0]), Throws.ArgumentException.With.Message.Contains("NaN"));
            Assert.That(() => DriftStatistics.PopulationStabilityIndex([1.0, 2.0], [double.PositiveInfinity]), Throws.ArgumentException.With.Message.Contains("finite"));
            Assert.That(() => DriftStatistics.ChiSquare([1, 2, 3], [1, 2]), Throws.ArgumentException.With.Message.Contains("aligned"));
            Assert.That(() => DriftStatistics.JensenShannonDistance([1, -2], [1, 2]), Throws.ArgumentException.With.Message.Contains("negative"));
            Assert.That(() => DriftStatistics.ChiSquare([0, 0], [1, 2]), Throws.ArgumentException.With.Message.Contains("sum to zero"));
            Assert.That(() => DriftStatistics.KolmogorovSmirnovPValue(1.5, 10, 10), Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(() => DriftStatistics.QuantileBinEdges([1.0], 1), Throws.TypeOf<ArgumentOutOfRangeException>());
        });
    }

    [Test]
    public void Detector_BadOptions_ThrowOptionsValidationException()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => DriftDetector.Numeric("x", [1.0], [1.0], new DriftOptions { KolmogorovSmirnovPValue = 0, Bins = 1 }));

        Assert.That(ex!.Failures, Has.Some.Contains(nameof(DriftOptions.KolmogorovSmirnovPValue)));
        Assert.That(ex.Failures, Has.Some.Contains(nameof(DriftOptions.Bins)));
    }

    [Test]
    public void KolmogorovSmirnovPValue_KnownPoints_MatchTheKolmogorovDistribution()
    {
        // P(K > λ) at λ = 1.3581 is 0.05 and at λ = 1.6276 is 0.01 (tables of the Kolmogorov distribution); both series.
        Assert.That(DriftStatistics.KolmogorovSurvival(1.3581), Is.EqualTo(0.05).Within(1e-4));
        Assert.That(DriftStatistics.KolmogorovSurvival(1.6276), Is.EqualTo(0.01).Within(1e-4));
        Assert.That(DriftStatistics.KolmogorovSurvival(1.17999), Is.EqualTo(DriftStatistics.KolmogorovSurvival(1.18)).Within(1e-5));
        Assert.That(DriftStatistics.KolmogorovSurvival(0.1), Is.EqualTo(1));
    }

    private static ColumnProfile Profile(double[] reference, double[] edges, long[] counts)
        => new(new ColumnProfileRecord
        {
            Name = "x",
            Type = "Double",
            Count = reference.Length,
            Numeric = new NumericProfileRecord
            {
                Mean = reference.Average(),
                StandardDeviation = Math.Sqrt(reference.Sum(v => (v - reference.Average()) * (v - reference.Average())) / (reference.Length - 1)),
                Min = reference.Min(),
                Max = reference.Max(),
                BinEdges = [.. edges],
                BinCounts = [.. counts],
            },
        });

    private static double[] Gaussian(int seed, int count, double mean)
    {
        var values = new double[count];
        Normal.Samples(new Random(seed), values, mean, 1);
        return values;
    }

    private static Dictionary<string, long> Draw(Random random, double[] shares, int count)
    {
        var counts = new Dictionary<string, long>();
        for (var i = 0; i < count; i++)
        {
            var u = random.NextDouble();
            var k = 0;
            while (k < shares.Length - 1 && (u -= shares[k]) > 0)
            {
                k++;
            }

            var key = ((char)('a' + k)).ToString();
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return counts;
    }

    private sealed class Row
    {
        public double X { get; set; }
    }
}
