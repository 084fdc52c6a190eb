using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tests.Storage;

/// <summary>The compare-and-swap helper the features use to change shared records.</summary>
public sealed class ConflictRetryTests
{
    [Test]
    public async Task UpdateAsync_ParallelUpdaters_ApplyEveryChangeExactlyOnce()
    {
        var store = new InMemoryObjectStore();
        var retry = new ConflictRetry(new ConflictRetryOptions { MaxRetryAttempts = 1000, BaseDelay = TimeSpan.FromMilliseconds(1) }, TimeProvider.System, NullLogger.Instance);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 30; i++)
            {
                await retry.UpdateAsync(store, "counter", current => BinaryData.FromString(((current is null ? 0 : int.Parse(current.Content.ToString(), CultureInfo.InvariantCulture)) + 1).ToString(CultureInfo.InvariantCulture)), CancellationToken.None);
            }
        })));

        Assert.That((await store.ReadAsync("counter"))!.Content.ToString(), Is.EqualTo("240"));
    }

    [Test]
    public async Task UpdateAsync_UpdateReturnsNull_WritesNothing()
    {
        var store = new InMemoryObjectStore();
        var written = await store.WriteAsync("alias.json", BinaryData.FromString("v1"));
        var retry = new ConflictRetry(new ConflictRetryOptions(), TimeProvider.System, NullLogger.Instance);

        var result = await retry.UpdateAsync(store, "alias.json", _ => null, CancellationToken.None);

        Assert.That(result!.ETag, Is.EqualTo(written.ETag));
        Assert.That(await retry.UpdateAsync(store, "missing.json", _ => null, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task UpdateAsync_ConflictEveryTime_GivesUpAfterTheConfiguredRetries()
    {
        var store = new InMemoryObjectStore();
        await store.WriteAsync("hot.json", BinaryData.FromString("0"));
        var retry = new ConflictRetry(new ConflictRetryOptions { MaxRetryAttempts = 3, BaseDelay = TimeSpan.Zero }, TimeProvider.System, NullLogger.Instance);
        var calls = 0;

        Assert.ThrowsAsync<PreconditionFailedException>(() => retry.UpdateAsync(store, "hot.json", current =>
        {
            calls++;
            // Another writer changes the record between this read and the write, every time.
            store.WriteAsync("hot.json", BinaryData.FromString(calls.ToString(CultureInfo.InvariantCulture))).GetAwaiter().GetResult();
            return BinaryData.FromString("mine");
        }, CancellationToken.None));

        Assert.That(calls, Is.EqualTo(4), "the first attempt and 3 retries");
        Assert.That((await store.ReadAsync("hot.json"))!.Content.ToString(), Is.EqualTo("4"), "no write of 'mine' landed on a version it was not computed from");
    }
}
