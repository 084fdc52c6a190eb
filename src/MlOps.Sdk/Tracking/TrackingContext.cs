using Microsoft.Extensions.Logging;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tracking;

/// <summary>What the tracking types share: the stores, the options, the clock, redaction and the run index.</summary>
internal sealed class TrackingContext
{
    private readonly Lazy<Task<RunSource>> _source;

    public TrackingContext(ObjectStore store, ContentStore content, ConflictRetry conflictRetry, TrackingOptions options, string environment, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        Store = store;
        Content = content;
        Records = new RecordStore(store, conflictRetry);
        Options = options;
        Environment = environment;
        TimeProvider = timeProvider;
        Logger = loggerFactory.CreateLogger("MlOps.Sdk.Tracking");
        Redactor = new SecretRedactor(options.SecretNames);
        Index = new RunIndex(this);
        _source = new Lazy<Task<RunSource>>(() => RunSourceCapture.CaptureAsync(environment, null, Redactor, includeGit: false, CancellationToken.None));
    }

    public ObjectStore Store { get; }

    public ContentStore Content { get; }

    public RecordStore Records { get; }

    public TrackingOptions Options { get; }

    public string Environment { get; }

    public TimeProvider TimeProvider { get; }

    public ILogger Logger { get; }

    public SecretRedactor Redactor { get; }

    public RunIndex Index { get; }

    /// <summary>What every run of this process records about where it runs; git is re-read when a run starts, the rest once.</summary>
    public async Task<RunSourceRecord> CaptureSourceAsync(CancellationToken cancellationToken)
    {
        var source = await _source.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        var git = Options.CaptureGit ? await RunSourceCapture.CaptureGitAsync(null, cancellationToken).ConfigureAwait(false) : null;
        return new RunSourceRecord
        {
            User = source.User,
            Machine = source.Machine,
            EntryAssembly = source.EntryAssembly,
            EntryAssemblyVersion = source.EntryAssemblyVersion,
            CommandLine = source.CommandLine,
            DotNetVersion = source.DotNetVersion,
            MlNetVersion = MlNetVersion.Value,
            OperatingSystem = source.OperatingSystem,
            ProcessId = source.ProcessId,
            Environment = Environment,
            GitCommit = git?.Commit,
            GitBranch = git?.Branch,
            GitRemote = git?.Remote,
            GitDirty = git?.Dirty,
        };
    }

    /// <summary>Reads an experiment, creating it when missing; refuses a deleted one.</summary>
    public async Task<ExperimentRecord> EnsureExperimentAsync(string name, string? description, Dictionary<string, string>? tags, CancellationToken cancellationToken)
    {
        var key = TrackingKeys.Experiment(name);
        for (var attempt = 0; ; attempt++)
        {
            var existing = await Records.GetAsync(key, TrackingJsonContext.Default.ExperimentRecord, cancellationToken).ConfigureAwait(false);
            if (existing is not null)
            {
                return existing.DeletedAt is null ? existing : throw new ExperimentNotFoundException(name, deleted: true);
            }

            var created = new ExperimentRecord
            {
                Name = name,
                Description = description,
                Tags = tags ?? new Dictionary<string, string>(StringComparer.Ordinal),
                CreatedBy = System.Environment.UserName,
                CreatedAt = TimeProvider.GetUtcNow(),
            };
            try
            {
                await Records.CreateAsync(key, created, TrackingJsonContext.Default.ExperimentRecord, cancellationToken).ConfigureAwait(false);
                TrackingLog.ExperimentCreated(Logger, name);
                return created;
            }
            catch (PreconditionFailedException) when (attempt < 3)
            {
                // Created by another process meanwhile: read theirs.
            }
        }
    }

    public async Task<List<ExperimentRecord>> ListExperimentsAsync(bool includeDeleted, CancellationToken cancellationToken)
    {
        var keys = await Store.ListAsync(TrackingKeys.ExperimentsPrefix, cancellationToken)
            .Where(p => p.Key.EndsWith(".json", StringComparison.Ordinal))
            .Select(p => p.Key)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var records = await Task.WhenAll(keys.Select(k => Records.GetAsync(k, TrackingJsonContext.Default.ExperimentRecord, cancellationToken))).ConfigureAwait(false);
        return records.Where(r => r is not null && (includeDeleted || r.DeletedAt is null)).Select(r => r!).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    private static class MlNetVersion
    {
        public static readonly string? Value = typeof(Microsoft.ML.MLContext).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>()
            .FirstOrDefault()?.InformationalVersion.Split('+')[0];
    }
}
