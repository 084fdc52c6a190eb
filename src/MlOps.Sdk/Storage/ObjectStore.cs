using System.Runtime.CompilerServices;
using Azure;
using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Storage;

/// <summary>
/// The storage contract everything in MlOps.Sdk is written against: read with an ETag, write under a condition,
/// list by prefix, delete, and stream large content. Providers: <see cref="FileSystemObjectStore"/> (the embedded
/// default), <see cref="AzureBlobObjectStore"/> (the shared team store) and <see cref="InMemoryObjectStore"/>.
/// </summary>
/// <remarks>
/// <para>
/// Every provider keeps the same promises: a reader never sees a half-written object; a write under
/// <see cref="WriteCondition.IfNotExists"/> succeeds for exactly one of any number of concurrent writers; a write under
/// <see cref="WriteCondition.IfMatch(ETag)"/> never overwrites a version it was not given (no lost update); the ETag
/// changes on every write; listings are in ordinal key order. Missing objects are reported by
/// <see cref="ReadAsync"/> and <see cref="GetPropertiesAsync"/> as <see langword="null"/>, by <see cref="DeleteAsync"/>
/// as <see langword="false"/>, and by the streamed reads as <see cref="ObjectNotFoundException"/>. A failed condition
/// throws <see cref="PreconditionFailedException"/>; any other failure of the store throws
/// <see cref="ObjectStoreException"/>.
/// </para>
/// <para>
/// Keys are the same in every provider, so a store's layout is portable: a '/'-separated relative path of at most
/// 1024 characters whose segments are non-empty, at most 255 characters, not '.' or '..', do not end with '.' or a
/// space, and hold no control character, backslash or any of <c>: * ? " &lt; &gt; |</c>; the first segment does not
/// start with '.' (reserved for the providers' own files). A key must not also be the folder of another key
/// (<c>a</c> and <c>a/b</c>), which a file system cannot hold. A bad key gets an <see cref="ArgumentException"/>
/// that names it.
/// </para>
/// <para>
/// Instances are thread-safe. To write a provider, derive from this class and implement the protected
/// <c>...CoreAsync</c> members; the public members validate arguments before calling them.
/// </para>
/// </remarks>
public abstract class ObjectStore
{
    /// <summary>The number of objects a listing page holds when the caller gives no hint.</summary>
    public const int DefaultPageSize = 1000;

    /// <summary>The largest page a caller may ask for.</summary>
    public const int MaxPageSize = 5000;

    /// <summary>Initializes a new instance of the <see cref="ObjectStore"/> class.</summary>
    protected ObjectStore()
    {
    }

    /// <summary>Gets where the store lives (<c>file:///...</c>, <c>https://account.blob.core.windows.net/container</c>, <c>memory://name</c>), for messages and logs.</summary>
    public abstract Uri Location { get; }

    /// <summary>
    /// Gets a value indicating whether reading from the store means crossing a network, so that a local content cache pays off.
    /// </summary>
    /// <value><see langword="true"/> unless the provider says otherwise.</value>
    public virtual bool IsRemote => true;

    /// <summary>Gets the properties of the object under <paramref name="key"/>.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The properties, or <see langword="null"/> when no object exists under the key.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid key.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public Task<ObjectProperties?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        return InSdk(() => GetPropertiesCoreAsync(key, cancellationToken));
    }

    /// <summary>Reads a whole object, with the ETag of the version read. Meant for records; stream large content with <see cref="OpenReadAsync"/>.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The object, or <see langword="null"/> when no object exists under the key.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid key.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public Task<StoredObject?> ReadAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        return InSdk(() => ReadCoreAsync(key, cancellationToken));
    }

    /// <summary>Writes a whole object under a condition.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="content">The content to write.</param>
    /// <param name="condition">What must hold for the write to take place; <see cref="WriteCondition.None"/> by default.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The properties of the version written, including its new ETag.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid key.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is <see langword="null"/>.</exception>
    /// <exception cref="PreconditionFailedException"><paramref name="condition"/> did not hold; nothing was written.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public Task<ObjectProperties> WriteAsync(string key, BinaryData content, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        Guard.NotNull(content);
        return InSdk(() => WriteCoreAsync(key, content, condition, cancellationToken));
    }

    /// <summary>Uploads an object from a stream under a condition, without buffering it whole in memory.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="content">The content, read from its current position to its end. The stream is not disposed.</param>
    /// <param name="condition">What must hold for the upload to take place; <see cref="WriteCondition.None"/> by default.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The properties of the version written.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid key, or <paramref name="content"/> cannot be read.</exception>
    /// <exception cref="PreconditionFailedException"><paramref name="condition"/> did not hold; nothing was written.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public Task<ObjectProperties> UploadAsync(string key, Stream content, WriteCondition condition = default, CancellationToken cancellationToken = default)
        => UploadAsync(key, content, new UploadOptions { Condition = condition }, cancellationToken);

    /// <summary>Uploads an object from a stream, without buffering it whole in memory, optionally checking what is sent against a SHA-256.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="content">The content, read from its current position to its end. The stream is not disposed.</param>
    /// <param name="options">The condition, and the SHA-256 the content must have.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The properties of the version written.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid key, or <paramref name="content"/> cannot be read.</exception>
    /// <exception cref="PreconditionFailedException">The condition did not hold; nothing was written.</exception>
    /// <exception cref="ContentChangedException">The content did not have the expected SHA-256; nothing was written.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public async Task<ObjectProperties> UploadAsync(string key, Stream content, UploadOptions options, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        Guard.NotNull(content);
        Guard.NotNull(options);
        if (!content.CanRead)
        {
            throw new ArgumentException("The content stream cannot be read.", nameof(content));
        }

        SdkCall.Enter();
        if (options.ExpectedSha256 is not { } expected)
        {
            return await UploadCoreAsync(key, content, options.Condition, cancellationToken).ConfigureAwait(false);
        }

        // The check fails at the stream's last byte, before any provider commits.
        using var verifying = new VerifyingStream(content, expected, "the stream", leaveOpen: true);
        return await ChangedContentTranslatedAsync(key, "the stream", () => UploadCoreAsync(key, verifying, options.Condition, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Uploads a local file under a condition, without buffering it in memory.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="path">The file to upload.</param>
    /// <param name="condition">What must hold for the upload to take place; <see cref="WriteCondition.None"/> by default.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The properties of the version written.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid key or <paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException"><paramref name="path"/> does not exist.</exception>
    /// <exception cref="PreconditionFailedException"><paramref name="condition"/> did not hold; nothing was written.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public Task<ObjectProperties> UploadFileAsync(string key, string path, WriteCondition condition = default, CancellationToken cancellationToken = default)
        => UploadFileAsync(key, path, new UploadOptions { Condition = condition }, cancellationToken);

    /// <summary>Uploads a local file, without buffering it in memory, optionally checking what is stored against a SHA-256.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="path">The file to upload.</param>
    /// <param name="options">The condition, and the SHA-256 the file must have.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The properties of the version written.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid key or <paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException"><paramref name="path"/> does not exist.</exception>
    /// <exception cref="PreconditionFailedException">The condition did not hold; nothing was written.</exception>
    /// <exception cref="ContentChangedException">The file did not have the expected SHA-256 (it changed since it was hashed); nothing was written.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public Task<ObjectProperties> UploadFileAsync(string key, string path, UploadOptions options, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        Guard.NotNullOrWhiteSpace(path);
        Guard.NotNull(options);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The file '{path}' to upload to '{key}' does not exist.", path);
        }

        var full = Path.GetFullPath(path);
        return ChangedContentTranslatedAsync(key, $"the file '{full}'", () => UploadFileCoreAsync(key, full, options.Condition, options.ExpectedSha256, cancellationToken));
    }

    /// <summary>Opens an object for streamed reading. The stream reads the version that was current when it was opened.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A readable stream the caller disposes.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid key.</exception>
    /// <exception cref="ObjectNotFoundException">No object exists under the key.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        return InSdk(() => OpenReadCoreAsync(key, cancellationToken));
    }

    /// <summary>Downloads an object into a stream, in parallel where the provider can, without buffering it whole in memory.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="destination">The stream to write to; it is not disposed.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The properties of the version downloaded.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid key or <paramref name="destination"/> cannot be written.</exception>
    /// <exception cref="ObjectNotFoundException">No object exists under the key.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public Task<ObjectProperties> DownloadToAsync(string key, Stream destination, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        Guard.NotNull(destination);
        if (!destination.CanWrite)
        {
            throw new ArgumentException("The destination stream cannot be written.", nameof(destination));
        }

        return InSdk(() => DownloadToCoreAsync(key, destination, cancellationToken));
    }

    /// <summary>Lists one page of the objects whose keys start with <paramref name="prefix"/>, in ordinal key order.</summary>
    /// <param name="prefix">The start of the keys to list; empty lists everything. It need not end at a '/'.</param>
    /// <param name="continuationToken">The token from the previous page, or <see langword="null"/> for the first page.</param>
    /// <param name="pageSizeHint">How many objects the page should hold at most; <see cref="DefaultPageSize"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The page, with the token for the next one.</returns>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> is not a valid prefix.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pageSizeHint"/> is not between 1 and <see cref="MaxPageSize"/>.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public Task<ObjectPage> ListPageAsync(string prefix, string? continuationToken = null, int? pageSizeHint = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        var pageSize = pageSizeHint ?? DefaultPageSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1, nameof(pageSizeHint));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize, nameof(pageSizeHint));
        return InSdk(() => ListPageCoreAsync(prefix, continuationToken, pageSize, cancellationToken));
    }

    /// <summary>Lists every object whose key starts with <paramref name="prefix"/>, in ordinal key order, page by page.</summary>
    /// <param name="prefix">The start of the keys to list; empty lists everything.</param>
    /// <param name="cancellationToken">A token to cancel the enumeration.</param>
    /// <returns>The objects, fetched a page at a time as the enumeration proceeds.</returns>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> is not a valid prefix.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public IAsyncEnumerable<ObjectProperties> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        return InSdk(ListCoreAsync(prefix, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Gets the store's current time: the clock that <see cref="ObjectProperties.LastModified"/> comes from, which is the
    /// one staleness (of heartbeats, leases) is judged by, so that machines with skewed clocks agree.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The store's time (for Azure Blob Storage, the service's, to the second).</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public Task<DateTimeOffset> GetCurrentTimeAsync(CancellationToken cancellationToken = default) => InSdk(() => GetCurrentTimeCoreAsync(cancellationToken));

    /// <summary>Deletes an object, optionally only if it still has a given ETag.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="ifMatch">When given, the object is deleted only if its ETag still matches.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when an object was deleted; <see langword="false"/> when none existed.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid key.</exception>
    /// <exception cref="PreconditionFailedException">The object exists with a different ETag; it was not deleted.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public Task<bool> DeleteAsync(string key, ETag? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        if (ifMatch is { } etag && (etag == default || etag == ETag.All))
        {
            throw new ArgumentException($"A conditional delete needs the ETag of a specific object version, not '{etag}'.", nameof(ifMatch));
        }

        return InSdk(() => DeleteCoreAsync(key, ifMatch, cancellationToken));
    }

    /// <inheritdoc />
    public override string ToString() => Location.ToString();

    /// <summary>Implements <see cref="GetCurrentTimeAsync"/>.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The store's current time.</returns>
    protected abstract Task<DateTimeOffset> GetCurrentTimeCoreAsync(CancellationToken cancellationToken);

    /// <summary>Implements <see cref="GetPropertiesAsync"/>; <paramref name="key"/> is valid.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The properties, or <see langword="null"/> when missing.</returns>
    protected abstract Task<ObjectProperties?> GetPropertiesCoreAsync(string key, CancellationToken cancellationToken);

    /// <summary>Implements <see cref="ReadAsync"/>; <paramref name="key"/> is valid.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The object, or <see langword="null"/> when missing.</returns>
    protected abstract Task<StoredObject?> ReadCoreAsync(string key, CancellationToken cancellationToken);

    /// <summary>Implements <see cref="WriteAsync"/>; the arguments are valid.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="content">The content.</param>
    /// <param name="condition">The condition.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The properties of the version written.</returns>
    protected abstract Task<ObjectProperties> WriteCoreAsync(string key, BinaryData content, WriteCondition condition, CancellationToken cancellationToken);

    /// <summary>Implements <see cref="UploadAsync(string, Stream, UploadOptions, CancellationToken)"/>; the arguments are valid. The content may be wrapped in a check of the expected SHA-256 that throws at its last byte.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="content">A readable stream.</param>
    /// <param name="condition">The condition.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The properties of the version written.</returns>
    protected abstract Task<ObjectProperties> UploadCoreAsync(string key, Stream content, WriteCondition condition, CancellationToken cancellationToken);

    /// <summary>
    /// Implements <see cref="UploadFileAsync(string, string, UploadOptions, CancellationToken)"/>; by default streams the
    /// file to <see cref="UploadCoreAsync"/>, through a check of <paramref name="expectedSha256"/> when it is given.
    /// </summary>
    /// <param name="key">The object's key.</param>
    /// <param name="path">The full path of an existing file.</param>
    /// <param name="condition">The condition.</param>
    /// <param name="expectedSha256">
    /// The SHA-256 the stored bytes must have, or <see langword="null"/>. An override that checks it itself throws
    /// <see cref="ContentIntegrityException"/> (or <see cref="ContentChangedException"/>) before committing.
    /// </param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The properties of the version written.</returns>
    protected virtual async Task<ObjectProperties> UploadFileCoreAsync(string key, string path, WriteCondition condition, ContentHash? expectedSha256, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            if (expectedSha256 is not { } expected)
            {
                return await UploadCoreAsync(key, file, condition, cancellationToken).ConfigureAwait(false);
            }

            using var verifying = new VerifyingStream(file, expected, path, leaveOpen: true);
            return await UploadCoreAsync(key, verifying, condition, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Implements <see cref="OpenReadAsync"/>; <paramref name="key"/> is valid.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A readable stream.</returns>
    protected abstract Task<Stream> OpenReadCoreAsync(string key, CancellationToken cancellationToken);

    /// <summary>Implements <see cref="DownloadToAsync"/>; the arguments are valid.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="destination">A writable stream.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The properties of the version downloaded.</returns>
    protected abstract Task<ObjectProperties> DownloadToCoreAsync(string key, Stream destination, CancellationToken cancellationToken);

    /// <summary>Implements <see cref="ListPageAsync"/>; the arguments are valid.</summary>
    /// <param name="prefix">A valid prefix, possibly empty.</param>
    /// <param name="continuationToken">The token from the previous page, if any.</param>
    /// <param name="pageSize">The largest number of objects to return, between 1 and <see cref="MaxPageSize"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The page.</returns>
    protected abstract Task<ObjectPage> ListPageCoreAsync(string prefix, string? continuationToken, int pageSize, CancellationToken cancellationToken);

    /// <summary>Implements <see cref="DeleteAsync"/>; the arguments are valid.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="ifMatch">The ETag the object must have, if any.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>Whether an object was deleted.</returns>
    protected abstract Task<bool> DeleteCoreAsync(string key, ETag? ifMatch, CancellationToken cancellationToken);

    /// <summary>Runs a provider's operation in a flow marked as the SDK's, whose own caught exceptions are not the user's.</summary>
    private static async Task<T> InSdk<T>(Func<Task<T>> operation)
    {
        SdkCall.Enter();
        return await operation().ConfigureAwait(false);
    }

    private static async IAsyncEnumerable<T> InSdk<T>(IAsyncEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        SdkCall.Enter();
        await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    /// <summary>Reports a failed SHA-256 check of an upload, however the provider wrapped it, as <see cref="ContentChangedException"/>.</summary>
    private static async Task<ObjectProperties> ChangedContentTranslatedAsync(string key, string source, Func<Task<ObjectProperties>> upload)
    {
        SdkCall.Enter();
        try
        {
            return await upload().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not ContentChangedException && FindIntegrityFailure(ex) is { } failed)
        {
            throw new ContentChangedException($"{source} (uploading to '{key}')", failed.Expected, failed.Actual);
        }
    }

    private static ContentIntegrityException? FindIntegrityFailure(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case ContentIntegrityException integrity:
                    return integrity;
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Select(FindIntegrityFailure).FirstOrDefault(e => e is not null);
            }
        }

        return null;
    }

    /// <summary>Implements <see cref="ListAsync"/>; by default fetches page after page from <see cref="ListPageCoreAsync"/>.</summary>
    /// <param name="prefix">A valid prefix, possibly empty.</param>
    /// <param name="cancellationToken">A token to cancel the enumeration.</param>
    /// <returns>The objects in ordinal key order.</returns>
    protected virtual async IAsyncEnumerable<ObjectProperties> ListCoreAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? token = null;
        do
        {
            var page = await ListPageCoreAsync(prefix, token, DefaultPageSize, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            token = page.ContinuationToken;
        }
        while (token is not null);
    }
}
