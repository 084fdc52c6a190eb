using MlOps.Sdk.Retraining;
using MlOps.Sdk.Storage;

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

    private Task<string> RunAsync() => SampleProcess.RunAsync("Retraining", _folder, TimeSpan.FromMinutes(4));
}
