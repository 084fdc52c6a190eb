using System.Globalization;
using Microsoft.Extensions.Logging;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Models;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Search;

/// <summary>
/// A hyperparameter search: trials of one objective, each a tracked child run of the study's run, shared through the
/// store by every worker (thread, process, machine) that opens it. Get one with <see cref="StudyCatalog.OpenAsync"/>.
/// </summary>
/// <remarks>
/// <para>
/// No database and no coordinator: trial numbers are allocated by create-if-absent, a waiting or stale trial is claimed by
/// compare-and-swap (exactly one worker gets it), and a running trial's liveness is its run's heartbeat, judged by the
/// store's clock. This holds across processes on the file-system store and across machines on Azure Blob Storage.
/// </para>
/// <para>
/// The sampler and pruner are this process's (<see cref="StudyOptions"/>); what the workers share is the trials. Members
/// are thread-safe.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var study = await client.Studies.OpenAsync("delays-lgbm", new StudyOptions { Direction = StudyDirection.Maximize });
/// var result = await study.OptimizeAsync(async (trial, ct) =>
/// {
///     var leaves = trial.SuggestInt("leaves", 4, 256, log: true);
///     var rate = trial.SuggestFloat("learning_rate", 1e-3, 0.3, log: true);
///     return await TrainAndEvaluateAsync(leaves, rate, ct);   // the AUC
/// }, new SearchBudget { Trials = 50, Parallelism = 2 });
/// Console.WriteLine(result.BestTrial);
/// </code>
/// </example>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The semaphore's wait handle is never created, so it holds nothing to dispose.")]
public partial class Study
{
    /// <summary>The artifact path under which <see cref="Trial.SaveModelAsync"/> keeps a trial's model.</summary>
    internal const string ModelArtifactPath = "model";

    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long after a trial's first suggestion or report its parameters and reports are stored for other workers to see.</summary>
    private static readonly TimeSpan FirstPersistDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>How old this worker's view of the study may be when it asks for a trial (other workers' trials show up this late at most).</summary>
    private static readonly TimeSpan AskRefreshInterval = TimeSpan.FromMilliseconds(100);

    private readonly MlOpsClient _client = null!;
    private readonly StudyRecord _record = null!;
    private readonly Sampler _sampler = null!;
    private readonly Pruner? _pruner;
    private readonly int _staleRetries;
    private readonly ILogger _logger = null!;
    private readonly ConflictRetry _conflictRetry = null!;
    private readonly TimeSpan _gracePeriod;
    private readonly string _worker = null!;
    private readonly string _trialsPrefix = null!;
    private readonly object _gate = new();
    private readonly StudyTrialHost _host = null!;
    private readonly Dictionary<int, CachedTrial> _cache = [];
    private readonly Dictionary<int, LiveTrial> _live = [];
    private readonly Dictionary<int, DateTimeOffset> _checkedAt = [];
    private readonly Dictionary<int, Azure.ETag> _unreadable = [];
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private TrialInfo[] _snapshot = [];
    private DateTimeOffset _snapshotAt;
    private long _refreshedAt;
    private Task _backgroundRefresh = Task.CompletedTask;

    internal Study(MlOpsClient client, StudyRecord record, StudyOptions options, Sampler sampler)
    {
        _client = client;
        _record = record;
        _sampler = sampler;
        _pruner = options.Pruner;
        _staleRetries = options.StaleTrialRetries;
        _logger = client.LoggerFactory.CreateLogger<Study>();
        _conflictRetry = client.ConflictRetry;
        _gracePeriod = client.TrackingOptions.CrashGracePeriod;
        _worker = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}");
        _trialsPrefix = SearchKeys.TrialsPrefix(record.Name);
        _host = new StudyTrialHost(this);
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected Study()
    {
    }

    /// <summary>Gets the study's name.</summary>
    public virtual string Name => _record.Name;

    /// <summary>Gets whether smaller or larger values are better.</summary>
    public virtual StudyDirection Direction => _record.Direction;

    /// <summary>Gets the experiment the study's run and its trials' runs are recorded in.</summary>
    public virtual string Experiment => _record.Experiment;

    /// <summary>Gets the id of the study's run, the parent of every trial's run.</summary>
    public virtual string RunId => _record.RunId;

    /// <summary>Gets the name of this worker, recorded with each trial it runs: machine, process id and a random suffix.</summary>
    public virtual string Worker => _worker;

    /// <inheritdoc />
    public override string ToString() => $"study {Name} ({Direction})";

    /// <summary>
    /// Starts a trial for an ask/tell loop the library does not own: an enqueued or stale trial if one waits, otherwise a
    /// new one. End it with <see cref="TellAsync(Trial, double, CancellationToken)"/> or
    /// <see cref="TellAsync(Trial, TrialState, CancellationToken)"/>.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The running trial.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<Trial> AskAsync(CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        return (await AskCoreAsync(totalTrials: null, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Ends a trial with its value: Complete (Failed when the value is not a number).</summary>
    /// <param name="trial">A trial this study started with <see cref="AskAsync"/>.</param>
    /// <param name="value">The objective's value.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The trial as recorded.</returns>
    /// <exception cref="ArgumentException"><paramref name="trial"/> is not a trial this study started in this process.</exception>
    /// <exception cref="TrialNotActiveException">The trial already ended, or went stale and another worker took it over.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<TrialInfo> TellAsync(Trial trial, double value, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        var live = Live(trial);
        return double.IsNaN(value)
            ? EndTrialAsync(live, TrialState.Failed, null, new InvalidOperationException($"The objective returned NaN for trial {trial.Number} of study '{Name}'."), cancellationToken, "The objective returned NaN.")
            : EndTrialAsync(live, TrialState.Complete, value, null, cancellationToken);
    }

    /// <summary>Ends a trial without a value: <see cref="TrialState.Pruned"/> or <see cref="TrialState.Failed"/>.</summary>
    /// <param name="trial">A trial this study started with <see cref="AskAsync"/>.</param>
    /// <param name="state"><see cref="TrialState.Pruned"/> or <see cref="TrialState.Failed"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The trial as recorded.</returns>
    /// <exception cref="ArgumentException"><paramref name="trial"/> is not a trial this study started in this process, or <paramref name="state"/> is another state.</exception>
    /// <exception cref="TrialNotActiveException">The trial already ended, or went stale and another worker took it over.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<TrialInfo> TellAsync(Trial trial, TrialState state, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        if (state is not (TrialState.Pruned or TrialState.Failed))
        {
            throw new ArgumentException($"A trial is told Pruned or Failed without a value, not {state}; tell a value to complete it.", nameof(state));
        }

        return EndTrialAsync(Live(trial), state, null, state == TrialState.Failed ? new InvalidOperationException($"Trial {trial.Number} of study '{Name}' was told Failed.") : null, cancellationToken, state == TrialState.Failed ? "Told Failed." : null);
    }

    /// <summary>
    /// Enqueues a trial with fixed parameters (a known good configuration, a default to beat): the next worker to ask
    /// takes it, and its suggestions of these names return these values. Other parameters are sampled as usual.
    /// </summary>
    /// <param name="parameters">The values by name (numbers, strings, booleans; written with the invariant culture).</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The waiting trial's number.</returns>
    /// <exception cref="ArgumentException">A name is invalid.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<int> EnqueueTrialAsync(IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(parameters);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in parameters)
        {
            TrackingNames.Key(name, "Parameter", nameof(parameters));
            values[name] = Tracking.Run.Format(value);
        }

        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        var (record, _) = await CreateTrialAsync(null, _ => new TrialRecord { State = TrialState.Waiting, Enqueued = values }, cancellationToken).ConfigureAwait(false);
        return record!.Number;
    }

    /// <summary>
    /// Gets every trial of the study, in number order, as the store holds them now. A running trial whose run sent no
    /// heartbeat for the tracking crash grace period (by the store's clock) is recorded <see cref="TrialState.Stale"/>.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The trials; one whose record cannot be read is left out (and logged).</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyList<TrialInfo>> GetTrialsAsync(CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        await MarkStaleTrialsAsync(force: true, cancellationToken).ConfigureAwait(false);
        return Snapshot();
    }

    /// <summary>
    /// Writes the trials table as CSV (RFC 4180): number, state, value, start, duration in seconds, worker, run id, then
    /// one column per parameter (<c>params.{name}</c>, blank where a trial did not suggest it) and the last report
    /// (<c>last_step</c>, <c>last_intermediate_value</c>), in number order. For a spreadsheet, pandas or <c>LoadFromTextFile</c>.
    /// </summary>
    /// <param name="writer">Where to write it.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the table is written.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task WriteTrialsCsvAsync(TextWriter writer, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(writer);
        var trials = await GetTrialsAsync(cancellationToken).ConfigureAwait(false);
        var parameters = trials.SelectMany(t => t.Parameters.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        static string Cell(string? text) => text is null ? string.Empty
            : text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : text;
        static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? string.Empty;

        var header = new List<string> { "number", "state", "value", "start", "duration_s", "worker", "run_id" };
        header.AddRange(parameters.Select(p => $"params.{p}"));
        header.Add("last_step");
        header.Add("last_intermediate_value");
        await writer.WriteLineAsync(string.Join(',', header.Select(Cell))).ConfigureAwait(false);
        foreach (var trial in trials)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var row = new List<string?>
            {
                trial.Number.ToString(CultureInfo.InvariantCulture),
                trial.State.ToString(),
                Number(trial.Value),
                trial.StartTime?.ToString("O", CultureInfo.InvariantCulture),
                Number(trial.Duration?.TotalSeconds),
                trial.Worker,
                trial.RunId,
            };
            row.AddRange(parameters.Select(p => trial.Parameters.TryGetValue(p, out var value) ? Tracking.Run.Format(value) : null));
            var last = trial.IntermediateValues.Count == 0 ? (KeyValuePair<long, double>?)null : trial.IntermediateValues.Last();
            row.Add(last?.Key.ToString(CultureInfo.InvariantCulture));
            row.Add(Number(last?.Value));
            await writer.WriteLineAsync(string.Join(',', row.Select(Cell))).ConfigureAwait(false);
        }

        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets the study's best complete trial (the lowest or highest value; the earliest among equals).</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The best trial, or <see langword="null"/> when no trial is complete.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<TrialInfo?> GetBestTrialAsync(CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        return Best(Snapshot());
    }

    /// <summary>
    /// Estimates how much each parameter matters to the value: the mean decrease in impurity of a random forest
    /// regression (64 trees, seeded) fitted to the complete trials' parameters (log-scale ones as their logarithm,
    /// categorical ones one-hot, summed back) against their values, normalized to sum to 1. Only parameters every
    /// complete trial has, from one distribution, are rated.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The parameters and their importances, most important first; empty with fewer than two complete trials.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyList<KeyValuePair<string, double>>> GetParameterImportancesAsync(CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        return ParameterImportances.Evaluate(Snapshot(), Direction);
    }

    /// <summary>
    /// Registers the best complete trial's model (saved with <see cref="Trial.SaveModelAsync"/>) as a new version in the
    /// model registry, linked to the trial's run: its parameters, metrics and datasets are recorded with the version.
    /// </summary>
    /// <param name="modelName">The registered model's name.</param>
    /// <param name="options">A description, tags, datasets, an input example (<see cref="RegisterModelOptions.Run"/> must be unset; the artifact path is the trial's).</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The registered version.</returns>
    /// <exception cref="InvalidOperationException">No trial is complete, or the best one saved no model.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<ModelVersion> RegisterBestModelAsync(string modelName, RegisterModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        Registry.RegistryNames.Name(modelName, "Model");
        if (options?.Run is not null)
        {
            throw new ArgumentException("The best trial's run is the model's source; leave RegisterModelOptions.Run unset.", nameof(options));
        }

        var best = await GetBestTrialAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Study '{Name}' has no complete trial; there is no best model to register.");
        var run = await _client.Runs.GetAsync(best.RunId!, cancellationToken).ConfigureAwait(false);
        var saved = run.Artifacts.FirstOrDefault(a => a.Path == ModelArtifactPath)
            ?? throw new InvalidOperationException($"The best trial of study '{Name}' (trial {best.Number}, run {best.RunId}) saved no model; call trial.SaveModelAsync(model, schema) in the objective.");

        // Loaded (hash verified) for its schemas; registered as the very bytes the trial saved.
        var loaded = await _client.Models.LoadAsync(ModelRef.Parse($"runs:/{best.RunId}/{ModelArtifactPath}"), cancellationToken).ConfigureAwait(false);
        var register = new RegisterModelOptions { Description = options?.Description, InputExample = options?.InputExample };
        foreach (var (tag, value) in options?.Tags ?? new Dictionary<string, string>())
        {
            register.Tags[tag] = value;
        }

        foreach (var dataset in options?.Datasets ?? [])
        {
            register.Datasets.Add(dataset);
        }

        register.Tags.TryAdd("mlops.study", Name);
        register.Tags.TryAdd("mlops.trial", best.Number.ToString(CultureInfo.InvariantCulture));
        return await _client.Models.RegisterFromRunAsync(modelName, loaded.Model, loaded.InputSchema, register, run, saved, null, cancellationToken).ConfigureAwait(false);
    }

    private double SampleIndependent(Trial trial, string name, ParameterDistribution distribution)
    {
        var others = Snapshot(except: trial.Number);
        var own = trial.ParameterRecords();
        var context = new SamplingContext(
            Name,
            Direction,
            trial.Number,
            others,
            own.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal),
            own.ToDictionary(p => p.Name, p => p.Distribution.ToDistribution(p.Name), StringComparer.Ordinal));
        return _sampler.SampleIndependent(context, name, distribution);
    }

    private bool ShouldPrune(Trial trial)
    {
        if (_pruner is null)
        {
            return false;
        }

        RefreshInBackgroundIfOld();
        return _pruner.ShouldPrune(new PruningContext(Name, Direction, trial.Number, trial.IntermediateValues, Snapshot(except: trial.Number)));
    }

    private void OnReport(Trial trial)
    {
        LiveTrial live;
        lock (_gate)
        {
            if (!_live.TryGetValue(trial.Number, out live!) || !ReferenceEquals(live.Trial, trial))
            {
                return;
            }
        }

        live.SchedulePersist(this);
    }

    internal static TrialInfo? Best(IReadOnlyList<TrialInfo> trials, StudyDirection direction)
    {
        TrialInfo? best = null;
        foreach (var trial in trials)
        {
            if (trial.State != TrialState.Complete || trial.Value is not { } value || double.IsNaN(value))
            {
                continue;
            }

            if (best is null || (direction == StudyDirection.Minimize ? value < best.Value!.Value : value > best.Value!.Value))
            {
                best = trial;
            }
        }

        return best;
    }

    private TrialInfo? Best(IReadOnlyList<TrialInfo> trials) => Best(trials, Direction);

    private LiveTrial Live(Trial trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        lock (_gate)
        {
            if (_live.TryGetValue(trial.Number, out var live) && ReferenceEquals(live.Trial, trial))
            {
                return live;
            }
        }

        if (trial.Host == _host && trial.EndedState is { } ended)
        {
            throw new TrialNotActiveException(Name, trial.Number, ended, "telling it a result (it already ended)");
        }

        throw new ArgumentException($"{trial} is not a trial this study started in this process.", nameof(trial));
    }

    /// <summary>What the study's trials ask of it.</summary>
    private sealed class StudyTrialHost(Study study) : TrialHost
    {
        public override string StudyName => study.Name;

        public override double SampleIndependent(Trial trial, string name, ParameterDistribution distribution) => study.SampleIndependent(trial, name, distribution);

        public override bool ShouldPrune(Trial trial) => study.ShouldPrune(trial);

        public override void OnReport(Trial trial) => study.OnReport(trial);
    }
}
