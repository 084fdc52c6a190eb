using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests;

/// <summary>The README shows code that compiles: its C# snippets are the samples' own, which the build compiles.</summary>
public sealed class ReadmeTests
{
    [TestCase("QuickStart/Program.cs", "quickstart")]
    [TestCase("HyperparameterSearch/Program.cs", "search")]
    [TestCase("FlightDelays/FlightDelayPipeline.cs", "pipeline")]
    [TestCase("Retraining/Program.cs", "retraining")]
    [TestCase("Monitoring/Program.cs", "monitoring")]
    public void Readme_Snippet_IsTheSamplesCode(string file, string region)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var program = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", file));

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

    /// <summary>The lines from the start marker's to the end marker, without the indentation they share (a region may sit in a class).</summary>
    private static string Region(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        var to = text.IndexOf(end, StringComparison.Ordinal);
        if (from < 0 || to < from)
        {
            return string.Empty;
        }

        from = text.LastIndexOf('\n', from) + 1;
        var lines = text[from..to].ReplaceLineEndings("\n").Split('\n');
        var indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart())).Trim();
    }
}
