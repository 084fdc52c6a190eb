using System.Diagnostics;
using System.Globalization;
using System.Text;
using MlOps.Sdk.Search;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests.Search.Samplers;

/// <summary>
/// Search quality on standard test functions: the median, over <see cref="Seeds"/> seeds, of the best value found in
/// <see cref="Trials"/> sequential trials. TPE (one by one, and multivariate) must beat random search on every function.
/// The same figures make docs/search-quality.md (checked, and regenerated, by <see cref="QualityTable_InTheDocs_IsTheOneTheTestsCompute"/>).
/// </summary>
public sealed class SamplerQualityTests
{
    private const int Seeds = 10;
    private const int Trials = 100;

    private static readonly Lazy<IReadOnlyDictionary<string, QualityRow>> Rows = new(() => TestFunctions.All.ToDictionary(f => f.Name, Measure));

    private static IEnumerable<TestFunction> Functions => TestFunctions.All;

    [TestCaseSource(nameof(Functions))]
    public void Tpe_MedianBestAt100Trials_BeatsRandom(TestFunction function)
    {
        var row = Rows.Value[function.Name];
        TestContext.Out.WriteLine(row.ToMarkdown());

        Assert.That(row.Tpe, Is.LessThan(row.Random), "TPE (independent) against random");
        Assert.That(row.TpeMultivariate, Is.LessThan(row.Random), "TPE (multivariate) against random");
        Assert.That(row.Tpe, Is.GreaterThanOrEqualTo(function.Optimum - 1e-4), "no value below the known optimum");
    }

    /// <summary>
    /// docs/search-quality.md shows the figures these tests compute: it fails when they drift apart. With the environment
    /// variable <c>MLOPS_WRITE_DOCS=1</c> it writes the page instead.
    /// </summary>
    [Test]
    public void QualityTable_InTheDocs_IsTheOneTheTestsCompute()
    {
        var watch = Stopwatch.StartNew();
        var rows = Rows.Value;
        var text = new StringBuilder();
        text.AppendLine("# Search quality: TPE against random search");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"The median, over {Seeds} seeds (0 to {Seeds - 1}), of the best value found in {Trials} sequential trials (smaller is better).");
        text.AppendLine("Each run asks the sampler for a trial's parameters (one float parameter per dimension, the function's box), evaluates the");
        text.AppendLine("function and tells the sampler a complete trial, without the study machinery (`SamplerDriver` in");
        text.AppendLine("tests/MlOps.Sdk.Tests/Search/Samplers/TestFunctions.cs). Samplers use their defaults (TPE: 10 random startup trials,");
        text.AppendLine("24 candidates, constant liar) with `Seed` set. `SamplerQualityTests` asserts that both TPE columns beat random on");
        text.AppendLine("every row; the figures are deterministic.");
        text.AppendLine();
        text.AppendLine("| function | dims | optimum | random | TPE | TPE multivariate |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var function in TestFunctions.All)
        {
            text.AppendLine(rows[function.Name].ToMarkdown());
        }

        text.AppendLine();
        text.AppendLine("A test checks that this page shows the figures the tests compute; regenerate it after a change to the samplers with:");
        text.AppendLine();
        text.AppendLine("```sh");
        text.AppendLine("MLOPS_WRITE_DOCS=1 dotnet test tests/MlOps.Sdk.Tests --filter \"Name=QualityTable_InTheDocs_IsTheOneTheTestsCompute\"");
        text.AppendLine("```");
        var path = Path.Combine(RepositoryPaths.Root, "docs", "search-quality.md");
        var expected = text.ToString().ReplaceLineEndings("\n");
        if (Environment.GetEnvironmentVariable("MLOPS_WRITE_DOCS") == "1")
        {
            File.WriteAllText(path, expected);
            TestContext.Out.WriteLine($"{path} written in {watch.Elapsed.TotalSeconds:F1} s");
        }

        Assert.That(File.ReadAllText(path).ReplaceLineEndings("\n"), Is.EqualTo(expected), "docs/search-quality.md is out of date: regenerate it (see the page's last lines)");
        Assert.That(File.ReadAllText(path), Does.Contain("| Hartmann-6 |"));
    }

    private static QualityRow Measure(TestFunction function)
    {
        double Median(Func<int, Sampler> create)
        {
            var bests = Enumerable.Range(0, Seeds).Select(seed => SamplerDriver.Best(SamplerDriver.Run(create(seed), function, Trials))).Order().ToArray();
            return (bests[(Seeds - 1) / 2] + bests[Seeds / 2]) / 2;
        }

        return new QualityRow(
            function,
            Median(seed => new RandomSampler(new RandomSamplerOptions { Seed = seed })),
            Median(seed => new TpeSampler(new TpeSamplerOptions { Seed = seed })),
            Median(seed => new TpeSampler(new TpeSamplerOptions { Seed = seed, Multivariate = true })));
    }

    private sealed record QualityRow(TestFunction Function, double Random, double Tpe, double TpeMultivariate)
    {
        public string ToMarkdown() => string.Create(
            CultureInfo.InvariantCulture,
            $"| {Function.Name} | {Function.Dimensions} | {Function.Optimum:0.#####} | {Random:0.####} | {Tpe:0.####} | {TpeMultivariate:0.####} |");
    }
}
