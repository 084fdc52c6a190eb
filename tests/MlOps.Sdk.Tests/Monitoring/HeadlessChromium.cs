using MlOps.Sdk.Tests.Samples;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// Debian's chromium, run headless to open an HTML file and print the DOM after its scripts ran. build/test.sh installs
/// it (build/lib.sh install_chromium) and sets <c>MLOPS_REQUIRE_CHROMIUM=1</c>; there, or under CI (<c>CI=true</c>), a
/// missing chromium fails the test; elsewhere the test is reported as skipped with the reason.
/// </summary>
internal static class HeadlessChromium
{
    public static bool Required =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
        || Environment.GetEnvironmentVariable("MLOPS_REQUIRE_CHROMIUM") == "1";

    /// <summary>The chromium executable: <c>MLOPS_CHROMIUM</c>, or <c>chromium</c> / <c>chromium-browser</c> on PATH; fails or skips the calling test when there is none.</summary>
    public static string Executable()
    {
        var candidates = Environment.GetEnvironmentVariable("MLOPS_CHROMIUM") is { Length: > 0 } configured
            ? [configured]
            : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .SelectMany(folder => new[] { Path.Combine(folder, "chromium"), Path.Combine(folder, "chromium-browser") });
        if (candidates.FirstOrDefault(File.Exists) is { } found)
        {
            return found;
        }

        const string Why = "chromium is not installed (build/test.sh installs Debian's chromium package; or set MLOPS_CHROMIUM)";
        if (Required)
        {
            Assert.Fail($"{Why}: it is required here (CI or build/test.sh).");
        }

        Assert.Ignore($"{Why}, so the HTML report was not opened in a browser.");
        throw new InvalidOperationException(Why);
    }

    /// <summary>Opens a file in headless chromium and returns the DOM serialized after the page loaded and its scripts ran.</summary>
    public static async Task<string> DumpDomAsync(string htmlPath, TimeSpan timeout)
    {
        var executable = Executable();
        var profile = Directory.CreateTempSubdirectory("mlops-chromium-");
        try
        {
            string[] arguments =
            [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", $"--user-data-dir={profile.FullName}", "--virtual-time-budget=5000",
                "--dump-dom", new Uri(htmlPath).AbsoluteUri,
            ];
            var dom = await SampleProcess.RunProcessAsync(executable, arguments, profile.FullName, timeout);
            Assert.That(dom, Does.Contain("</html>"), "chromium printed the DOM");
            return dom;
        }
        finally
        {
            try
            {
                profile.Delete(recursive: true);
            }
            catch (IOException)
            {
                // chromium's helpers may still hold a file for a moment; the temp folder is cleaned up later.
            }
        }
    }
}
