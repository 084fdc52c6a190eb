using Microsoft.Extensions.Logging;
using MlOps.Sdk.Data;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Models;

/// <summary>What the model types share: the stores, the options, the clock, the runs (for lineage) and the datasets (for batch scoring).</summary>
internal sealed class ModelContext(ObjectStore store, ContentStore content, ConflictRetry conflictRetry, ModelOptions options, string environment, RunCatalog runs, DatasetCatalog datasets, TimeProvider timeProvider, ILoggerFactory loggerFactory)
{
    public ObjectStore Store { get; } = store;

    public ContentStore Content { get; } = content;

    public RecordStore Records { get; } = new(store, conflictRetry);

    public ModelOptions Options { get; } = options;

    public string Environment { get; } = environment;

    public RunCatalog Runs { get; } = runs;

    public DatasetCatalog Datasets { get; } = datasets;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public ILogger Logger { get; } = loggerFactory.CreateLogger("MlOps.Sdk.Models");
}
