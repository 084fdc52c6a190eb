using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MlOps.Sdk.Data;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Maintenance;
using MlOps.Sdk.Models;
using MlOps.Sdk.Pipelines;
using MlOps.Sdk.Search;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk;

/// <summary>
/// The entry point of MlOps.Sdk: one thread-safe object per store, through which runs, datasets, models and the rest
/// are reached (<c>client.Runs</c>, <c>client.Experiments</c>, <c>client.Datasets</c>, <c>client.Models</c>,
/// <c>client.Studies</c>, <c>client.Pipelines</c>, <c>client.Retraining</c>, <c>client.Monitoring</c>, <c>client.Content</c>).
/// </summary>
/// <remarks>
/// Create one and share it: directly with <see cref="CreateDefault"/> or a constructor, or through dependency injection
/// with <c>services.AddMlOps()</c>, which binds <see cref="MlOpsOptions"/> from the <c>MlOps</c> configuration section.
/// </remarks>
/// <example>
/// <code>
/// var client = MlOpsClient.CreateDefault();                     // the .mlops/ folder in the working directory
/// var stored = await client.Content.PutFileAsync("data/flights.csv");
/// Console.WriteLine($"{stored.Hash} in {client.Store.Location}");
/// </code>
/// </example>
public class MlOpsClient
{
    private readonly ObjectStore _store = null!;
    private readonly ContentStore _content = null!;
    private readonly string _environment = null!;
    private readonly ExperimentCatalog _experiments = null!;
    private readonly RunCatalog _runs = null!;
    private readonly DatasetCatalog _datasets = null!;
    private readonly ModelCatalog _models = null!;
    private readonly StudyCatalog _studies = null!;
    private readonly PipelineCatalog _pipelines = null!;
    private readonly Retraining.RetrainingCatalog _retraining = null!;
    private readonly Monitoring.MonitoringCatalog _monitoring = null!;

    /// <summary>Creates a client on the store that <paramref name="options"/> describe.</summary>
    /// <param name="options">The configuration; validated here.</param>
    /// <param name="loggerFactory">Where the SDK logs; nothing is logged when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> are invalid; the message lists every problem.</exception>
    /// <exception cref="ObjectStoreException">The store cannot be opened.</exception>
    public MlOpsClient(MlOpsOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
        : this(Validated(options), store: null, credential: null, loggerFactory, timeProvider)
    {
    }

    /// <summary>Creates a client on a store created by the caller (for example an <see cref="AzureBlobObjectStore"/> with a credential).</summary>
    /// <param name="store">The store.</param>
    /// <param name="options">The rest of the configuration (its <see cref="MlOpsOptions.Store"/> part is ignored); defaults when <see langword="null"/>.</param>
    /// <param name="loggerFactory">Where the SDK logs; nothing is logged when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is <see langword="null"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> are invalid; the message lists every problem.</exception>
    public MlOpsClient(ObjectStore store, MlOpsOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
        : this(Validated(options ?? new MlOpsOptions()), Guard.NotNull(store), credential: null, loggerFactory, timeProvider)
    {
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected MlOpsClient()
    {
    }

    internal MlOpsClient(MlOpsOptions options, ObjectStore? store, Azure.Core.TokenCredential? credential, ILoggerFactory? loggerFactory, TimeProvider? timeProvider)
    {
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        TimeProvider = timeProvider ?? TimeProvider.System;
        _environment = options.Environment;
        _store = store ?? ObjectStoreFactory.Create(options.Store, credential, LoggerFactory, TimeProvider);
        _content = new ContentStore(_store, options.ContentCache, LoggerFactory, TimeProvider);
        ConflictRetry = new ConflictRetry(options.ConflictRetry, TimeProvider, LoggerFactory.CreateLogger<MlOpsClient>());
        var tracking = new TrackingContext(_store, _content, ConflictRetry, options.Tracking, _environment, TimeProvider, LoggerFactory);
        _experiments = new ExperimentCatalog(tracking);
        _runs = new RunCatalog(tracking);
        _datasets = new DatasetCatalog(new DataContext(_store, _content, ConflictRetry, options.Datasets, _environment, _runs, TimeProvider, LoggerFactory));
        _models = new ModelCatalog(new ModelContext(_store, _content, ConflictRetry, options.Models, _environment, _runs, _datasets, TimeProvider, LoggerFactory));
        TrackingOptions = options.Tracking;
        _studies = new StudyCatalog(this);
        _pipelines = new PipelineCatalog(this);
        _retraining = new Retraining.RetrainingCatalog(this);
        _monitoring = new Monitoring.MonitoringCatalog(this);
    }

    /// <summary>Gets the store everything is kept in.</summary>
    public virtual ObjectStore Store => _store;

    /// <summary>Gets the content-addressed store of immutable bytes (datasets' files, models, artifacts).</summary>
    public virtual ContentStore Content => _content;

    /// <summary>Gets the experiments: named groups of runs.</summary>
    public virtual ExperimentCatalog Experiments => _experiments;

    /// <summary>Gets the runs: start, resume, search and compare tracked runs of training, evaluation, search trials and pipeline steps.</summary>
    public virtual RunCatalog Runs => _runs;

    /// <summary>Gets the datasets: register files, folders and data views as content-addressed versions, resolve <c>datasets:/</c> URIs, aliases and lineage.</summary>
    public virtual DatasetCatalog Datasets => _datasets;

    /// <summary>Gets the model registry: register versions, move aliases with history, promote between environments, load models and predictors.</summary>
    public virtual ModelCatalog Models => _models;

    /// <summary>Gets the hyperparameter studies: open (create or join) a study shared by every worker on the store, search, read its trials.</summary>
    public virtual StudyCatalog Studies => _studies;

    /// <summary>Gets the pipelines: run a pipeline's steps with safe caching (a step runs again only when its code, parameters or inputs changed), plan a run, reuse outputs.</summary>
    public virtual PipelineCatalog Pipelines => _pipelines;

    /// <summary>Gets retraining: retrainers from policies, requests (manual, alerts), approvals, rollback.</summary>
    public virtual Retraining.RetrainingCatalog Retraining => _retraining;

    /// <summary>Gets monitoring: ground truth for logged predictions, live performance, drift against the training data, alerts, reports, diagnosis queries and retention.</summary>
    public virtual Monitoring.MonitoringCatalog Monitoring => _monitoring;

    /// <summary>Gets the environment this client works in (development, test, acceptance, production, ...).</summary>
    public virtual string Environment => _environment;

    internal ILoggerFactory LoggerFactory { get; } = NullLoggerFactory.Instance;

    internal TimeProvider TimeProvider { get; } = TimeProvider.System;

    internal ConflictRetry ConflictRetry { get; } = null!;

    internal TrackingOptions TrackingOptions { get; } = null!;

    /// <summary>
    /// Deletes content (saved models, dataset files and packs, artifacts) that no record refers to any more and that is
    /// older than the grace period, which keeps in-flight uploads safe. Every record is read first; one that cannot be
    /// read stops the collection before anything is deleted.
    /// </summary>
    /// <param name="options">The grace period (default 1 day) and whether to only report; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>What was referenced, deleted and kept.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> hold a value out of range.</exception>
    /// <exception cref="Records.RecordFormatException">A record cannot be read; nothing was deleted.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<GarbageCollectionResult> CollectGarbageAsync(GarbageCollectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        return GarbageCollector.CollectAsync(_store, _runs, _datasets, _models, options ?? new GarbageCollectionOptions(), cancellationToken);
    }

    /// <summary>Creates a client on the embedded default store: the <c>.mlops/</c> folder under the working directory.</summary>
    /// <param name="loggerFactory">Where the SDK logs; nothing is logged when <see langword="null"/>.</param>
    /// <returns>The client.</returns>
    /// <exception cref="ObjectStoreException">The folder cannot be created or written.</exception>
    public static MlOpsClient CreateDefault(ILoggerFactory? loggerFactory = null) => new(new MlOpsOptions(), loggerFactory);

    /// <inheritdoc />
    public override string ToString() => $"MlOpsClient({_environment}, {_store?.Location})";

    private static MlOpsOptions Validated(MlOpsOptions? options)
    {
        Guard.NotNull(options);
        OptionsValidation.ThrowIfInvalid(options);
        return options;
    }
}
