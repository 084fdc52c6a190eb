using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using MlOps.Sdk.Retraining;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tests.Infrastructure;
using static MlOps.Sdk.Tests.Retraining.RetrainingScenario;

namespace MlOps.Sdk.Tests.Retraining;

/// <summary>Schedules (an interval, cron), and a retrainer hosted as a background service.</summary>
public sealed class RetrainingScheduleTests
{
    [TestCase("0 3 * * 1", "2026-11-25T10:00", "2026-11-23T03:00", TestName = "Mondays at 03:00")]
    [TestCase("*/15 * * * *", "2026-11-25T10:07", "2026-11-25T10:00", TestName = "Every quarter hour")]
    [TestCase("30 2 1 * *", "2026-11-25T10:00", "2026-11-01T02:30", TestName = "The first of the month")]
    [TestCase("0 0 13 * 5", "2026-11-25T10:00", "2026-11-20T00:00", TestName = "The 13th or a Friday (both day fields restricted)")]
    [TestCase("0 9-17/4 * * 1-5", "2026-11-28T12:00", "2026-11-27T17:00", TestName = "Weekdays at 9, 13, 17 (a range with a step)")]
    [TestCase("0 0 * * 7", "2026-11-25T10:00", "2026-11-22T00:00", TestName = "Day of week 7 is Sunday")]
    [TestCase("0,30 * * * *", "2026-11-25T10:30", "2026-11-25T10:30", TestName = "A list, at the moment itself")]
    public void Cron_GivesTheLatestOccurrenceAtOrBefore(string expression, string at, string expected)
    {
        var moment = DateTimeOffset.Parse(at + "Z", System.Globalization.CultureInfo.InvariantCulture);

        Assert.That(CronSchedule.Parse(expression).GetPreviousOccurrence(moment), Is.EqualTo(DateTimeOffset.Parse(expected + "Z", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [TestCase("0 3 * *", "needs five")]
    [TestCase("61 * * * *", "minute field")]
    [TestCase("x * * * *", "not a number")]
    [TestCase("*/0 * * * *", "not a number")]
    [TestCase("0 5-1 * * *", "hour field")]
    [TestCase("0 0 31 2 *", null)]
    public void Cron_RefusesABadExpressionNamingTheField_OrFindsNoOccurrence(string expression, string? problem)
    {
        if (problem is null)
        {
            Assert.That(CronSchedule.Parse(expression).GetPreviousOccurrence(DateTimeOffset.UtcNow), Is.Null, "February 31st never comes");
            return;
        }

        Assert.That(Assert.Throws<FormatException>(() => CronSchedule.Parse(expression))!.Message, Does.Contain(problem).And.Contain(expression));
    }

    [Test]
    public async Task IntervalAndCronTriggers_FireOncePerSlot()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var client = CreateClient(new InMemoryObjectStore(), time);
        await RegisterHoldoutAsync(client);
        await RegisterPointsAsync(client, Labels.Clean);
        var daily = Policy();
        daily.Triggers.Clear();
        daily.Triggers.Add(RetrainingTrigger.Every(TimeSpan.FromDays(1)));
        daily.Triggers.Add(RetrainingTrigger.Cron("0 12 * * *"));
        var retrainer = client.Retraining.Create(daily);

        var first = await retrainer.RunOnceAsync();    // 10:00: today's daily slot, and yesterday's 12:00
        var again = await retrainer.RunOnceAsync();
        time.Advance(TimeSpan.FromHours(3));           // 13:00: today's 12:00
        var noon = await retrainer.RunOnceAsync();
        time.Advance(TimeSpan.FromDays(1));
        var tomorrow = await retrainer.RunOnceAsync();

        Assert.That(first.Select(a => a.Trigger), Is.EqualTo(new[] { RetrainingTriggerKind.Schedule, RetrainingTriggerKind.Schedule }));
        Assert.That(again, Is.Empty);
        Assert.That(noon, Has.Count.EqualTo(1));
        Assert.That(tomorrow, Has.Count.EqualTo(2));
        var reasons = new List<string>();
        foreach (var attempt in await client.Retraining.GetAttemptsAsync("points"))
        {
            reasons.Add((await client.Runs.GetAsync(attempt.RunId)).Tags["mlops.retraining.trigger_reason"]);
        }

        Assert.That(reasons, Does.Contain("every 1.00:00:00 (slot 2026-11-25 00:00:00Z)").And.Contain("cron '0 12 * * *' (2026-11-25 12:00:00Z)"));
    }

    [Test]
    public async Task HostedRetrainer_PicksUpRequestsInTheBackground_AndGoesOnAfterAFailedAttempt()
    {
        var store = new InMemoryObjectStore();
        var client = CreateClient(store, TimeProvider.System);
        await RegisterPointsAsync(client, Labels.Clean);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMlOps(options =>
        {
            options.Environment = "test";
            TrackingClients.Fast(options.Tracking);
        }).UseObjectStore(_ => store).AddRetraining("points", _ => RequestsOnly(), options => options.PollInterval = TimeSpan.FromMilliseconds(100));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            await client.Retraining.RequestAsync("points", "no holdout yet");
            var failed = await WaitForAttemptsAsync(client, 1);
            await RegisterHoldoutAsync(client);
            await client.Retraining.RequestAsync("points", "now with a holdout");
            var attempts = await WaitForAttemptsAsync(client, 2);

            Assert.That(failed.Single().Outcome, Is.EqualTo(RetrainingOutcome.Failed));
            Assert.That(failed.Single().Reason, Does.Contain("points-holdout"));
            Assert.That(attempts[1].Outcome, Is.EqualTo(RetrainingOutcome.Promoted), "the failure did not stop the hosted retrainer");
            Assert.That(host.Services.GetRequiredKeyedService<Retrainer<PointOptions>>("points").ModelName, Is.EqualTo("points"));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task<IReadOnlyList<RetrainingAttempt>> WaitForAttemptsAsync(MlOpsClient client, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var attempts = await client.Retraining.GetAttemptsAsync("points");
            if (attempts.Count >= count)
            {
                return attempts;
            }

            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"{count} attempts within a minute; {attempts.Count} so far");
            await Task.Delay(100);
        }
    }

    /// <summary>The scenario's policy without its dataset trigger: only requests start attempts, one at a time as the test asks.</summary>
    private static RetrainingPolicy<PointOptions> RequestsOnly()
    {
        var policy = Policy();
        policy.Triggers.Clear();
        return policy;
    }

    private static MlOpsClient CreateClient(ObjectStore store, TimeProvider time)
    {
        var options = new MlOpsOptions { Environment = "test" };
        options.ContentCache.Enabled = false;
        TrackingClients.Fast(options.Tracking);
        return new MlOpsClient(store, options, timeProvider: time);
    }
}
