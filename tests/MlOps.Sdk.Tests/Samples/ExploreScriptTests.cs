using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests.Samples;

/// <summary>samples/Explore/explore.cs as a user runs it: <c>dotnet run explore.cs</c>, a .NET 10 file-based app, on the same pipeline object as the samples.</summary>
public sealed class ExploreScriptTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("mlops-explore-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task Script_RunsUpToAStep_PreviewsIt_ThenReusesItInTheFullRun_AndAChangedParameterRerunsOnlyWhatItTouches()
    {
        var first = await RunScriptAsync(rebuild: true);
        var changed = await RunScriptAsync(rebuild: false, "32");

        Assert.That(Lines(first, "plan").Skip(1), Has.All.Contain("would run"), "a new store: every step would run");
        Assert.That(Lines(first, "row"), Has.Length.EqualTo(3).And.All.Contain("origin=").And.All.Contain("delay="), "a look at the training split");
        Assert.That(Lines(first, "run").Where(l => l.Contains("Reused")).Select(Step), Is.EqualTo(new[] { "flights", "clean", "train-set" }), "what the partial run made, the full run reuses");
        Assert.That(Lines(first, "run").Where(l => l.Contains(": Ran")).Select(Step), Is.EqualTo(new[] { "test-set", "train", "evaluate" }));
        Assert.That(first, Does.Match(@"16 leaves: test AUC 0\.\d{3}"));
        Assert.That(Lines(changed, "plan").Where(l => l.Contains("would run")).Select(Step), Is.EqualTo(new[] { "train", "evaluate" }), "32 leaves touches the model and what reads it, nothing else");
        Assert.That(changed, Does.Match(@"32 leaves: test AUC 0\.\d{3}"));
    }

    private static string[] Lines(string output, string prefix)
        => [.. output.Split('\n').Where(l => l.StartsWith(prefix + " ", StringComparison.Ordinal)).Select(l => l[prefix.Length..].Trim())];

    private static string Step(string line) => line[..line.IndexOf(':', StringComparison.Ordinal)];

    /// <summary>Runs the script; <paramref name="rebuild"/> builds it afresh (the SDK's file-based build cache missed changes in referenced projects in 10.0.100).</summary>
    private Task<string> RunScriptAsync(bool rebuild, params string[] arguments)
    {
        var script = Path.Combine(RepositoryPaths.Root, "samples", "Explore", "explore.cs");
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["MSBUILDDISABLENODEREUSE"] = "1", // no build server outliving the script with our output pipes open
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        };
        return SampleProcess.RunDotnetAsync(["run", .. (rebuild ? new[] { "--no-cache" } : []), script, "--", .. arguments], _folder, TimeSpan.FromMinutes(5), environment: environment); // the first run builds the script
    }
}
