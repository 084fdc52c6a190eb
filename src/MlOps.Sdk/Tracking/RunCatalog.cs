using System.Runtime.CompilerServices;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Tracking;

/// <summary>
/// The runs of a store (<c>client.Runs</c>): start, resume and end runs; get, search and compare them; read their
/// metric histories and artifacts.
/// </summary>
public partial class RunCatalog
{
    private readonly TrackingContext _context = null!;

    internal RunCatalog(TrackingContext context)
    {
        _context = context;
    }

    /// <summary>Adds the content every run's artifacts refer to (for garbage collection).</summary>
    internal async Task AddContentReferencesAsync(ISet<string> content, CancellationToken cancellationToken)
    {
        await foreach (var item in _context.Store.ListAsync("runs/", cancellationToken).ConfigureAwait(false))
        {
            if (item.Key.EndsWith("/run.json", StringComparison.Ordinal)
                && await _context.Records.GetAsync(item.Key, TrackingJsonContext.Default.RunRecord, cancellationToken).ConfigureAwait(false) is { } run)
            {
                foreach (var artifact in run.Artifacts)
                {
                    content.Add(artifact.Sha256);
                }
            }
        }
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected RunCatalog()
    {
    }

    /// <summary>
    /// Starts a run in an experiment (created if it does not exist), recording where it runs. End it with
    /// <see cref="Run.CompleteAsync"/>, or let <c>await using</c> dispose it.
    /// </summary>
    /// <param name="experiment">The experiment's name.</param>
    /// <param name="options">A name, a parent, starting parameters and tags; none when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The running run.</returns>
    /// <exception cref="ArgumentException"><paramref name="experiment"/>, or a parameter or tag in <paramref name="options"/>, is invalid.</exception>
    /// <exception cref="ExperimentNotFoundException">The experiment is deleted.</exception>
    /// <exception cref="RunNotFoundException">The parent run does not exist.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<Run> StartAsync(string experiment, StartRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        TrackingNames.Experiment(experiment, nameof(experiment));
        return StartInScope(_context, experiment, options ?? new StartRunOptions(), cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="body"/> in a new run and ends it exactly: Finished when the body returns, Killed when it is
    /// cancelled, Failed (with the exception) when it throws; the exception is rethrown.
    /// </summary>
    /// <param name="experiment">The experiment's name.</param>
    /// <param name="body">The work, given the run and the token.</param>
    /// <param name="options">How the run starts.</param>
    /// <param name="cancellationToken">A token to cancel the work.</param>
    /// <returns>A task that completes when the run has ended.</returns>
    /// <exception cref="ArgumentException"><paramref name="experiment"/> is invalid.</exception>
    public virtual async Task RunAsync(string experiment, Func<Run, CancellationToken, Task> body, StartRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(body);
        await RunAsync<bool>(experiment, async (run, ct) =>
        {
            await body(run, ct).ConfigureAwait(false);
            return true;
        }, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="body"/> in a new run, like <see cref="RunAsync(string, Func{Run, CancellationToken, Task}, StartRunOptions?, CancellationToken)"/>, and returns its result.</summary>
    /// <typeparam name="T">The result's type.</typeparam>
    /// <param name="experiment">The experiment's name.</param>
    /// <param name="body">The work, given the run and the token.</param>
    /// <param name="options">How the run starts.</param>
    /// <param name="cancellationToken">A token to cancel the work.</param>
    /// <returns>What <paramref name="body"/> returned.</returns>
    /// <exception cref="ArgumentException"><paramref name="experiment"/> is invalid.</exception>
    public virtual async Task<T> RunAsync<T>(string experiment, Func<Run, CancellationToken, Task<T>> body, StartRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var run = await StartAsync(experiment, options, cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await body(run, cancellationToken).ConfigureAwait(false);
            await run.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await EndQuietlyAsync(run, () => run.KillAsync(CancellationToken.None)).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex)
        {
            await EndQuietlyAsync(run, () => run.FailAsync(ex, CancellationToken.None)).ConfigureAwait(false);
            throw;
        }
        finally
        {
            await EndQuietlyAsync(run, () => run.DisposeAsync().AsTask()).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes up a run again, in this process: one that crashed, was killed or failed, or that another process still
    /// holds. It is marked Running; logging continues where it was. A Finished run cannot be resumed.
    /// </summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The running run.</returns>
    /// <exception cref="RunNotFoundException">No run has that id.</exception>
    /// <exception cref="RunNotActiveException">The run is Finished.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<Run> ResumeAsync(string runId, CancellationToken cancellationToken = default)
    {
        ValidateRunId(runId);
        var scope = RunScope.Enter();
        return ResumeCoreAsync(runId, scope, cancellationToken);
    }

    /// <summary>Gets a run as the store records it now; a Running run without a recent heartbeat is reported Crashed.</summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The run.</returns>
    /// <exception cref="RunNotFoundException">No run has that id.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<RunInfo> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ValidateRunId(runId);
        var record = await _context.Records.GetAsync(TrackingKeys.Run(runId), TrackingJsonContext.Default.RunRecord, cancellationToken).ConfigureAwait(false)
            ?? throw new RunNotFoundException(runId);
        if (record.Status != RunStatus.Running)
        {
            return new RunInfo(record, record.Status, null);
        }

        var heartbeat = await _context.Store.GetPropertiesAsync(TrackingKeys.Heartbeat(runId), cancellationToken).ConfigureAwait(false);
        var now = await _context.Store.GetCurrentTimeAsync(cancellationToken).ConfigureAwait(false);
        return await ReportAsync(record, heartbeat?.LastModified, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets (or replaces) a tag of a run, also after it ended.</summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="name">The tag's name.</param>
    /// <param name="value">The value; secrets are redacted.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the tag is stored.</returns>
    /// <exception cref="ArgumentException">The name or value is invalid.</exception>
    /// <exception cref="RunNotFoundException">No run has that id.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task SetTagAsync(string runId, string name, string value, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ValidateRunId(runId);
        TrackingNames.Key(name, "Tag", nameof(name));
        var text = _context.Redactor.Redact(name, TrackingNames.Value(value, TrackingNames.MaxTagValueLength, "tag", name, nameof(value)));
        var updated = await _context.Records.UpdateAsync(
            TrackingKeys.Run(runId),
            current =>
            {
                var copy = (current ?? throw new RunNotFoundException(runId)).Clone();
                copy.Tags[name] = text;
                copy.Revision++;
                return copy;
            },
            TrackingJsonContext.Default.RunRecord,
            cancellationToken).ConfigureAwait(false);
        if (updated!.Status != RunStatus.Running)
        {
            await _context.Index.AppendAsync(updated, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads every recorded value of one metric of a run, ordered by step, then time.</summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="metricName">The metric.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The points; empty when the run never logged the metric.</returns>
    /// <exception cref="RunNotFoundException">No run has that id.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyList<MetricPoint>> GetMetricHistoryAsync(string runId, string metricName, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ValidateRunId(runId);
        TrackingNames.Key(metricName, "Metric", nameof(metricName));
        if (await _context.Store.GetPropertiesAsync(TrackingKeys.Run(runId), cancellationToken).ConfigureAwait(false) is null)
        {
            throw new RunNotFoundException(runId);
        }

        var segments = await _context.Store.ListAsync(TrackingKeys.MetricsPrefix(runId), cancellationToken).Select(p => p.Key).ToListAsync(cancellationToken).ConfigureAwait(false);
        var contents = new StoredObject?[segments.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, segments.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
            contents[i] = await _context.Store.ReadAsync(segments[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        return contents
            .Where(c => c is not null)
            .SelectMany(c => MetricBuffer.ParseCsv(c!.Content, metricName))
            .OrderBy(p => p.Step)
            .ThenBy(p => p.Timestamp)
            .ToList();
    }

    /// <summary>Opens an artifact of a run for reading; verified against its hash as it is read.</summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="artifactPath">The artifact's path inside the run.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A stream the caller disposes.</returns>
    /// <exception cref="RunNotFoundException">No run has that id.</exception>
    /// <exception cref="FileNotFoundException">The run has no artifact with that path.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<Stream> OpenArtifactAsync(string runId, string artifactPath, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        TrackingNames.ArtifactPath(artifactPath);
        var run = await GetAsync(runId, cancellationToken).ConfigureAwait(false);
        var artifact = run.Artifacts.FirstOrDefault(a => a.Path == artifactPath)
            ?? throw new FileNotFoundException($"Run '{runId}' has no artifact '{artifactPath}'. It has: {string.Join(", ", run.Artifacts.Select(a => a.Path).Take(20))}.", artifactPath);
        return await _context.Content.OpenReadAsync(artifact.Sha256, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Downloads the artifacts of a run (all, or those under a path) into a local folder, verified, keeping their paths.</summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="destination">The local folder.</param>
    /// <param name="artifactPath">An artifact, or a folder of artifacts inside the run; all when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The local paths written.</returns>
    /// <exception cref="RunNotFoundException">No run has that id.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyList<string>> DownloadArtifactsAsync(string runId, string destination, string? artifactPath = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        if (artifactPath is not null)
        {
            TrackingNames.ArtifactPath(artifactPath.TrimEnd('/'), nameof(artifactPath));
        }

        var run = await GetAsync(runId, cancellationToken).ConfigureAwait(false);
        var selected = run.Artifacts.Where(a => artifactPath is null || a.Path == artifactPath || a.Path.StartsWith(artifactPath.TrimEnd('/') + "/", StringComparison.Ordinal)).ToList();
        var root = Path.GetFullPath(destination);
        var written = new List<string>();
        foreach (var artifact in selected)
        {
            // A record edited by hand must not make a download write outside the destination.
            TrackingNames.ArtifactPath(artifact.Path);
            var local = Path.GetFullPath(Path.Combine(root, artifact.Path.Replace('/', Path.DirectorySeparatorChar)));
            if (!local.StartsWith(Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Artifact path '{artifact.Path}' of run '{runId}' leads outside '{root}'.", nameof(runId));
            }

            await _context.Content.DownloadToFileAsync(artifact.Sha256, local, cancellationToken).ConfigureAwait(false);
            written.Add(local);
        }

        return written;
    }

    /// <summary>Ends a run while the body's own exception is on its way: a failure to record the end is logged, not thrown.</summary>
    private async Task EndQuietlyAsync(Run run, Func<Task> end)
    {
        try
        {
            await end().ConfigureAwait(false);
        }
        catch (Exception ex) when (run.Status == RunStatus.Running)
        {
            TrackingLog.RunEndFailed(_context.Logger, run.Id, ex);
        }
    }

    /// <summary>Starts a run with the caller's flow marked as the run's (synchronously, so the mark stays with the caller).</summary>
    internal static Task<Run> StartInScope(TrackingContext context, string experiment, StartRunOptions options, CancellationToken cancellationToken)
    {
        var scope = RunScope.Enter();
        return StartCoreAsync(context, experiment, options, scope, cancellationToken);
    }

    private static async Task<Run> StartCoreAsync(TrackingContext context, string experiment, StartRunOptions options, RunScope scope, CancellationToken cancellationToken)
    {
        RunScope.EnterSdk();
        try
        {
            var (parameters, tags) = StartFields(context, options);

            if (options.ParentRunId is { } parent)
            {
                ValidateRunId(parent, nameof(options));
                if (await context.Store.GetPropertiesAsync(TrackingKeys.Run(parent), cancellationToken).ConfigureAwait(false) is null)
                {
                    throw new RunNotFoundException(parent);
                }
            }

            await context.EnsureExperimentAsync(experiment, null, null, cancellationToken).ConfigureAwait(false);
            var now = context.TimeProvider.GetUtcNow();
            var record = new RunRecord
            {
                Id = options.PresetRunId ?? Guid.CreateVersion7(now).ToString("N"),
                Experiment = experiment,
                Name = options.Name,
                Description = options.Description,
                ParentRunId = options.ParentRunId,
                Status = RunStatus.Running,
                StartTime = now,
                Revision = 1,
                Source = await context.CaptureSourceAsync(cancellationToken).ConfigureAwait(false),
                Parameters = parameters,
                Tags = tags,
            };

            // The heartbeat first (a record without one would look crashed), then the summary (a record without one would
            // be missing from searches), then the record: each step only once the one before is stored, so a failure or a
            // crash in between never leaves a record that searches miss (a summary without a record is skipped). Nobody
            // knows the new id yet, so on failure everything is deleted, the record too in case only its answer was lost.
            var run = new Run(context, record, scope);
            await run.BeatAsync(checkRevival: false, cancellationToken).ConfigureAwait(false);
            var creating = false;
            try
            {
                await context.Index.AppendAsync(record, cancellationToken).ConfigureAwait(false);
                creating = true;
                try
                {
                    await context.Records.CreateAsync(TrackingKeys.Run(record.Id), record, TrackingJsonContext.Default.RunRecord, cancellationToken).ConfigureAwait(false);
                }
                catch (PreconditionFailedException) when (options.PresetRunId is not null)
                {
                    // A retried create whose first answer was lost finds this start's own record; anything else is another
                    // starter's run.
                    if (!await IsOwnRecordAsync(context, record).ConfigureAwait(false))
                    {
                        throw;
                    }
                }
            }
            catch (Exception ex) when (!(creating && options.PresetRunId is not null && ex is PreconditionFailedException))
            {
                await TryDeleteAsync(context.Store, TrackingKeys.Run(record.Id)).ConfigureAwait(false);
                await TryDeleteAsync(context.Store, TrackingKeys.IndexPending(experiment, record.Id, record.Revision)).ConfigureAwait(false);
                await TryDeleteAsync(context.Store, TrackingKeys.Heartbeat(record.Id)).ConfigureAwait(false);
                throw;
            }

            // A preset id that exists is another starter's run (a study's run recovered by another worker): nothing of
            // this attempt is deleted, since every key it wrote is that run's too.


            run.StartBackground();
            TrackingLog.RunStarted(context.Logger, record.Id, experiment);
            return run;
        }
        catch
        {
            scope.End();
            throw;
        }
    }

    /// <summary>
    /// Records a run that is over the moment it starts, in one record write (and its search summary): a pipeline step
    /// that reused an earlier output did nothing to watch, so it needs no heartbeat, no updates and no end. Parameters,
    /// tags, artifacts (content already stored) and metric summaries are given whole; the run has no metric history.
    /// </summary>
    internal async Task<string> RecordFinishedAsync(string experiment, StartRunOptions options, IReadOnlyList<RunArtifact> artifacts, IReadOnlyDictionary<string, MetricSummary> metrics, CancellationToken cancellationToken)
    {
        var context = _context;
        var (parameters, tags) = StartFields(context, options);

        if (options.ParentRunId is { } parent)
        {
            ValidateRunId(parent, nameof(options));
        }

        await context.EnsureExperimentAsync(experiment, null, null, cancellationToken).ConfigureAwait(false);
        var now = context.TimeProvider.GetUtcNow();
        var record = new RunRecord
        {
            Id = Guid.CreateVersion7(now).ToString("N"),
            Experiment = experiment,
            Name = options.Name,
            Description = options.Description,
            ParentRunId = options.ParentRunId,
            Status = RunStatus.Finished,
            StartTime = now,
            EndTime = now,
            Revision = 1,
            Source = await context.CaptureSourceAsync(cancellationToken).ConfigureAwait(false),
            Parameters = parameters,
            Tags = tags,
        };
        foreach (var artifact in artifacts.OrderBy(a => a.Path, StringComparer.Ordinal))
        {
            record.Artifacts.Add(new ArtifactRecord { Path = TrackingNames.ArtifactPath(artifact.Path), Sha256 = artifact.Sha256.ToString(), Size = artifact.Size });
        }

        foreach (var (name, summary) in metrics)
        {
            TrackingNames.Key(name, "Metric", nameof(metrics));
            record.Metrics[name] = new MetricSummaryRecord { Last = summary.Last, LastStep = summary.LastStep, LastTimestamp = summary.LastTimestamp, Min = summary.Last, Max = summary.Last, Count = 1 };
        }

        // The summary first, then the record (a summary without a record is skipped by searches; the reverse would be missed).
        await context.Index.AppendAsync(record, cancellationToken).ConfigureAwait(false);
        await context.Records.CreateAsync(TrackingKeys.Run(record.Id), record, TrackingJsonContext.Default.RunRecord, cancellationToken).ConfigureAwait(false);
        return record.Id;
    }

    /// <summary>A new run's parameters and tags from its start options: names checked, values formatted, bounded and redacted.</summary>
    private static (Dictionary<string, string> Parameters, Dictionary<string, string> Tags) StartFields(TrackingContext context, StartRunOptions options)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in options.Parameters)
        {
            TrackingNames.Key(name, "Parameter", nameof(options));
            parameters[name] = context.Redactor.Redact(name, TrackingNames.Value(Run.Format(value), TrackingNames.MaxParameterValueLength, "parameter", name, nameof(options)));
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in options.Tags)
        {
            TrackingNames.Key(name, "Tag", nameof(options));
            tags[name] = context.Redactor.Redact(name, TrackingNames.Value(value, TrackingNames.MaxTagValueLength, "tag", name, nameof(options)));
        }

        return (parameters, tags);
    }

    /// <summary>Whether the stored record of a preset id is the one this start wrote (same start time, name and source).</summary>
    private static async Task<bool> IsOwnRecordAsync(TrackingContext context, RunRecord record)
    {
        try
        {
            var stored = await context.Records.GetAsync(TrackingKeys.Run(record.Id), TrackingJsonContext.Default.RunRecord, CancellationToken.None).ConfigureAwait(false);
            return stored is not null && stored.Revision == record.Revision && stored.StartTime == record.StartTime && stored.Name == record.Name
                && stored.Source?.ProcessId == record.Source?.ProcessId && stored.Source?.Machine == record.Source?.Machine;
        }
        catch (ObjectStoreException)
        {
            return false;
        }
    }

    private async Task<Run> ResumeCoreAsync(string runId, RunScope scope, CancellationToken cancellationToken)
    {
        RunScope.EnterSdk();
        try
        {
            await _context.Store.WriteAsync(TrackingKeys.Heartbeat(runId), BinaryData.FromString("{}"), cancellationToken: cancellationToken).ConfigureAwait(false);
            var resumed = await _context.Records.UpdateAsync(
                TrackingKeys.Run(runId),
                current =>
                {
                    var copy = (current ?? throw new RunNotFoundException(runId)).Clone();
                    if (copy.Status == RunStatus.Finished)
                    {
                        throw new RunNotActiveException(runId, copy.Status, "resuming it");
                    }

                    copy.Status = RunStatus.Running;
                    copy.EndTime = null;
                    copy.Failure = null;
                    copy.Revision++;
                    return copy;
                },
                TrackingJsonContext.Default.RunRecord,
                cancellationToken).ConfigureAwait(false);
            await _context.Index.AppendAsync(resumed!, cancellationToken).ConfigureAwait(false);
            var run = new Run(_context, resumed!, scope);
            run.StartBackground();
            TrackingLog.RunResumed(_context.Logger, runId);
            return run;
        }
        catch (Exception ex)
        {
            scope.End();
            if (ex is RunNotFoundException or RunNotActiveException)
            {
                await _context.Store.DeleteAsync(TrackingKeys.Heartbeat(runId), cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Reports a Running run as Crashed when its heartbeat is older than the grace period by the store's clock, and
    /// records that (by compare-and-swap, so a run that came back meanwhile is not overwritten).
    /// </summary>
    private async Task<RunInfo> ReportAsync(RunRecord record, DateTimeOffset? lastHeartbeat, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stale = lastHeartbeat is null || now - lastHeartbeat.Value > _context.Options.CrashGracePeriod;
        if (!stale)
        {
            return new RunInfo(record, RunStatus.Running, lastHeartbeat);
        }

        RunRecord? crashed;
        try
        {
            crashed = await _context.Records.UpdateAsync(
                TrackingKeys.Run(record.Id),
                current =>
                {
                    if (current is null || current.Status != RunStatus.Running || current.Revision != record.Revision)
                    {
                        return null;
                    }

                    var copy = current.Clone();
                    copy.Status = RunStatus.Crashed;
                    copy.Revision++;
                    return copy;
                },
                TrackingJsonContext.Default.RunRecord,
                cancellationToken).ConfigureAwait(false);
            if (crashed is { Status: RunStatus.Crashed } && crashed.Revision == record.Revision + 1)
            {
                TrackingLog.RunCrashed(_context.Logger, record.Id, lastHeartbeat, now);
                await _context.Index.AppendAsync(crashed, cancellationToken).ConfigureAwait(false);
                return new RunInfo(crashed, RunStatus.Crashed, lastHeartbeat);
            }
        }
        catch (ObjectStoreException ex)
        {
            // Reading needs no write access: with a read-only credential the crash is reported, not recorded.
            TrackingLog.CrashNotRecorded(_context.Logger, record.Id, ex);
            return new RunInfo(record, RunStatus.Crashed, lastHeartbeat);
        }

        // It changed meanwhile (it is alive, or ended): report what it is now.
        return crashed is null ? new RunInfo(record, RunStatus.Crashed, lastHeartbeat) : new RunInfo(crashed, crashed.Status, lastHeartbeat);
    }

    private static async Task TryDeleteAsync(ObjectStore store, string key)
    {
        try
        {
            await store.DeleteAsync(key).ConfigureAwait(false);
        }
        catch (ObjectStoreException)
        {
            // Left behind; a summary without a record is skipped by searches, a heartbeat without one by nothing.
        }
    }

    private static void ValidateRunId(string runId, string paramName = "runId")
    {
        ArgumentNullException.ThrowIfNull(runId, paramName);
        if (runId.Length != 32 || !runId.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"Run id '{runId}' is invalid: run ids are 32 lower-case hexadecimal digits.", paramName);
        }
    }
}
