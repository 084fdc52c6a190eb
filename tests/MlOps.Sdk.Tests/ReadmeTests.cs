using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests;

/// <summary>The README shows code that compiles: its C# snippets are the samples' own, which the build compiles.</summary>
public sealed class ReadmeTests
{
    [TestCase("QuickStart", "quickstart")]
    [TestCase("HyperparameterSearch", "search")]
    [TestCase("FlightPipeline", "pipeline")]
    public void Readme_Snippet_IsTheSamplesProgram(string sample, string region)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var program = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", sample, "Program.cs"));

        var snippet = Region(program, $"// <{region}>", $"// </{region}>");

        Assert.That(snippet, Is.Not.Empty);
        Assert.That(Region(readme, $"// <{region}>", $"// </{region}>"), Is.EqualTo(snippet));
    }

    [Test]
    public void Readme_NamesTheTwoCommands()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));

        Assert.That(readme, Does.Contain("dotnet run --project samples/QuickStart"));
        Assert.That(readme, Does.Contain("build/test.sh"));
        Assert.That(File.ReadAllText(Path.Combine(RepositoryPaths.Root, ".ci", "run")), Does.Contain("build/test.sh"));
    }

    private static string Region(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        var to = text.IndexOf(end, StringComparison.Ordinal);
        return from < 0 || to < from ? string.Empty : text[from..to].ReplaceLineEndings("\n").Trim();
    }
}
