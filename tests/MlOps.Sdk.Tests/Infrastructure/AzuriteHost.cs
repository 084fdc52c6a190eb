using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests.Infrastructure;

/// <summary>
/// The one Azurite server of the test run, started by the first test that needs it and stopped when the run ends.
/// Under CI (<c>CI=true</c>) or <c>MLOPS_REQUIRE_AZURITE=1</c> (set by build/test.sh), an Azurite that cannot start fails
/// the tests that need it; elsewhere they are reported as skipped with the reason, for a developer who has not run npm.
/// </summary>
public static class AzuriteHost
{
    private static readonly Lazy<Task<AzuriteServer>> Server = new(() => AzuriteServer.StartAsync());
    private static readonly HashSet<string> Served = [];

    /// <summary>Gets the number of tests that used Azurite in this run.</summary>
    public static int TestsServed
    {
        get
        {
            lock (Served)
            {
                return Served.Count;
            }
        }
    }

    /// <summary>Gets whether a missing Azurite must fail the run.</summary>
    public static bool Required =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
        || Environment.GetEnvironmentVariable("MLOPS_REQUIRE_AZURITE") == "1";

    /// <summary>Returns the running server, starting it on first use; fails or skips the calling test when it cannot start.</summary>
    /// <returns>The server.</returns>
    public static async Task<AzuriteServer> GetAsync()
    {
        try
        {
            var server = await Server.Value;
            lock (Served)
            {
                Served.Add(TestContext.CurrentContext.Test.FullName);
            }

            return server;
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidOperationException)
        {
            if (Required)
            {
                Assert.Fail($"Azurite is required here (CI or build/test.sh) but could not start: {ex.Message}");
            }

            Assert.Ignore($"Azurite is not available, so this Azure Blob test did not run: {ex.Message}");
            throw;
        }
    }

    /// <summary>
    /// Stops the server if it was started, and writes the names of the tests it served to the file named by
    /// <c>MLOPS_AZURITE_REPORT</c> (build/test.sh reports how many of them passed).
    /// </summary>
    /// <returns>A task that completes when it has stopped.</returns>
    public static async Task StopAsync()
    {
        if (Environment.GetEnvironmentVariable("MLOPS_AZURITE_REPORT") is { Length: > 0 } report)
        {
            string[] names;
            lock (Served)
            {
                names = [.. Served.Order(StringComparer.Ordinal)];
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(report))!);
            await File.WriteAllLinesAsync(report, names);
        }

        if (Server.IsValueCreated && Server.Value.IsCompletedSuccessfully)
        {
            await (await Server.Value).DisposeAsync();
        }
    }
}
