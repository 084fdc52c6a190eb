using MlOps.Sdk.Tests.Infrastructure;

// No namespace: this set-up fixture wraps the whole test assembly.
#pragma warning disable CA1050

/// <summary>Starts nothing eagerly; reports and stops what the tests started.</summary>
[SetUpFixture]
public sealed class TestRun
{
    /// <summary>Stops Azurite and says how many tests used it.</summary>
    /// <returns>A task that completes when Azurite has stopped.</returns>
    [OneTimeTearDown]
    public async Task StopAsync()
    {
        TestContext.Progress.WriteLine($"Azurite served {AzuriteHost.TestsServed} tests in this run.");
        await AzuriteHost.StopAsync();
    }
}
