using System.ComponentModel.DataAnnotations;
using Azure.Storage.Blobs;

namespace MlOps.Sdk.Storage;

/// <summary>How an <see cref="AzureBlobObjectStore"/> behaves: container creation, transport retries and parallel transfers.</summary>
/// <remarks>
/// Transport faults (timeouts, throttling, 5xx) are retried by Azure.Core's own HTTP pipeline, configured here; the SDK
/// does not add a second retry layer on top. Compare-and-swap conflicts are a different matter, retried by the features
/// that write records.
/// </remarks>
public sealed class AzureBlobObjectStoreOptions
{
    /// <summary>Gets or sets a value indicating whether the container is created on the first write that finds it missing.</summary>
    /// <value>Default <see langword="true"/>. Set <see langword="false"/> when the container is provisioned elsewhere.</value>
    public bool CreateContainerIfNotExists { get; set; } = true;

    /// <summary>Gets or sets how many times Azure.Core retries a request that failed for a transient reason.</summary>
    /// <value>Default <see langword="null"/>: Azure.Core's default (3); between 0 and 20.</value>
    [Range(0, 20)]
    public int? MaxRetries { get; set; }

    /// <summary>Gets or sets the delay before the first retry, growing exponentially after it.</summary>
    /// <value>Default <see langword="null"/>: Azure.Core's default (0.8 seconds); between 1 millisecond and 1 minute.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan? RetryDelay { get; set; }

    /// <summary>Gets or sets the longest delay between retries.</summary>
    /// <value>Default <see langword="null"/>: Azure.Core's default (1 minute); between 1 millisecond and 10 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan? MaxRetryDelay { get; set; }

    /// <summary>Gets or sets how long one request may take on the network before it is abandoned and retried.</summary>
    /// <value>Default <see langword="null"/>: Azure.Core's default (100 seconds); between 1 second and 1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan? NetworkTimeout { get; set; }

    /// <summary>Gets or sets how many blocks (or ranges) a large upload (or download) transfers in parallel.</summary>
    /// <value>Default 8; between 1 and 64.</value>
    [Range(1, 64)]
    public int MaxTransferConcurrency { get; set; } = 8;

    /// <summary>Gets or sets the size of one block of a parallel upload, and of one range of a parallel download.</summary>
    /// <value>
    /// Default 4 MiB; between 256 KiB and 256 MiB. A streamed upload holds at most
    /// <see cref="MaxTransferConcurrency"/> blocks in memory at a time.
    /// </value>
    [Range(256 * 1024, 256 * 1024 * 1024)]
    public int TransferChunkSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Gets or sets the options the Blob client is created with (service version, transport, diagnostics), for code
    /// that needs more than this class offers. Not bound from configuration.
    /// </summary>
    /// <value>
    /// Default <see langword="null"/>: new options. The retry properties of this class that are set are applied to its
    /// <c>Retry</c> settings. Ignored when the store is created from an existing <see cref="BlobContainerClient"/>.
    /// </value>
    public BlobClientOptions? ClientOptions { get; set; }
}
