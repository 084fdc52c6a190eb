namespace MlOps.Sdk.Tests.Infrastructure;

/// <summary>
/// Samples the managed heap while an operation runs, to show that a streamed transfer stays within a bound instead of
/// buffering the content whole.
/// </summary>
public sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _peak;

    private MemorySampler()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Baseline = GC.GetTotalMemory(forceFullCollection: true);
        _peak = Baseline;
        _sampling = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var now = GC.GetTotalMemory(forceFullCollection: false);
                if (now > Interlocked.Read(ref _peak))
                {
                    Interlocked.Exchange(ref _peak, now);
                }

                try
                {
                    await Task.Delay(5, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
    }

    /// <summary>Gets the heap size when sampling started, after a full collection.</summary>
    public long Baseline { get; }

    /// <summary>Gets how far the heap grew above <see cref="Baseline"/> at its peak, garbage included.</summary>
    public long PeakGrowth => Interlocked.Read(ref _peak) - Baseline;

    /// <summary>Starts sampling.</summary>
    /// <returns>The sampler.</returns>
    public static MemorySampler Start() => new();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
