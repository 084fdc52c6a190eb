using System.Text.RegularExpressions;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Monitoring;

namespace MlOps.Sdk.Tests.Samples;

/// <summary>
/// The monitoring sample as a user runs it after the QuickStart: the production model serves June's flights with
/// logging on, the delays come back as ground truth, and the check and the report say how it does.
/// </summary>
public sealed partial class MonitoringSampleTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("mlops-monitoring-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task Monitoring_MeasuresTheServedModelOnJune_AlertsOnItsAuc_AndWritesAReportThatOpens()
    {
        var without = await SampleProcess.RunAsync("Monitoring", _folder, TimeSpan.FromMinutes(2), expectedExitCode: 1);
        Assert.That(without, Does.Contain("run the QuickStart first"), "a clear message, not a stack trace");

        await SampleProcess.RunAsync("QuickStart", _folder, TimeSpan.FromMinutes(3));
        var output = await SampleProcess.RunAsync("Monitoring", _folder, TimeSpan.FromMinutes(3));

        var june = File.ReadLines(Path.Combine(RepositoryPaths.Root, "samples", "Retraining", "data", "flights-monthly.csv")).Count(l => l.StartsWith("2001/06", StringComparison.Ordinal));
        Assert.That(output, Does.Contain($"version 2 (production): {june} predictions, {june} with ground truth"), "every served prediction logged, every delay joined to its prediction by id");
        var auc = double.Parse(Auc().Match(output).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(auc, Is.InRange(0.55, 0.70), "a model of January to March on June's flights: better than chance, below the rule's 0.70");
        Assert.That(output, Does.Contain("ALERT auc-below: auc 0.").And.Contain($" < 0.7 for version 2 (production) on {june} predictions with ground truth"), "the rule's alert, with the live figure");
        Assert.That(output, Does.Contain("distance: stable").And.Contain("origin: stable").And.Contain("destination: stable").And.Contain("Probability: stable"), "June's inputs and outputs look like the training data's (docs/drift.md: the flights' inputs barely move across months)");

        var report = Path.Combine(_folder, "monitoring-report.html");
        Assert.That(File.Exists(report), Is.True);
        var dom = await HeadlessChromium.DumpDomAsync(report, TimeSpan.FromSeconds(60));
        Assert.That(dom, Does.Contain("data-script-errors=\"0\""), "the report's charts drew without a script error");
        Assert.That(dom, Does.Contain("flight-delays"));
    }

    [GeneratedRegex(@"auc (\d\.\d+)")]
    private static partial Regex Auc();
}
