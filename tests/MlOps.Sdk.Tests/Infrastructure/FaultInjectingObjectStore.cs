using Azure;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tests.Infrastructure;

/// <summary>A decorator whose writes can be slowed down or made to fail, and deletes made to fail, key by key: outages on demand.</summary>
public sealed class FaultInjectingObjectStore(ObjectStore inner) : ObjectStore
{
    private int _segmentWrites;

    /// <summary>Gets or sets how long every write takes first.</summary>
    public TimeSpan WriteDelay { get; set; }

    /// <summary>Gets or sets what decides whether a write (by key) fails, and with what.</summary>
    public Func<string, Exception?>? FailWrite { get; set; }

    /// <summary>Gets or sets what decides whether a read or properties request (by key) fails, and with what: an outage.</summary>
    public Func<string, Exception?>? FailRead { get; set; }

    /// <summary>Gets or sets what decides whether a delete (by key) fails, and with what.</summary>
    public Func<string, Exception?>? FailDelete { get; set; }

    /// <summary>Gets or sets what runs (by key) before a streamed upload starts reading its source.</summary>
    public Action<string>? BeforeUpload { get; set; }

    /// <summary>Gets the number of metric segments written.</summary>
    public int SegmentWrites => Volatile.Read(ref _segmentWrites);

    public override Uri Location => inner.Location;

    public override bool IsRemote => false;

    protected override Task<DateTimeOffset> GetCurrentTimeCoreAsync(CancellationToken cancellationToken) => inner.GetCurrentTimeAsync(cancellationToken);

    protected override Task<ObjectProperties?> GetPropertiesCoreAsync(string key, CancellationToken cancellationToken)
        => FailRead?.Invoke(key) is { } failure ? Task.FromException<ObjectProperties?>(failure) : inner.GetPropertiesAsync(key, cancellationToken);

    protected override Task<StoredObject?> ReadCoreAsync(string key, CancellationToken cancellationToken)
        => FailRead?.Invoke(key) is { } failure ? Task.FromException<StoredObject?>(failure) : inner.ReadAsync(key, cancellationToken);

    protected override async Task<ObjectProperties> WriteCoreAsync(string key, BinaryData content, WriteCondition condition, CancellationToken cancellationToken)
    {
        if (WriteDelay > TimeSpan.Zero)
        {
            await Task.Delay(WriteDelay, CancellationToken.None);
        }

        if (FailWrite?.Invoke(key) is { } failure)
        {
            throw failure;
        }

        if (key.Contains("/metrics/", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _segmentWrites);
        }

        return await inner.WriteAsync(key, content, condition, cancellationToken);
    }

    protected override Task<ObjectProperties> UploadCoreAsync(string key, Stream content, WriteCondition condition, CancellationToken cancellationToken)
    {
        BeforeUpload?.Invoke(key);
        return inner.UploadAsync(key, content, condition, cancellationToken);
    }

    protected override Task<Stream> OpenReadCoreAsync(string key, CancellationToken cancellationToken) => inner.OpenReadAsync(key, cancellationToken);

    protected override Task<ObjectProperties> DownloadToCoreAsync(string key, Stream destination, CancellationToken cancellationToken) => inner.DownloadToAsync(key, destination, cancellationToken);

    protected override Task<ObjectPage> ListPageCoreAsync(string prefix, string? continuationToken, int pageSize, CancellationToken cancellationToken)
        => FailRead?.Invoke(prefix) is { } failure ? Task.FromException<ObjectPage>(failure) : inner.ListPageAsync(prefix, continuationToken, pageSize, cancellationToken);

    protected override Task<bool> DeleteCoreAsync(string key, ETag? ifMatch, CancellationToken cancellationToken)
        => FailDelete?.Invoke(key) is { } failure ? Task.FromException<bool>(failure) : inner.DeleteAsync(key, ifMatch, cancellationToken);
}
