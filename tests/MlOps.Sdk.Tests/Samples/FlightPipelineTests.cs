using System.Diagnostics;
using MlOps.Sdk.Testing;

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

        Assert.That(Lines(first, "Ran"), Is.EqualTo(new[] { "clean", "featurize", "train", "evaluate" }));
        Assert.That(Lines(second, "Reused"), Is.EqualTo(new[] { "flights", "clean", "featurize", "train", "evaluate" }));
        Assert.That(Lines(plan, "Ran"), Is.EqualTo(new[] { "train", "evaluate" }), "a new Leaves value touches train and what reads it");
        Assert.That(Lines(variant, "Ran"), Is.EqualTo(new[] { "clean", "featurize", "train", "evaluate" }), "short-haul filters other rows: everything after the data differs");
        Assert.That(bad, Does.Contain("no variant 'long-haul'").And.Contain("short-haul"));
        Assert.That(reproduced, Does.Contain("outputs identical"));
    }

    private static string[] Lines(string output, string status)
        => [.. output.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(p => p.Length > 1 && p[1] == status).Select(p => p[0])];

    private async Task<string> RunAsync(int expectedExitCode, params string[] arguments)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = Path.Combine(RepositoryPaths.Root, "samples", "FlightPipeline", "bin", configuration, "net10.0", "FlightPipeline.dll");
        var start = new ProcessStartInfo("dotnet", [dll, .. arguments]) { WorkingDirectory = _folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cancel.Token);
        Assert.That(process.ExitCode, Is.EqualTo(expectedExitCode), $"{await output}\n{await errors}");
        return (await output).ReplaceLineEndings("\n");
    }
}
