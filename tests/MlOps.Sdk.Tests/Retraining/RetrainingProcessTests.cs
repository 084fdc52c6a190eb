using MlOps.Sdk.Retraining;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using static MlOps.Sdk.Tests.Retraining.RetrainingScenario;

namespace MlOps.Sdk.Tests.Retraining;

/// <summary>Retrainers in OS processes of their own racing on one model, as on several machines sharing a store.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.Shared))]
public sealed class RetrainingProcessTests(StoreKind kind)
{
    private TestStore _test = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _client = TrackingClients.Create(_test.Store);
        await RegisterHoldoutAsync(_client);
        await RegisterPointsAsync(_client, Labels.Noisy);
        await _client.Retraining.Create(Policy()).RunOnceAsync(); // version 1 in production
    }

    [TearDown]
    public async Task TearDown() => await _test.DisposeAsync();

    [Test]
    public async Task ThreeProcessesSeeANewVersion_OneRetrains_ThenTwoRacingByHand_OneWins_AndTheHistoryStaysAChain()
    {
        await RegisterPointsAsync(_client, Labels.Clean);
        var passes = await RunTogetherAsync("retrain-pass", 3);

        Assert.That(passes, Has.Count.EqualTo(1), "one attempt for one new version, of three retrainers");
        Assert.That(passes[0].Split(' ')[1], Is.EqualTo("Promoted"));

        await _client.Retraining.RollbackAsync("points", "back to version 1, to race again");
        var race = await RunTogetherAsync("retrain-now", 2);

        var outcomes = race.Select(l => l.Split(' ')).ToList();
        Assert.That(outcomes.Select(o => o[1]).Order(), Is.EqualTo(new[] { "Promoted", "Rejected" }), "both beat version 1; the second to move production compared with the first's model and lost");
        var winner = outcomes.Single(o => o[1] == "Promoted");
        var loser = outcomes.Single(o => o[1] == "Rejected");
        Assert.That(loser[3], Is.EqualTo(winner[2]), "the loser's champion is the winner's version");
        Assert.That((await _client.Models.GetAliasesAsync("points"))["production"], Is.EqualTo(int.Parse(winner[2], System.Globalization.CultureInfo.InvariantCulture)));
        var history = await _client.Models.GetAliasHistoryAsync("points", "production");
        for (var i = 1; i < history.Count; i++)
        {
            Assert.That(history[i].From, Is.EqualTo(history[i - 1].To), "each change starts where the one before ended");
        }

        var attempts = await _client.Retraining.GetAttemptsAsync("points");
        Assert.That(attempts.Single(a => a.RunId == loser[4]).Reason, Does.StartWith("not better").And.Contain($"against version {winner[2]}"));
    }

    private async Task<List<string>> RunTogetherAsync(string command, int count)
    {
        var go = Path.Combine(Path.GetTempPath(), $"mlops-go-{Guid.NewGuid():N}");
        var workers = Enumerable.Range(0, count).Select(_ => WorkerProcess.Start(command, kind, _test.Target!, ("go", go))).ToList();
        try
        {
            await WorkerProcess.RunTogetherAsync(workers, go, TimeSpan.FromMinutes(3));
            return [.. workers.SelectMany(w => w.Lines).Where(l => l.StartsWith("ATTEMPT ", StringComparison.Ordinal))];
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
            File.Delete(go);
        }
    }
}
