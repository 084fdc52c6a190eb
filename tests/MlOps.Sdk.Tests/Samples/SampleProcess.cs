using System.Diagnostics;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests.Samples;

/// <summary>Runs a sample as a user does, as a process of its own in a folder of the test's: its output, its exit code checked.</summary>
internal static class SampleProcess
{
    /// <summary>The built sample's entry assembly, in the test's own configuration (Debug or Release).</summary>
    public static string Dll(string sample)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var path = Path.Combine(RepositoryPaths.Root, "samples", sample, "bin", configuration, "net10.0", $"{sample}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"The sample is not built at '{path}'.", path);
    }

    /// <summary>Runs <c>dotnet {sample}.dll {arguments}</c> to its end; asserts the exit code and returns standard output.</summary>
    public static Task<string> RunAsync(string sample, string folder, TimeSpan timeout, int expectedExitCode = 0, params string[] arguments)
        => RunDotnetAsync([Dll(sample), .. arguments], folder, timeout, expectedExitCode, environment: null);

    /// <summary>Runs <c>dotnet {arguments}</c> to its end (killing it and what it started on timeout); asserts the exit code and returns standard output.</summary>
    public static Task<string> RunDotnetAsync(IReadOnlyList<string> arguments, string folder, TimeSpan timeout, int expectedExitCode = 0, IReadOnlyDictionary<string, string>? environment = null)
        => RunProcessAsync("dotnet", arguments, folder, timeout, expectedExitCode, environment);

    /// <summary>Runs <c>{executable} {arguments}</c> to its end (killing it and what it started on timeout); asserts the exit code and returns standard output.</summary>
    public static async Task<string> RunProcessAsync(string executable, IReadOnlyList<string> arguments, string folder, TimeSpan timeout, int expectedExitCode = 0, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(executable, arguments) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.That(process.ExitCode, Is.EqualTo(expectedExitCode), $"{await output}\n{await errors}");
        return (await output).ReplaceLineEndings("\n");
    }
}
