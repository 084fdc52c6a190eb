using System.Text.RegularExpressions;
using MlOps.Sdk.Search;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests.Samples;

/// <summary>The hyperparameter-search sample as a user runs it: a search that goes on where it was, and the same program as a Katib trial.</summary>
public sealed class HyperparameterSearchTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("mlops-hps-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task Sample_SearchesInParallel_GoesOnWhereItWas_AndRegistersTheBestModel()
    {
        var first = await RunAsync("--trials", "4", "--parallelism", "2");
        var second = await RunAsync("--trials", "2");

        var client = new MlOpsClient(new FileSystemObjectStore(Path.Combine(_folder, ".mlops")));
        var study = await client.Studies.OpenAsync("flight-delays-lightgbm", new StudyOptions { Direction = StudyDirection.Maximize });
        var trials = await study.GetTrialsAsync();
        var versions = await client.Models.ListVersionsAsync("flight-delays-tuned").ToListAsync();
        var best = trials.Where(t => t.State == TrialState.Complete).MaxBy(t => t.Value)!;
        Assert.That(first, Does.Contain("4 trials run here").And.Contain("Registered models:/flight-delays-tuned/1"));
        Assert.That(second, Does.Contain("2 trials run here").And.Contain("says ORD->LAX"));
        Assert.That(trials.Select(t => t.Number), Is.EqualTo(Enumerable.Range(0, 6)), "the second run went on with the same study");
        Assert.That(trials.All(t => t.State == TrialState.Complete && t.Value is > 0.5 and < 1), Is.True);
        Assert.That(versions[^1].SourceRunId, Is.EqualTo(best.RunId), "the registered model is the best trial's");
        Assert.That(versions[^1].Datasets.Select(d => (d.Uri, d.Context)), Is.EqualTo(new[] { ("datasets:/flights/1", "training") }), "and names the data it was trained on");

        // Each trial runs the flight-delay pipeline under its run: the data steps ran for the first trials only.
        var cleanRuns = await client.Runs.SearchAsync(new MlOps.Sdk.Tracking.RunQuery { Experiments = { "flight-delays-lightgbm" }, Filter = "tags.mlops.step = 'clean'" }).ToListAsync();
        var trainRuns = await client.Runs.SearchAsync(new MlOps.Sdk.Tracking.RunQuery { Experiments = { "flight-delays-lightgbm" }, Filter = "tags.mlops.step = 'train'" }).ToListAsync();
        Assert.That(cleanRuns, Has.Count.EqualTo(6), "one pipeline run per trial");
        Assert.That(cleanRuns.Count(r => r.Tags["mlops.step.cache"] == "miss"), Is.InRange(1, 2), "clean ran for the first trial (two, when the first two ran at once); every other trial reused it");
        Assert.That(trainRuns.Count(r => r.Tags["mlops.step.cache"] == "miss"), Is.EqualTo(6), "each trial's parameters train their own model");
    }

    [Test]
    public async Task Sample_AsAKatibTrial_TakesItsParametersFromTheCommandLine_AndPrintsTheMetricKatibReads()
    {
        var output = await RunAsync("--katib-trial", "--leaves=16", "--learning_rate=0.1", "--min_leaf=20", "--iterations=40");

        var katib = new Regex(@"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)", RegexOptions.CultureInvariant);
        var metrics = katib.Matches(output).Where(m => m.Groups[2].Value.Length > 0).ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(metrics.Keys, Is.EqualTo(new[] { "auc" }));
        Assert.That(metrics["auc"], Is.InRange(0.5, 1.0));
    }

    private Task<string> RunAsync(params string[] arguments) => SampleProcess.RunAsync("HyperparameterSearch", _folder, TimeSpan.FromMinutes(3), 0, arguments);
}
