using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests;

/// <summary>The README shows code that compiles: its C# sample is the QuickStart's, which the build compiles.</summary>
public sealed class ReadmeTests
{
    [Test]
    public void Readme_QuickStartSnippet_IsTheQuickStartProgram()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var program = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "QuickStart", "Program.cs"));

        var snippet = Region(program, "// <quickstart>", "// </quickstart>");

        Assert.That(snippet, Is.Not.Empty);
        Assert.That(Region(readme, "// <quickstart>", "// </quickstart>"), Is.EqualTo(snippet));
    }

    [Test]
    public void Readme_SearchSnippet_IsTheHyperparameterSearchSample()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var program = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "HyperparameterSearch", "Program.cs"));

        var snippet = Region(program, "// <search>", "// </search>");

        Assert.That(snippet, Is.Not.Empty);
        Assert.That(Region(readme, "// <search>", "// </search>"), Is.EqualTo(snippet));
    }

    [Test]
    public void Readme_PipelineSnippet_IsTheFlightPipelineSample()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var program = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "FlightPipeline", "Program.cs"));

        var snippet = Region(program, "// <pipeline>", "// </pipeline>");

        Assert.That(snippet, Is.Not.Empty);
        Assert.That(Region(readme, "// <pipeline>", "// </pipeline>"), Is.EqualTo(snippet));
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
