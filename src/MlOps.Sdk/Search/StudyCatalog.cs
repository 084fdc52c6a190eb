using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Search;

/// <summary>
/// The hyperparameter studies of a store (<c>client.Studies</c>): open (create or join) a study, list them, and run a
/// single trial with parameters given on the command line (the Kubeflow Katib convention).
/// </summary>
public class StudyCatalog
{
    private readonly MlOpsClient _client = null!;

    internal StudyCatalog(MlOpsClient client)
    {
        _client = client;
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected StudyCatalog()
    {
    }

    /// <summary>
    /// Opens a study: creates it (with its run, in <see cref="StudyOptions.Experiment"/>) if no study has the name, or
    /// joins the existing one. Every worker of a distributed search opens the same study by name.
    /// </summary>
    /// <param name="name">The study's name: 1 to 128 letters, digits, '-', '_' or '.'.</param>
    /// <param name="options">Direction, sampler, pruner; defaults (minimize, TPE, no pruning) when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The study.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> hold a value out of range.</exception>
    /// <exception cref="StudyConflictException">The study exists with another direction or experiment.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<Study> OpenAsync(string name, StudyOptions? options = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        TrackingNames.Experiment(name, nameof(name));
        options ??= new StudyOptions();
        OptionsValidation.ThrowIfInvalid(options);
        if (options.Experiment is not null)
        {
            TrackingNames.Experiment(options.Experiment, nameof(options));
        }

        var key = SearchKeys.Study(name);
        var (record, properties) = await ReadStudyAsync(key, cancellationToken).ConfigureAwait(false);
        var created = false;
        if (record is null)
        {
            var fresh = new StudyRecord
            {
                Name = name,
                Direction = options.Direction,
                Experiment = options.Experiment ?? name,
                RunId = Guid.CreateVersion7(_client.TimeProvider.GetUtcNow()).ToString("N"),
                CreatedAt = _client.TimeProvider.GetUtcNow(),
                CreatedBy = Environment.UserName,
            };
            try
            {
                properties = await _client.Store.WriteAsync(key, RecordStore.Serialize(fresh, SearchJsonContext.Default.StudyRecord), WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
                record = fresh;
                created = true;
            }
            catch (PreconditionFailedException)
            {
                // Another worker created it first: join theirs.
                (record, properties) = await ReadStudyAsync(key, cancellationToken).ConfigureAwait(false);
                if (record is null)
                {
                    throw new ObjectStoreException($"The study '{name}' was created by another worker and then deleted while this one opened it.", key, null);
                }
            }
        }

        if (record.Direction != options.Direction)
        {
            throw new StudyConflictException(name, $"The study '{name}' exists and {record.Direction.ToString().ToLowerInvariant()}s its objective; it was opened to {options.Direction.ToString().ToLowerInvariant()} it. Open it with Direction = {record.Direction}, or use another name.");
        }

        if (options.Experiment is not null && options.Experiment != record.Experiment)
        {
            throw new StudyConflictException(name, $"The study '{name}' exists and records its trials in the experiment '{record.Experiment}', not '{options.Experiment}'.");
        }

        if (created)
        {
            await StartStudyRunAsync(record, cancellationToken).ConfigureAwait(false);
            SearchLog.StudyCreated(_client.LoggerFactory.CreateLogger<Study>(), name, record.Direction, record.RunId);
        }
        else
        {
            await WaitForStudyRunAsync(key, record, properties!, cancellationToken).ConfigureAwait(false);
        }

        return new Study(_client, record, options, options.Sampler ?? new TpeSampler());
    }

    /// <summary>Lists the studies of the store by name.</summary>
    /// <param name="cancellationToken">A token to cancel the enumeration.</param>
    /// <returns>The names, in ordinal order.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async IAsyncEnumerable<string> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        await foreach (var item in _client.Store.ListAsync(SearchKeys.StudiesPrefix, cancellationToken).ConfigureAwait(false))
        {
            if (item.Key.EndsWith("/study.json", StringComparison.Ordinal))
            {
                yield return item.Key[SearchKeys.StudiesPrefix.Length..^"/study.json".Length];
            }
        }
    }

    /// <summary>
    /// Runs the objective once with parameters given on the command line: the entry point of a program that Kubeflow Katib
    /// (or any external tuner) runs as a trial. Arguments <c>--name=value</c> or <c>--name value</c> fix the parameters;
    /// the trial's suggestions take them (a suggestion of a name not given fails, naming it). The trial is recorded as a
    /// run in <paramref name="experiment"/>; the final value is written to standard output as
    /// <c><paramref name="metricName"/>=value</c>, the line Katib's default metrics collector reads.
    /// </summary>
    /// <param name="experiment">The experiment the run is recorded in.</param>
    /// <param name="arguments">The command-line arguments; those that are not <c>--name=value</c> or <c>--name value</c> are ignored.</param>
    /// <param name="objective">The same objective a study optimizes.</param>
    /// <param name="metricName">The name of the objective's metric, as Katib's experiment names it.</param>
    /// <param name="output">Where the metric lines go; standard output when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The objective's value.</returns>
    /// <exception cref="ArgumentException">A suggested parameter was not given, or <paramref name="metricName"/> is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A given value is outside the range the objective suggests it from.</exception>
    public virtual async Task<double> RunFixedTrialAsync(
        string experiment,
        IReadOnlyList<string> arguments,
        Func<Trial, CancellationToken, Task<double>> objective,
        string metricName = "objective",
        TextWriter? output = null,
        CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        TrackingNames.Experiment(experiment, nameof(experiment));
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(objective);
        if (string.IsNullOrEmpty(metricName) || !metricName.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            throw new ArgumentException($"The metric name '{metricName}' must be letters, digits, '_' or '-' (what Katib's metric pattern reads).", nameof(metricName));
        }

        var given = ParseArguments(arguments);
        var options = new StartRunOptions { Name = $"{experiment} fixed trial" };
        options.Tags["mlops.trial.kind"] = "fixed";
        var run = await _client.Runs.StartAsync(experiment, options, cancellationToken).ConfigureAwait(false);
        var host = new FixedTrialHost(experiment, given);
        var trial = new Trial(host, 0, run, [], given);
        try
        {
            var value = await objective(trial, cancellationToken).ConfigureAwait(false);
            trial.MarkEnded(TrialState.Complete);
            run.LogMetric(metricName, value);
            await run.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            var writer = output ?? Console.Out;
            await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{metricName}={value:R}")).ConfigureAwait(false);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            return value;
        }
        catch (Exception ex)
        {
            trial.MarkEnded(TrialState.Failed);
            await run.EndWithAsync(ex).ConfigureAwait(false);
            throw;
        }
        finally
        {
            await run.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads <c>--name=value</c> and <c>--name value</c> pairs.</summary>
    internal static Dictionary<string, string> ParseArguments(IReadOnlyList<string> arguments)
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            if (argument is null || !argument.StartsWith("--", StringComparison.Ordinal) || argument.Length == 2)
            {
                continue;
            }

            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            if (equals > 2)
            {
                given[argument[2..equals]] = argument[(equals + 1)..];
            }
            else if (i + 1 < arguments.Count && !arguments[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                given[argument[2..]] = arguments[++i];
            }
        }

        return given;
    }

    private async Task<(StudyRecord? Record, ObjectProperties? Properties)> ReadStudyAsync(string key, CancellationToken cancellationToken)
    {
        var stored = await _client.Store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        return stored is null ? (null, null) : (RecordStore.Deserialize(key, stored.Content, SearchJsonContext.Default.StudyRecord), stored.Properties);
    }

    /// <summary>Starts and ends the study's run, under the id its record names; only the worker that created the record does.</summary>
    private async Task StartStudyRunAsync(StudyRecord record, CancellationToken cancellationToken)
    {
        var options = new StartRunOptions { Name = record.Name, PresetRunId = record.RunId, Description = $"Hyperparameter study '{record.Name}' ({record.Direction})" };
        options.Tags["mlops.study"] = record.Name;
        options.Tags["mlops.kind"] = "study";
        options.Tags["mlops.study.direction"] = record.Direction.ToString();
        Run run;
        try
        {
            run = await _client.Runs.StartAsync(record.Experiment, options, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            // Another worker started it (it took the start over while this one was paused): it exists, which is the point.
            return;
        }

        await using (run.ConfigureAwait(false))
        {
            // Not cancellable: a study's run left Running would beat for as long as the process lives.
            await run.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for the study's run, which the worker that created the study starts right after its record. If that worker
    /// died in between (the record is older than the crash grace period by the store's clock and still has no run), one
    /// worker takes the recovery over by compare-and-swap on the record, and starts the run.
    /// </summary>
    private async Task WaitForStudyRunAsync(string key, StudyRecord record, ObjectProperties properties, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(20);
        while (await _client.Store.GetPropertiesAsync(TrackingKeys.Run(record.RunId), cancellationToken).ConfigureAwait(false) is null)
        {
            var now = await _client.Store.GetCurrentTimeAsync(cancellationToken).ConfigureAwait(false);
            if (now - properties.LastModified > _client.TrackingOptions.CrashGracePeriod)
            {
                try
                {
                    record.RecoveredBy = $"{Environment.MachineName}:{Environment.ProcessId}";
                    await _client.Store.WriteAsync(key, RecordStore.Serialize(record, SearchJsonContext.Default.StudyRecord), WriteCondition.IfMatch(properties.ETag), cancellationToken).ConfigureAwait(false);
                    await StartStudyRunAsync(record, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (PreconditionFailedException)
                {
                    // Another worker recovers it; wait for its run.
                    properties = await _client.Store.GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false) ?? properties;
                }
            }

            await Task.Delay(delay, _client.TimeProvider, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }

    /// <summary>A trial outside any study: its parameters are the ones given; nothing is sampled or pruned.</summary>
    private sealed class FixedTrialHost(string name, IReadOnlyDictionary<string, string> given) : TrialHost
    {
        public override string StudyName => name;

        public override double SampleIndependent(Trial trial, string parameter, ParameterDistribution distribution)
            => throw new ArgumentException($"The parameter '{parameter}' ({distribution}) was not given: pass --{parameter}=value (given: {(given.Count == 0 ? "none" : string.Join(", ", given.Keys))}).", nameof(parameter));

        public override bool ShouldPrune(Trial trial) => false;

        public override void OnReport(Trial trial)
        {
        }
    }
}
