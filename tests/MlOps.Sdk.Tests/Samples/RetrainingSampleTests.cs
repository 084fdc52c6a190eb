using System.Diagnostics;
using MlOps.Sdk.Retraining;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests.Samples;

/// <summary>samples/Retraining as a user runs it: a worker service replaying six months of real flights as new data.</summary>
public sealed class RetrainingSampleTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("mlops-retraining-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task MonthByMonthReplay_PromotesAndRejects_WithTheReasonsRecorded()
    {
        var output = await RunAsync();

        var client = new MlOpsClient(new FileSystemObjectStore(Path.Combine(_folder, ".mlops")));
        var attempts = await client.Retraining.GetAttemptsAsync("flight-delays");
        Assert.That(attempts, Has.Count.EqualTo(6), "one attempt per month");
        Assert.That(attempts.Count(a => a.Outcome == RetrainingOutcome.Promoted), Is.GreaterThanOrEqualTo(2), "the first month, and at least one better later one");
        Assert.That(attempts.Count(a => a.Outcome == RetrainingOutcome.Rejected), Is.GreaterThanOrEqualTo(1));
        Assert.That(attempts.Where(a => a.Outcome == RetrainingOutcome.Rejected).Select(a => a.Reason), Has.All.StartWith("not better: auc").Or.StartWith("guard log-loss regressed"));
        Assert.That(attempts.Where(a => a.Outcome == RetrainingOutcome.Promoted).Skip(1).Select(a => a.Reason), Has.All.StartWith("better: auc"));
        var production = (await client.Models.GetAliasesAsync("flight-delays"))["production"];
        Assert.That(production, Is.EqualTo(attempts.Last(a => a.Outcome == RetrainingOutcome.Promoted).Challenger));
        var trainedOn = (await client.Models.GetAsync(MlOps.Sdk.Models.ModelRef.ForVersion("flight-delays", production))).Datasets.Single(d => d.Context == "training").Uri;
        Assert.That(output, Does.Contain($"version {production} promoted").And.Contain(" rejected: "));
        Assert.That(trainedOn, Does.StartWith("datasets:/flights-monthly/"), "production was trained on one month's data");
    }

    private async Task<string> RunAsync()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = Path.Combine(RepositoryPaths.Root, "samples", "Retraining", "bin", configuration, "net10.0", "Retraining.dll");
        var start = new ProcessStartInfo("dotnet", [dll]) { WorkingDirectory = _folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.That(process.ExitCode, Is.Zero, $"{await output}\n{await errors}");
        return await output;
    }
}
