using System.ComponentModel.DataAnnotations;
using MlOps.Sdk.Data;
using MlOps.Sdk.Models;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk;

/// <summary>
/// Everything an <see cref="MlOpsClient"/> is configured with: which store, which environment, the local content cache.
/// Bound from the <c>MlOps</c> configuration section by <c>services.AddMlOps()</c>.
/// </summary>
/// <example>
/// <code language="json">
/// {
///   "MlOps": {
///     "Environment": "production",
///     "Store": { "Provider": "AzureBlob", "ContainerUri": "https://acme.blob.core.windows.net/mlops" }
///   }
/// }
/// </code>
/// </example>
public sealed class MlOpsOptions
{
    /// <summary>The configuration section the options are bound from: <c>MlOps</c>.</summary>
    public const string SectionName = "MlOps";

    /// <summary>Gets or sets the environment this process works in (development, test, acceptance, production, ...), recorded with everything it writes.</summary>
    /// <value>Default <c>development</c>; 1 to 64 letters, digits, '-' or '_'.</value>
    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$", ErrorMessage = "The environment name must be 1 to 64 letters, digits, '-' or '_'.")]
    public string Environment { get; set; } = "development";

    /// <summary>Gets or sets which store the client works on.</summary>
    /// <value>Default: the file-system store in <c>.mlops/</c> under the working directory.</value>
    [Required]
    public MlOpsStoreOptions Store { get; set; } = new();

    /// <summary>Gets or sets the local cache of content read from a remote store.</summary>
    /// <value>Default: on for Azure Blob Storage, 10 GiB, in the user's local application data folder.</value>
    [Required]
    public ContentCacheOptions ContentCache { get; set; } = new();

    /// <summary>Gets or sets how runs are recorded: heartbeats, crash detection, metric buffering, redaction.</summary>
    /// <value>Default: heartbeat every 10 s, crashed after 1 min without one, flush every second.</value>
    [Required]
    public TrackingOptions Tracking { get; set; } = new();

    /// <summary>Gets or sets how datasets are registered and loaded: the hash cache, packing of small files, parallelism.</summary>
    /// <value>Default: hash cache on, files under 1 MiB packed, twice the processors in parallel.</value>
    [Required]
    public DatasetOptions Datasets { get; set; } = new();

    /// <summary>Gets or sets how the model registry behaves: which aliases are protected.</summary>
    /// <value>Default: <c>production</c> is protected.</value>
    [Required]
    public ModelOptions Models { get; set; } = new();

    /// <summary>Gets or sets how changes to shared records retry when another writer changed them first.</summary>
    /// <value>Default: 20 retries, 10 ms growing to 1 s, with jitter.</value>
    [Required]
    public ConflictRetryOptions ConflictRetry { get; set; } = new();
}
