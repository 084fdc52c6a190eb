using Azure;
using Azure.Core;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Storage;

/// <summary>
/// An <see cref="ObjectStore"/> in an Azure Blob Storage container: the shared store for a team and for any number of
/// processes and machines, with no server of its own to run.
/// </summary>
/// <remarks>
/// <para>
/// Each key is a blob of the same name. Create-if-absent is <c>If-None-Match: *</c> and compare-and-swap is
/// <c>If-Match</c>, both enforced by the service, so the promises of <see cref="ObjectStore"/> hold across machines.
/// Large uploads and downloads are split into blocks (ranges) transferred in parallel
/// (<see cref="AzureBlobObjectStoreOptions.TransferChunkSize"/>, <see cref="AzureBlobObjectStoreOptions.MaxTransferConcurrency"/>).
/// </para>
/// <para>
/// The container is created by the first write that finds it missing (unless
/// <see cref="AzureBlobObjectStoreOptions.CreateContainerIfNotExists"/> is off); reads of a missing container report
/// missing objects. A read-only credential (for example a SAS with read and list permissions) is enough for every read.
/// </para>
/// </remarks>
public sealed class AzureBlobObjectStore : ObjectStore
{
    private readonly BlobContainerClient _container;
    private readonly AzureBlobObjectStoreOptions _options;
    private readonly StorageTransferOptions _transfer;
    private readonly ILogger _logger;
    private volatile bool _containerExists;

    /// <summary>Connects to a container with a storage account connection string (also how Azurite is reached).</summary>
    /// <param name="connectionString">The storage account's connection string.</param>
    /// <param name="containerName">The container's name.</param>
    /// <param name="options">How the store behaves; defaults when <see langword="null"/>.</param>
    /// <param name="loggerFactory">Where the store logs; nothing is logged when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">An argument is empty or the connection string cannot be parsed.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> holds a value out of range.</exception>
    public AzureBlobObjectStore(string connectionString, string containerName, AzureBlobObjectStoreOptions? options = null, ILoggerFactory? loggerFactory = null)
        : this(CreateContainerClient(connectionString, containerName, Validated(options)), options, loggerFactory)
    {
    }

    /// <summary>Connects to a container with an Entra ID credential (for example <c>DefaultAzureCredential</c>).</summary>
    /// <param name="containerUri">The container's URI, <c>https://{account}.blob.core.windows.net/{container}</c>.</param>
    /// <param name="credential">The credential.</param>
    /// <param name="options">How the store behaves; defaults when <see langword="null"/>.</param>
    /// <param name="loggerFactory">Where the store logs; nothing is logged when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> holds a value out of range.</exception>
    public AzureBlobObjectStore(Uri containerUri, TokenCredential credential, AzureBlobObjectStoreOptions? options = null, ILoggerFactory? loggerFactory = null)
        : this(new BlobContainerClient(Guard.NotNull(containerUri), Guard.NotNull(credential), ClientOptions(Validated(options))), options, loggerFactory)
    {
    }

    /// <summary>Connects to a container of a storage account with an Entra ID credential (for example <c>DefaultAzureCredential</c>).</summary>
    /// <param name="serviceUri">The account's Blob service URI, <c>https://{account}.blob.core.windows.net</c>.</param>
    /// <param name="containerName">The container's name.</param>
    /// <param name="credential">The credential.</param>
    /// <param name="options">How the store behaves; defaults when <see langword="null"/>.</param>
    /// <param name="loggerFactory">Where the store logs; nothing is logged when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="containerName"/> is empty.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> holds a value out of range.</exception>
    public AzureBlobObjectStore(Uri serviceUri, string containerName, TokenCredential credential, AzureBlobObjectStoreOptions? options = null, ILoggerFactory? loggerFactory = null)
        : this(ContainerUri(serviceUri, containerName), credential, options, loggerFactory)
    {
    }

    /// <summary>Connects to a container by a URI that carries its own authorization (a SAS token), or to a public container.</summary>
    /// <param name="containerUri">The container's URI, with a SAS token in its query for anything but a public container.</param>
    /// <param name="options">How the store behaves; defaults when <see langword="null"/>.</param>
    /// <param name="loggerFactory">Where the store logs; nothing is logged when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="containerUri"/> is <see langword="null"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> holds a value out of range.</exception>
    public AzureBlobObjectStore(Uri containerUri, AzureBlobObjectStoreOptions? options = null, ILoggerFactory? loggerFactory = null)
        : this(new BlobContainerClient(Guard.NotNull(containerUri), ClientOptions(Validated(options))), options, loggerFactory)
    {
    }

    /// <summary>Uses an existing container client as it is configured (its retry and transport settings included).</summary>
    /// <param name="container">The container client.</param>
    /// <param name="options">How the store behaves; its retry settings and client options do not apply (the client's own do). Defaults when <see langword="null"/>.</param>
    /// <param name="loggerFactory">Where the store logs; nothing is logged when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="container"/> is <see langword="null"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> holds a value out of range.</exception>
    public AzureBlobObjectStore(BlobContainerClient container, AzureBlobObjectStoreOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _container = Guard.NotNull(container);
        _options = Validated(options);
        _transfer = new StorageTransferOptions
        {
            MaximumConcurrency = _options.MaxTransferConcurrency,
            MaximumTransferSize = _options.TransferChunkSize,
            InitialTransferSize = _options.TransferChunkSize,
        };
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<AzureBlobObjectStore>();
        Location = RemoveQuery(container.Uri);
    }

    /// <summary>Gets the client of the container the store lives in.</summary>
    public BlobContainerClient Container => _container;

    /// <inheritdoc />
    /// <value>The container's URI, without any SAS token.</value>
    public override Uri Location { get; }

    /// <inheritdoc />
    /// <remarks>The <c>Date</c> of the service's answer to a container properties request (whole seconds).</remarks>
    protected override async Task<DateTimeOffset> GetCurrentTimeCoreAsync(CancellationToken cancellationToken)
    {
        Response raw;
        try
        {
            raw = (await _container.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).GetRawResponse();
        }
        catch (RequestFailedException ex) when (ex.GetRawResponse() is { } response)
        {
            // A missing container still answers with the service's time.
            raw = response;
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException)
        {
            throw new ObjectStoreException(null, $"Could not read the time of {Location}: {Describe(ex)}", ex);
        }

        return raw.Headers.Date ?? throw new ObjectStoreException(null, $"{Location} answered without a Date header; the store's time is unknown.");
    }

    /// <inheritdoc />
    protected override async Task<ObjectProperties?> GetPropertiesCoreAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Blob(key).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ObjectProperties(key, response.Value.ContentLength, response.Value.ETag, response.Value.LastModified);
        }
        catch (RequestFailedException ex) when (IsNotFound(ex))
        {
            return null;
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException)
        {
            throw Failure(key, "read the properties of", ex);
        }
    }

    /// <inheritdoc />
    protected override async Task<StoredObject?> ReadCoreAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Blob(key).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            var details = response.Value.Details;
            var content = response.Value.Content;
            return new StoredObject(new ObjectProperties(key, content.ToMemory().Length, details.ETag, details.LastModified), content);
        }
        catch (RequestFailedException ex) when (IsNotFound(ex))
        {
            return null;
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException)
        {
            throw Failure(key, "read", ex);
        }
    }

    /// <inheritdoc />
    protected override Task<ObjectProperties> WriteCoreAsync(string key, BinaryData content, WriteCondition condition, CancellationToken cancellationToken)
        => WithContainerAsync(
            key,
            condition,
            canResend: true,
            async () =>
            {
                var options = new BlobUploadOptions { Conditions = Conditions(condition), TransferOptions = _transfer };
                var response = await Blob(key).UploadAsync(content, options, cancellationToken).ConfigureAwait(false);
                return new ObjectProperties(key, content.ToMemory().Length, response.Value.ETag, response.Value.LastModified);
            },
            cancellationToken);

    /// <inheritdoc />
    protected override async Task<ObjectProperties> UploadCoreAsync(string key, Stream content, WriteCondition condition, CancellationToken cancellationToken)
    {
        if (!content.CanSeek && !_containerExists && _options.CreateContainerIfNotExists)
        {
            // A stream that cannot be rewound cannot be sent again after the container is found missing.
            await CreateContainerAsync(key, cancellationToken).ConfigureAwait(false);
        }

        var start = content.CanSeek ? content.Position : 0;
        return await WithContainerAsync(
            key,
            condition,
            canResend: content.CanSeek,
            async () =>
            {
                var counted = content.CanSeek ? content : new CountingReadStream(content);
                if (content.CanSeek)
                {
                    content.Position = start;
                }

                var options = new BlobUploadOptions { Conditions = Conditions(condition), TransferOptions = _transfer };
                var response = await Blob(key).UploadAsync(counted, options, cancellationToken).ConfigureAwait(false);
                var length = counted is CountingReadStream counting ? counting.BytesRead : content.Length - start;
                return new ObjectProperties(key, length, response.Value.ETag, response.Value.LastModified);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task<Stream> OpenReadCoreAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var options = new BlobOpenReadOptions(allowModifications: false) { BufferSize = _options.TransferChunkSize };
            var stream = await Blob(key).OpenReadAsync(options, cancellationToken).ConfigureAwait(false);
            return new TranslatingReadStream(stream, ex => ex switch
            {
                RequestFailedException { ErrorCode: "ConditionNotMet" } changed => new ObjectStoreException(key, $"The object '{key}' in {Location} was replaced while it was being read; open it again.", changed),
                RequestFailedException or AggregateException => Failure(key, "read", ex),
                _ => null,
            });
        }
        catch (RequestFailedException ex) when (IsNotFound(ex))
        {
            throw new ObjectNotFoundException(key, ex);
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException)
        {
            throw Failure(key, "open", ex);
        }
    }

    /// <inheritdoc />
    protected override async Task<ObjectProperties> DownloadToCoreAsync(string key, Stream destination, CancellationToken cancellationToken)
    {
        var blob = Blob(key);
        var counted = new CountingWriteStream(destination, leaveOpen: true); // to know whether a retry can start over
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Pin the version: every parallel range must come from the same one.
                var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                var options = new BlobDownloadToOptions
                {
                    TransferOptions = _transfer,
                    Conditions = new BlobRequestConditions { IfMatch = properties.Value.ETag },
                };
                await blob.DownloadToAsync(counted, options, cancellationToken).ConfigureAwait(false);
                return new ObjectProperties(key, properties.Value.ContentLength, properties.Value.ETag, properties.Value.LastModified);
            }
            catch (RequestFailedException ex) when (IsNotFound(ex))
            {
                throw new ObjectNotFoundException(key, ex);
            }
            catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ConditionNotMet && counted.BytesWritten == 0 && attempt < 3)
            {
                // Replaced between reading its properties and its first range: nothing was written yet, so start over.
            }
            catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ConditionNotMet)
            {
                throw new ObjectStoreException(key, $"The object '{key}' in {Location} was replaced while it was being downloaded; {counted.BytesWritten} bytes were written. Download it again.", ex);
            }
            catch (Exception ex) when (ex is RequestFailedException or AggregateException)
            {
                throw Failure(key, "download", ex);
            }
        }
    }

    /// <inheritdoc />
    protected override async Task<ObjectPage> ListPageCoreAsync(string prefix, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        try
        {
            var pages = _container
                .GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix.Length == 0 ? null : prefix, cancellationToken)
                .AsPages(continuationToken, pageSize);
            await foreach (var page in pages.ConfigureAwait(false))
            {
                var items = page.Values
                    .Select(b => new ObjectProperties(b.Name, b.Properties.ContentLength ?? 0, b.Properties.ETag ?? default, b.Properties.LastModified ?? default))
                    .ToList();
                return new ObjectPage(items, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
            }

            return new ObjectPage([], null);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            return new ObjectPage([], null);
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException)
        {
            throw new ObjectStoreException(null, $"Listing '{prefix}' in {Location} failed: {Describe(ex)}", ex);
        }
    }

    /// <inheritdoc />
    protected override async Task<bool> DeleteCoreAsync(string key, ETag? ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            var conditions = ifMatch is { } etag ? new BlobRequestConditions { IfMatch = etag } : null;
            var response = await Blob(key).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, conditions, cancellationToken).ConfigureAwait(false);
            return response.Value;
        }
        catch (RequestFailedException ex) when (IsNotFound(ex))
        {
            return false;
        }
        catch (RequestFailedException ex) when (ifMatch is { } etag && ex.ErrorCode == BlobErrorCode.ConditionNotMet)
        {
            throw new PreconditionFailedException(key, WriteCondition.IfMatch(etag), ex);
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException)
        {
            throw Failure(key, "delete", ex);
        }
    }

    /// <summary>
    /// Runs a write, creating the container and trying once more when the container is missing, if the content can be
    /// sent again; translates failures.
    /// </summary>
    private async Task<ObjectProperties> WithContainerAsync(string key, WriteCondition condition, bool canResend, Func<Task<ObjectProperties>> write, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var written = await write().ConfigureAwait(false);
                _containerExists = true;
                return written;
            }
            catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound && _options.CreateContainerIfNotExists && attempt == 0)
            {
                _containerExists = false;
                await CreateContainerAsync(key, cancellationToken).ConfigureAwait(false);
                if (!canResend)
                {
                    throw new ObjectStoreException(key, $"The container {Location} was missing (deleted after this store first saw it); it has been created, but the upload of '{key}' read from a stream that cannot be rewound, so nothing was stored. Upload it again.", ex);
                }
            }
            catch (RequestFailedException ex) when (IsConditionFailure(ex, condition))
            {
                throw new PreconditionFailedException(key, condition, ex);
            }
            catch (Exception ex) when (ex is RequestFailedException or AggregateException)
            {
                throw Failure(key, "write", ex);
            }
        }
    }

    private async Task CreateContainerAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var created = await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            if (created is not null)
            {
                _logger.ContainerCreated(Location);
            }

            _containerExists = true;
        }
        catch (RequestFailedException ex) when (ex.Status == 403)
        {
            _logger.ContainerCreationSkipped(Location, ex.Status);
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException)
        {
            throw Failure(key, "create the container for", ex);
        }
    }

    private BlobClient Blob(string key) => _container.GetBlobClient(key);

    private static BlobRequestConditions? Conditions(WriteCondition condition) => condition.Kind switch
    {
        WriteConditionKind.IfNotExists => new BlobRequestConditions { IfNoneMatch = ETag.All },
        WriteConditionKind.IfMatch => new BlobRequestConditions { IfMatch = condition.ETag },
        _ => null,
    };

    /// <summary>Only the service's answers about the condition itself; other 409/412s (leases, a container being deleted) are failures.</summary>
    private static bool IsConditionFailure(RequestFailedException ex, WriteCondition condition) => condition.Kind switch
    {
        WriteConditionKind.IfNotExists => ex.ErrorCode == BlobErrorCode.BlobAlreadyExists || ex.ErrorCode == BlobErrorCode.ConditionNotMet,
        WriteConditionKind.IfMatch => ex.ErrorCode == BlobErrorCode.ConditionNotMet || ex.ErrorCode == BlobErrorCode.BlobNotFound,
        _ => false,
    };

    private static bool IsNotFound(RequestFailedException ex)
        => ex.Status == 404 && (ex.ErrorCode == BlobErrorCode.BlobNotFound || ex.ErrorCode == BlobErrorCode.ContainerNotFound || ex.ErrorCode is null);

    private ObjectStoreException Failure(string key, string operation, Exception ex)
        => new(key, $"Azure Blob Storage failed to {operation} '{key}' in {Location}: {Describe(ex)}", ex);

    /// <summary>The status, error code and first line of a failure; Azure.Core reports exhausted transport retries as an <see cref="AggregateException"/>.</summary>
    private static string Describe(Exception ex) => ex switch
    {
        RequestFailedException { Status: 0 } failed => $"the service could not be reached: {FirstLine(failed.Message)}",
        RequestFailedException failed => $"{failed.Status} {failed.ErrorCode}: {FirstLine(failed.Message)}",
        AggregateException aggregate => $"the service could not be reached after {aggregate.InnerExceptions.Count} attempts: {FirstLine(aggregate.InnerExceptions[^1].Message)}",
        _ => FirstLine(ex.Message),
    };

    private static string FirstLine(string message)
    {
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? message : message[..newline]).Trim();
    }

    private static Uri RemoveQuery(Uri uri) => new UriBuilder(uri) { Query = string.Empty }.Uri;

    /// <summary>The container's URI under an account's Blob service URI, keeping any SAS token of the service URI.</summary>
    internal static Uri ContainerUri(Uri serviceUri, string containerName)
    {
        Guard.NotNull(serviceUri);
        Guard.NotNullOrWhiteSpace(containerName);
        var builder = new UriBuilder(serviceUri);
        builder.Path = builder.Path.TrimEnd('/') + "/" + Uri.EscapeDataString(containerName);
        return builder.Uri;
    }

    private static AzureBlobObjectStoreOptions Validated(AzureBlobObjectStoreOptions? options)
    {
        options ??= new AzureBlobObjectStoreOptions();
        OptionsValidation.ThrowIfInvalid(options);
        return options;
    }

    private static BlobContainerClient CreateContainerClient(string connectionString, string containerName, AzureBlobObjectStoreOptions options)
    {
        Guard.NotNullOrWhiteSpace(connectionString);
        Guard.NotNullOrWhiteSpace(containerName);
        try
        {
            return new BlobContainerClient(connectionString, containerName, ClientOptions(options));
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"The Azure Storage connection string cannot be parsed: {ex.Message}", nameof(connectionString), ex);
        }
    }

    private static BlobClientOptions ClientOptions(AzureBlobObjectStoreOptions options)
    {
        var client = options.ClientOptions ?? new BlobClientOptions();
        if (options.MaxRetries is { } retries)
        {
            client.Retry.MaxRetries = retries;
        }

        if (options.RetryDelay is { } delay)
        {
            client.Retry.Delay = delay;
        }

        if (options.MaxRetryDelay is { } maxDelay)
        {
            client.Retry.MaxDelay = maxDelay;
        }

        if (options.NetworkTimeout is { } timeout)
        {
            client.Retry.NetworkTimeout = timeout;
        }

        return client;
    }
}
