using System.Globalization;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tracking;

/// <summary>A run as recorded in the store: what it is, where it ran, what it logged, how it ended.</summary>
/// <remarks>A snapshot: it does not change when the run goes on. Create instances for tests with <see cref="MlOpsModelFactory"/>.</remarks>
public class RunInfo : IRunFields
{
    private readonly RunRecord _record;
    private IndexedRun? _fields;

    internal RunInfo(RunRecord record, RunStatus status, DateTimeOffset? lastHeartbeat)
    {
        _record = record;
        Status = status;
        LastHeartbeat = lastHeartbeat;
        Parameters = record.Parameters.AsReadOnly();
        Tags = record.Tags.AsReadOnly();
        Metrics = record.Metrics.ToDictionary(m => m.Key, m => new MetricSummary(m.Value), StringComparer.Ordinal).AsReadOnly();
        Artifacts = record.Artifacts.Select(a => new RunArtifact(a.Path, ContentHash.Parse(a.Sha256), a.Size)).ToList().AsReadOnly();
        Inputs = record.Inputs.Select(l => new RunLink(l.Uri, l.Context, l.Sha256 is null ? null : ContentHash.Parse(l.Sha256))).ToList().AsReadOnly();
        Outputs = record.Outputs.Select(l => new RunLink(l.Uri, l.Context, l.Sha256 is null ? null : ContentHash.Parse(l.Sha256))).ToList().AsReadOnly();
        Failure = record.Failure is { } failure ? new RunFailure(failure.Type, failure.Message, failure.StackTrace) : null;
        Source = new RunSourceInfo(record.Source ?? new RunSourceRecord());
    }

    /// <summary>Gets the run's id (32 hex digits, ordered by start time).</summary>
    public string Id => _record.Id;

    /// <summary>Gets the experiment the run belongs to.</summary>
    public string Experiment => _record.Experiment;

    /// <summary>Gets the run's name, if it was given one.</summary>
    public string? Name => _record.Name;

    /// <summary>Gets the run's description, if any.</summary>
    public string? Description => _record.Description;

    /// <summary>Gets the id of the run this one is a child of (a search trial's study, a pipeline step's pipeline), if any.</summary>
    public string? ParentRunId => _record.ParentRunId;

    /// <summary>Gets the run's status; <see cref="RunStatus.Crashed"/> is derived from a stale heartbeat.</summary>
    public RunStatus Status { get; }

    /// <summary>Gets when the run started.</summary>
    public DateTimeOffset StartTime => _record.StartTime;

    /// <summary>Gets when the run ended, or <see langword="null"/> while it runs (or when it crashed).</summary>
    public DateTimeOffset? EndTime => _record.EndTime;

    /// <summary>Gets how long the run took, or <see langword="null"/> when it has not ended.</summary>
    public TimeSpan? Duration => EndTime - StartTime;

    /// <summary>Gets the last heartbeat of a running (or crashed) run, by the store's clock.</summary>
    public DateTimeOffset? LastHeartbeat { get; }

    /// <summary>Gets the parameters (set once each), with secrets redacted.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>Gets the tags, with secrets redacted.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; }

    /// <summary>Gets the summary of each metric; the full history is <see cref="RunCatalog.GetMetricHistoryAsync"/>.</summary>
    public IReadOnlyDictionary<string, MetricSummary> Metrics { get; }

    /// <summary>Gets the files the run stored, by their path inside the run.</summary>
    public IReadOnlyList<RunArtifact> Artifacts { get; }

    /// <summary>Gets what the run read: dataset versions with the context they were used in (training, validation, ...).</summary>
    public IReadOnlyList<RunLink> Inputs { get; }

    /// <summary>Gets what the run produced: model and dataset versions.</summary>
    public IReadOnlyList<RunLink> Outputs { get; }

    /// <summary>Gets the exception that ended a failed run.</summary>
    public RunFailure? Failure { get; }

    /// <summary>Gets where and from what code the run ran: user, machine, program, versions, git commit.</summary>
    public RunSourceInfo Source { get; }

    internal RunRecord Record => _record;

    /// <inheritdoc />
    public override string ToString() => $"{Experiment}/{Id} ({Status})";

    // What a filter or ordering reads, built the first time one does.
    private IndexedRun Fields => _fields ??= IndexedRun.FromRecord(_record, Status);

    bool IRunFields.TryGetParameter(string name, out string value) => Fields.TryGetParameter(name, out value);

    bool IRunFields.TryGetTag(string name, out string value) => Fields.TryGetTag(name, out value);

    bool IRunFields.TryGetMetric(string name, out double value) => Fields.TryGetMetric(name, out value);

    bool IRunFields.TryGetAttribute(string name, out object? value) => Fields.TryGetAttribute(name, out value);
}

/// <summary>A file a run stored, addressed by its path inside the run and kept in the content store.</summary>
/// <param name="Path">The path inside the run, '/'-separated (for example <c>model/model.zip</c>).</param>
/// <param name="Sha256">The content's hash, its address in <see cref="ContentStore"/>.</param>
/// <param name="Size">The size in bytes.</param>
public sealed record RunArtifact(string Path, ContentHash Sha256, long Size);

/// <summary>An input or output of a run: a dataset or model version, named by URI.</summary>
/// <param name="Uri">What it is, for example <c>datasets:/flights/3</c> or <c>models:/churn/2</c>.</param>
/// <param name="Context">How the run used it, for example <c>training</c> or <c>validation</c>.</param>
/// <param name="Sha256">The content hash of the version, when known.</param>
public sealed record RunLink(string Uri, string? Context, ContentHash? Sha256);

/// <summary>The exception that ended a failed run.</summary>
/// <param name="Type">The exception's full type name.</param>
/// <param name="Message">Its message (with inner exceptions' messages).</param>
/// <param name="StackTrace">Its stack trace, when known.</param>
public sealed record RunFailure(string Type, string Message, string? StackTrace);

/// <summary>Where a run ran and from what code: captured automatically when it starts.</summary>
public sealed class RunSourceInfo
{
    internal RunSourceInfo(RunSourceRecord record)
    {
        User = record.User;
        Machine = record.Machine;
        EntryAssembly = record.EntryAssembly;
        EntryAssemblyVersion = record.EntryAssemblyVersion;
        CommandLine = record.CommandLine;
        DotNetVersion = record.DotNetVersion;
        MlNetVersion = record.MlNetVersion;
        OperatingSystem = record.OperatingSystem;
        ProcessId = record.ProcessId;
        Environment = record.Environment;
        GitCommit = record.GitCommit;
        GitBranch = record.GitBranch;
        GitRemote = record.GitRemote;
        GitDirty = record.GitDirty;
    }

    /// <summary>Gets the user the process ran as.</summary>
    public string? User { get; }

    /// <summary>Gets the machine's name.</summary>
    public string? Machine { get; }

    /// <summary>Gets the entry assembly's name (the program).</summary>
    public string? EntryAssembly { get; }

    /// <summary>Gets the entry assembly's version.</summary>
    public string? EntryAssemblyVersion { get; }

    /// <summary>Gets the command line, with secret-looking arguments redacted.</summary>
    public string? CommandLine { get; }

    /// <summary>Gets the .NET runtime, for example <c>.NET 10.0.12</c>.</summary>
    public string? DotNetVersion { get; }

    /// <summary>Gets the ML.NET version.</summary>
    public string? MlNetVersion { get; }

    /// <summary>Gets the operating system.</summary>
    public string? OperatingSystem { get; }

    /// <summary>Gets the process id.</summary>
    public int ProcessId { get; }

    /// <summary>Gets the environment (development, test, acceptance, production, ...).</summary>
    public string? Environment { get; }

    /// <summary>Gets the git commit the code was at, or <see langword="null"/> outside a repository.</summary>
    public string? GitCommit { get; }

    /// <summary>Gets the git branch, or <see langword="null"/> when detached or outside a repository.</summary>
    public string? GitBranch { get; }

    /// <summary>Gets the git remote <c>origin</c>, with any password removed.</summary>
    public string? GitRemote { get; }

    /// <summary>Gets a value indicating whether tracked files had uncommitted changes (the code is not exactly <see cref="GitCommit"/>).</summary>
    public bool? GitDirty { get; }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{User}@{Machine} {EntryAssembly} {GitCommit}{(GitDirty == true ? "+dirty" : string.Empty)}");
}
