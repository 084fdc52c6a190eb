
namespace MlOps.Sdk.Tests.Samples;

/// <summary>The pipeline sample as a user runs it from the command line: cached reruns, a plan, a variant, a reproduction.</summary>
public sealed class FlightPipelineTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("mlops-pipeline-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task Sample_RunsOnce_ReusesEverythingTheSecondTime_PlansAChange_RunsAVariant_AndReproduces()
    {
        var first = await RunAsync(0, "run");
        var second = await RunAsync(0, "run");
        var plan = await RunAsync(0, "plan", "--set", "Leaves=32");
        var variant = await RunAsync(0, "run", "--variant", "short-haul");
        var bad = await RunAsync(2, "run", "--variant", "long-haul");
        var runId = first.Split('\n').Single(l => l.StartsWith("run ", StringComparison.Ordinal))[4..].Trim();
        var reproduced = await RunAsync(0, "reproduce", runId);

        Assert.That(Lines(first, "Ran"), Is.EqualTo(new[] { "clean", "train-set", "test-set", "train", "evaluate" }));
        Assert.That(Lines(second, "Reused"), Is.EqualTo(new[] { "flights", "clean", "train-set", "test-set", "train", "evaluate" }));
        Assert.That(Lines(plan, "Ran"), Is.EqualTo(new[] { "train", "evaluate" }), "a new Leaves value touches train and what reads it");
        Assert.That(Lines(variant, "Ran"), Is.EqualTo(new[] { "clean", "train-set", "test-set", "train", "evaluate" }), "short-haul filters other rows: everything after the data differs");
        Assert.That(bad, Does.Contain("no variant 'long-haul'").And.Contain("short-haul"));
        Assert.That(reproduced, Does.Contain("outputs identical"));
        Assert.That(first, Does.Contain("registered models:/flight-delays/1: test AUC 0."));
        Assert.That(second, Does.Contain("registered models:/flight-delays/2: test AUC 0."), "a reused run registers the same model, with its evaluation");
        Assert.That(variant, Does.Contain("registered models:/flight-delays-short-haul/1: test AUC 0."), "the variant registers its own model");
    }

    [Test]
    public async Task TheCommandLine_ReusesWhatTheQuickStartRan_OneDefinitionOneCache()
    {
        var quickStart = await RunAsync("QuickStart", 0);
        var commandLine = await RunAsync("FlightPipeline", 0, "run", "--set", "Leaves=16");

        Assert.That(quickStart, Does.Contain("clean reused, train-set reused, test-set reused, train ran, evaluate ran"), "the QuickStart's second model reuses the first one's data steps");
        Assert.That(Lines(commandLine, "Reused"), Is.EqualTo(new[] { "flights", "clean", "train-set", "test-set", "train", "evaluate" }), "the same pipeline with the same options and data: nothing runs again, whichever program asks");
    }

    private static string[] Lines(string output, string status)
        => [.. output.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(p => p.Length > 1 && p[1] == status).Select(p => p[0])];

    private Task<string> RunAsync(int expectedExitCode, params string[] arguments) => RunAsync("FlightPipeline", expectedExitCode, arguments);

    private Task<string> RunAsync(string sample, int expectedExitCode, params string[] arguments) => SampleProcess.RunAsync(sample, _folder, TimeSpan.FromMinutes(3), expectedExitCode, arguments);
}
