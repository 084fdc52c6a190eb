using MlOps.Sdk.Storage;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Tracking;

public sealed class ExperimentCatalogTests
{
    private MlOpsClient _client = null!;

    [SetUp]
    public void SetUp() => _client = TrackingClients.Create(new InMemoryObjectStore());

    [Test]
    public async Task CreateAsync_ThenGetListDeleteRestore_KeepsTheExperiment()
    {
        var created = await _client.Experiments.CreateAsync("churn", "Who leaves next month", new Dictionary<string, string> { ["owner"] = "ds-team" });
        var again = await _client.Experiments.CreateAsync("churn", "ignored: it exists");
        await _client.Experiments.CreateAsync("delays");
        await _client.Experiments.SetTagAsync("churn", "stage", "pilot");

        var deleted = await _client.Experiments.DeleteAsync("churn");
        var live = await _client.Experiments.ListAsync().Select(e => e.Name).ToListAsync();
        var all = await _client.Experiments.ListAsync(includeDeleted: true).Select(e => e.Name).ToListAsync();
        var startInDeleted = Assert.ThrowsAsync<ExperimentNotFoundException>(() => _client.Runs.StartAsync("churn"));
        var restored = await _client.Experiments.RestoreAsync("churn");

        Assert.That(created.Description, Is.EqualTo("Who leaves next month"));
        Assert.That(again.Description, Is.EqualTo("Who leaves next month"));
        Assert.That(created.CreatedBy, Is.EqualTo(Environment.UserName));
        Assert.That(deleted.IsDeleted, Is.True);
        Assert.That(live, Is.EqualTo(new[] { "delays" }));
        Assert.That(all, Is.EqualTo(new[] { "churn", "delays" }));
        Assert.That(startInDeleted!.IsDeleted, Is.True);
        Assert.That(startInDeleted.Message, Does.Contain("RestoreAsync"));
        Assert.That(restored.IsDeleted, Is.False);
        Assert.That(restored.Tags, Is.EquivalentTo(new Dictionary<string, string> { ["owner"] = "ds-team", ["stage"] = "pilot" }));
    }

    [Test]
    public void GetAsync_Unknown_ThrowsNamingIt()
    {
        var ex = Assert.ThrowsAsync<ExperimentNotFoundException>(() => _client.Experiments.GetAsync("nope"));

        Assert.That(ex!.Experiment, Is.EqualTo("nope"));
        Assert.That(ex.IsDeleted, Is.False);
        Assert.ThrowsAsync<ExperimentNotFoundException>(() => _client.Experiments.DeleteAsync("nope"));
    }

    [Test]
    public async Task StartAsync_ManyRunsCreatingOneExperimentAtOnce_CreateItOnce()
    {
        var runs = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _client.Runs.StartAsync("raced"))));
        foreach (var run in runs)
        {
            await run.DisposeAsync();
        }

        Assert.That(await _client.Experiments.ListAsync().Select(e => e.Name).ToListAsync(), Is.EqualTo(new[] { "raced" }));
    }
}
