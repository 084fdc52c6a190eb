using Microsoft.Extensions.Logging;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Models;

/// <summary>What the model types share: the stores, the options, the clock, and the runs (for lineage).</summary>
internal sealed class ModelContext(ObjectStore store, ContentStore content, ConflictRetry conflictRetry, ModelOptions options, string environment, RunCatalog runs, TimeProvider timeProvider, ILoggerFactory loggerFactory)
{
    public ObjectStore Store { get; } = store;

    public ContentStore Content { get; } = content;

    public RecordStore Records { get; } = new(store, conflictRetry);

    public ModelOptions Options { get; } = options;

    public string Environment { get; } = environment;

    public RunCatalog Runs { get; } = runs;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public ILogger Logger { get; } = loggerFactory.CreateLogger("MlOps.Sdk.Models");
}
