using Azure;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tests.Infrastructure;

/// <summary>A decorator that counts the calls reaching a store: shows what the layers above really send, and that the contract can be decorated.</summary>
public sealed class CountingObjectStore(ObjectStore inner) : ObjectStore
{
    private int _writes;
    private int _reads;

    /// <summary>Gets the number of writes and uploads.</summary>
    public int Writes => _writes;

    /// <summary>Gets the number of whole reads, streamed reads and downloads.</summary>
    public int Reads => _reads;

    public override Uri Location => inner.Location;

    public override bool IsRemote => inner.IsRemote;

    protected override Task<DateTimeOffset> GetCurrentTimeCoreAsync(CancellationToken cancellationToken)
        => inner.GetCurrentTimeAsync(cancellationToken);

    protected override Task<ObjectProperties?> GetPropertiesCoreAsync(string key, CancellationToken cancellationToken)
        => inner.GetPropertiesAsync(key, cancellationToken);

    protected override Task<StoredObject?> ReadCoreAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        return inner.ReadAsync(key, cancellationToken);
    }

    protected override Task<ObjectProperties> WriteCoreAsync(string key, BinaryData content, WriteCondition condition, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _writes);
        return inner.WriteAsync(key, content, condition, cancellationToken);
    }

    protected override Task<ObjectProperties> UploadCoreAsync(string key, Stream content, WriteCondition condition, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _writes);
        return inner.UploadAsync(key, content, condition, cancellationToken);
    }

    protected override Task<ObjectProperties> UploadFileCoreAsync(string key, string path, WriteCondition condition, ContentHash? expectedSha256, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _writes);
        return inner.UploadFileAsync(key, path, new UploadOptions { Condition = condition, ExpectedSha256 = expectedSha256 }, cancellationToken);
    }

    protected override Task<Stream> OpenReadCoreAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        return inner.OpenReadAsync(key, cancellationToken);
    }

    protected override Task<ObjectProperties> DownloadToCoreAsync(string key, Stream destination, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        return inner.DownloadToAsync(key, destination, cancellationToken);
    }

    protected override Task<ObjectPage> ListPageCoreAsync(string prefix, string? continuationToken, int pageSize, CancellationToken cancellationToken)
        => inner.ListPageAsync(prefix, continuationToken, pageSize, cancellationToken);

    protected override Task<bool> DeleteCoreAsync(string key, ETag? ifMatch, CancellationToken cancellationToken)
        => inner.DeleteAsync(key, ifMatch, cancellationToken);
}
