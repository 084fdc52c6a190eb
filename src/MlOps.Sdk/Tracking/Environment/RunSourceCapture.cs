using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace MlOps.Sdk.Tracking;

/// <summary>Where a run ran: who, on which machine, which program and runtime, and which commit of which repository.</summary>
internal sealed record RunSource
{
    /// <summary>Gets the name of the operating-system user that ran the process.</summary>
    public required string User { get; init; }

    /// <summary>Gets the name of the machine.</summary>
    public required string Machine { get; init; }

    /// <summary>Gets the simple name of the entry assembly, or <see langword="null"/> when there is none (an unmanaged host).</summary>
    public string? EntryAssembly { get; init; }

    /// <summary>Gets the informational version of the entry assembly, or its assembly version when it has none.</summary>
    public string? EntryAssemblyVersion { get; init; }

    /// <summary>Gets the command line of the process, with secret argument values replaced by <see cref="SecretRedactor.Redacted"/>.</summary>
    public required string CommandLine { get; init; }

    /// <summary>Gets the .NET runtime, as <see cref="RuntimeInformation.FrameworkDescription"/> says (<c>.NET 10.0.0</c>).</summary>
    public required string DotNetVersion { get; init; }

    /// <summary>Gets the ML.NET version the run used, set by the caller that knows it; <see langword="null"/> by default.</summary>
    public string? MlNetVersion { get; init; }

    /// <summary>Gets the operating system, as <see cref="RuntimeInformation.OSDescription"/> says.</summary>
    public required string OperatingSystem { get; init; }

    /// <summary>Gets the id of the process.</summary>
    public required int ProcessId { get; init; }

    /// <summary>Gets the git commit the working directory is at, or <see langword="null"/> when it is unknown.</summary>
    public GitInfo? Git { get; init; }

    /// <summary>Gets the name of the environment (development, test, acceptance, production) the run ran in.</summary>
    public required string Environment { get; init; }
}

/// <summary>The state of the git repository a run ran in.</summary>
/// <param name="Commit">The full object id of <c>HEAD</c> (40 hexadecimal digits, 64 in a SHA-256 repository).</param>
/// <param name="Branch">The short name of the checked-out branch, or <see langword="null"/> when <c>HEAD</c> is detached.</param>
/// <param name="Remote">The URL of the <c>origin</c> remote with any password replaced, or <see langword="null"/> when there is none.</param>
/// <param name="Dirty">
/// Whether tracked files differ from <c>HEAD</c> (changed or staged), or <see langword="null"/> when <c>git status</c>
/// failed or took too long (a huge repository): the commit is kept anyway. Untracked files do not make the tree dirty:
/// new outputs, logs and caches would otherwise mark almost every run.
/// </param>
/// <param name="RepositoryRoot">The full path of the working tree's top directory (the one holding <c>.git</c>).</param>
internal sealed record GitInfo(string Commit, string? Branch, string? Remote, bool? Dirty, string RepositoryRoot);

/// <summary>How <see cref="RunSourceCapture"/> runs git; the defaults suit every caller but the tests.</summary>
internal sealed record GitCaptureSettings
{
    /// <summary>Gets the settings the SDK uses.</summary>
    public static GitCaptureSettings Default { get; } = new();

    /// <summary>Gets the full path of the git executable; <see langword="null"/> to find <c>git</c> on <c>PATH</c>.</summary>
    public string? Executable { get; init; }

    /// <summary>Gets how long one git command may take before it is killed and the capture gives up.</summary>
    /// <value>Default 3 seconds.</value>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Gets how long a capture of a repository is reused.</summary>
    /// <value>
    /// Default 10 seconds: runs started together do not each start git, and a long-running notebook that commits
    /// between runs still records the new commit. <see cref="TimeSpan.Zero"/> always asks git.
    /// </value>
    public TimeSpan CacheDuration { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Captures the <see cref="RunSource"/> of the current process, including its <see cref="GitInfo"/>.</summary>
/// <remarks>
/// <para>Git information comes from the <c>git</c> executable, found on <c>PATH</c> (never in the current directory),
/// run in the repository found by walking up from the working directory to the first directory holding a <c>.git</c>
/// folder or file (a file in worktrees and submodules). Each command runs with <c>GIT_TERMINAL_PROMPT=0</c> (git never
/// asks for credentials), <c>GIT_OPTIONAL_LOCKS=0</c> (<c>git status</c> does not lock the index the user's own git
/// commands need) and without <c>GIT_DIR</c>/<c>GIT_WORK_TREE</c>, and is killed after
/// <see cref="GitCaptureSettings.CommandTimeout"/>. The commands run at the same time:</para>
/// <list type="bullet">
/// <item><c>git rev-parse HEAD</c>: the commit; a repository without commits has no <see cref="GitInfo"/>;</item>
/// <item><c>git symbolic-ref --short -q HEAD</c>: the branch, none when <c>HEAD</c> is detached;</item>
/// <item><c>git config --get remote.origin.url</c>: the remote, passed through <see cref="SecretRedactor.RedactUrlCredentials"/>;</item>
/// <item><c>git status --porcelain --untracked-files=no</c>: dirty when it prints anything.</item>
/// </list>
/// <para>No repository, no git executable, a failing git or a timeout all give a <see langword="null"/>
/// <see cref="GitInfo"/>, never an exception. A capture is cached per repository root for
/// <see cref="GitCaptureSettings.CacheDuration"/> (10 seconds), not for the lifetime of the process.</para>
/// </remarks>
internal static class RunSourceCapture
{
    private static readonly ConcurrentDictionary<string, CachedGitInfo> GitCache = new(StringComparer.Ordinal);

    /// <summary>Captures where the current process runs.</summary>
    /// <param name="environmentName">The name of the environment (development, test, acceptance, production).</param>
    /// <param name="workingDirectory">Where to look for a git repository; <see langword="null"/> for the current directory.</param>
    /// <param name="redactor">Hides secrets in the command line.</param>
    /// <param name="includeGit">Whether to capture git information (off when the caller captures it separately, or not at all).</param>
    /// <param name="cancellationToken">Cancels the capture.</param>
    /// <returns>The source, with <see cref="RunSource.MlNetVersion"/> left for the caller to set.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<RunSource> CaptureAsync(string environmentName, string? workingDirectory, SecretRedactor redactor, bool includeGit = true, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(environmentName);
        ArgumentNullException.ThrowIfNull(redactor);

        var git = includeGit ? await CaptureGitAsync(workingDirectory, cancellationToken).ConfigureAwait(false) : null;
        var entry = Assembly.GetEntryAssembly();
        return new RunSource
        {
            User = System.Environment.UserName,
            Machine = MachineName(),
            EntryAssembly = entry?.GetName().Name,
            EntryAssemblyVersion = entry?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? entry?.GetName().Version?.ToString(),
            CommandLine = RedactCommandLine(System.Environment.GetCommandLineArgs(), redactor),
            DotNetVersion = RuntimeInformation.FrameworkDescription,
            OperatingSystem = RuntimeInformation.OSDescription,
            ProcessId = System.Environment.ProcessId,
            Git = git,
            Environment = environmentName,
        };
    }

    /// <summary>Captures the git commit, branch, remote and state of the repository a directory is in.</summary>
    /// <param name="workingDirectory">A directory in the repository; <see langword="null"/> for the current directory.</param>
    /// <param name="cancellationToken">Cancels the capture; running git commands are killed.</param>
    /// <returns>The git information, or <see langword="null"/> when there is none (see the remarks on <see cref="RunSourceCapture"/>).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<GitInfo?> CaptureGitAsync(string? workingDirectory, CancellationToken cancellationToken = default)
        => CaptureGitAsync(workingDirectory, GitCaptureSettings.Default, cancellationToken);

    /// <summary>Captures git information with explicit settings.</summary>
    /// <param name="workingDirectory">A directory in the repository; <see langword="null"/> for the current directory.</param>
    /// <param name="settings">The git executable, timeout and cache duration.</param>
    /// <param name="cancellationToken">Cancels the capture; running git commands are killed.</param>
    /// <returns>The git information, or <see langword="null"/> when there is none.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    internal static async Task<GitInfo?> CaptureGitAsync(string? workingDirectory, GitCaptureSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        cancellationToken.ThrowIfCancellationRequested();

        var root = FindRepositoryRoot(workingDirectory ?? System.Environment.CurrentDirectory);
        if (root is null)
        {
            return null;
        }

        if (GitCache.TryGetValue(root, out var cached) && Stopwatch.GetElapsedTime(cached.Timestamp) < settings.CacheDuration)
        {
            return cached.Info;
        }

        var git = settings.Executable ?? FindGitExecutable(System.Environment.GetEnvironmentVariable("PATH"));
        if (git is null)
        {
            return null;
        }

        var timeout = settings.CommandTimeout;
        var head = RunGitAsync(git, root, ["rev-parse", "HEAD"], timeout, cancellationToken);
        var branch = RunGitAsync(git, root, ["symbolic-ref", "--short", "-q", "HEAD"], timeout, cancellationToken);
        var remote = RunGitAsync(git, root, ["config", "--get", "remote.origin.url"], timeout, cancellationToken);
        var status = RunGitAsync(git, root, ["status", "--porcelain", "--untracked-files=no"], timeout, cancellationToken);
        await Task.WhenAll(head, branch, remote, status).ConfigureAwait(false);

        // symbolic-ref -q exits with 1 on a detached HEAD, config --get with 1 when the key is missing.
        GitInfo? info = null;
        if (head.Result is { ExitCode: 0 } commit && IsObjectId(commit.Output)
            && branch.Result is { ExitCode: 0 or 1 } branchName
            && remote.Result is { ExitCode: 0 or 1 } remoteUrl)
        {
            info = new GitInfo(
                commit.Output,
                branchName.ExitCode == 0 && branchName.Output.Length > 0 ? branchName.Output : null,
                remoteUrl.ExitCode == 0 && remoteUrl.Output.Length > 0 ? SecretRedactor.RedactUrlCredentials(remoteUrl.Output) : null,
                status.Result is { ExitCode: 0 } changes ? changes.Output.Length > 0 : null,
                root);
        }

        GitCache[root] = new CachedGitInfo(Stopwatch.GetTimestamp(), info);
        return info;
    }

    /// <summary>Finds the top directory of the working tree a directory is in.</summary>
    /// <param name="directory">The directory to start from.</param>
    /// <returns>The full path of the first directory, from <paramref name="directory"/> up, that holds a <c>.git</c> folder or file; <see langword="null"/> when none does.</returns>
    internal static string? FindRepositoryRoot(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string start;
        try
        {
            start = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or NotSupportedException or System.Security.SecurityException)
        {
            return null;
        }

        for (var current = new DirectoryInfo(start); current is not null; current = current.Parent)
        {
            var dotGit = Path.Combine(current.FullName, ".git");
            if (Directory.Exists(dotGit) || File.Exists(dotGit))
            {
                return current.FullName;
            }
        }

        return null;
    }

    /// <summary>Finds the git executable in the directories of a <c>PATH</c> value.</summary>
    /// <param name="pathVariable">The value of <c>PATH</c>.</param>
    /// <returns>
    /// The full path of the first <c>git</c> (<c>git.exe</c> on Windows; executable on Unix) in a fully qualified
    /// directory of <paramref name="pathVariable"/>, or <see langword="null"/>. Relative entries are skipped so that a
    /// repository cannot bring its own <c>git</c>.
    /// </returns>
    internal static string? FindGitExecutable(string? pathVariable)
    {
        if (string.IsNullOrEmpty(pathVariable))
        {
            return null;
        }

        var name = OperatingSystem.IsWindows() ? "git.exe" : "git";
        foreach (var entry in pathVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var directory = entry.Trim('"');
            if (!Path.IsPathFullyQualified(directory))
            {
                continue;
            }

            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate) && (OperatingSystem.IsWindows() || IsExecutable(candidate)))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Joins command-line arguments for display, hiding secret values.</summary>
    /// <param name="args">The arguments, the program first (as <see cref="System.Environment.GetCommandLineArgs"/> gives them).</param>
    /// <param name="redactor">Decides what is secret.</param>
    /// <returns>
    /// The arguments joined with spaces, those that are empty or hold white space or quotes in double quotes. An option
    /// is <c>--name</c>, <c>-name</c> or <c>/name</c> with a name of letters, digits, <c>_ . : -</c> starting with a letter;
    /// a bare <c>name=value</c> counts as an option with a value (the configuration command-line syntax). The value of
    /// <c>--name=value</c> and <c>name=value</c> goes through <see cref="SecretRedactor.Redact"/> with that name. After
    /// an option without a value whose name is secret (<c>--password hunter2</c>) the next argument is replaced, unless
    /// it starts with <c>-</c>. Every other argument goes through <see cref="SecretRedactor.Redact"/> without a name,
    /// so secret-looking values are replaced and passwords in URLs hidden.
    /// </returns>
    internal static string RedactCommandLine(IReadOnlyList<string> args, SecretRedactor redactor)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(redactor);

        var builder = new StringBuilder();
        var secretFollows = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i] ?? string.Empty;
            string shown;
            if (secretFollows && !arg.StartsWith('-'))
            {
                shown = SecretRedactor.Redacted;
                secretFollows = false;
            }
            else
            {
                secretFollows = false;
                var (name, valueStart) = ParseOption(arg);
                if (name is not null && valueStart >= 0)
                {
                    shown = string.Concat(arg.AsSpan(0, valueStart), redactor.Redact(name, arg[valueStart..]));
                }
                else
                {
                    secretFollows = name is not null && redactor.IsSecretName(name);
                    shown = redactor.Redact(string.Empty, arg);
                }
            }

            if (i > 0)
            {
                builder.Append(' ');
            }

            AppendQuoted(builder, shown);
        }

        return builder.ToString();
    }

    /// <summary>Splits <c>--name</c>, <c>--name=value</c> or <c>name=value</c>; the name is null when the argument is not an option.</summary>
    private static (string? Name, int ValueStart) ParseOption(string arg)
    {
        var prefix = arg.StartsWith("--", StringComparison.Ordinal) ? 2 : arg.StartsWith('-') || arg.StartsWith('/') ? 1 : 0;
        if (prefix >= arg.Length || !char.IsAsciiLetter(arg[prefix]))
        {
            return (null, -1);
        }

        var end = prefix;
        while (end < arg.Length && (char.IsAsciiLetterOrDigit(arg[end]) || arg[end] is '_' or '.' or ':' or '-'))
        {
            end++;
        }

        var name = arg[prefix..end];
        if (end < arg.Length && arg[end] == '=')
        {
            return (name, end + 1);
        }

        return end == arg.Length && prefix > 0 ? (name, -1) : (null, -1);
    }

    private static void AppendQuoted(StringBuilder builder, string arg)
    {
        if (arg.Length > 0 && !arg.Any(c => char.IsWhiteSpace(c) || c == '"'))
        {
            builder.Append(arg);
            return;
        }

        builder.Append('"').Append(arg.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
    }

    private static async Task<GitOutput?> RunGitAsync(string git, string repositoryRoot, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(git)
        {
            WorkingDirectory = repositoryRoot,
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_OPTIONAL_LOCKS"] = "0";
        start.Environment.Remove("GIT_DIR");
        start.Environment.Remove("GIT_WORK_TREE");
        start.Environment.Remove("GIT_INDEX_FILE");

        using var process = new Process { StartInfo = start };
        try
        {
            if (!process.Start())
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or IOException or PlatformNotSupportedException)
        {
            // No such file, not executable, or processes are not supported here.
            return null;
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        Task<string>? output = null;
        Task<string>? error = null;
        try
        {
            CloseInput(process);
            output = process.StandardOutput.ReadToEndAsync(timeoutSource.Token);
            error = process.StandardError.ReadToEndAsync(timeoutSource.Token);
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
            var text = await output.ConfigureAwait(false);
            await error.ConfigureAwait(false);
            return new GitOutput(process.ExitCode, text.Trim());
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            Observe(output);
            Observe(error);
            cancellationToken.ThrowIfCancellationRequested();
            return null;
        }
        catch (IOException)
        {
            Kill(process);
            Observe(output);
            Observe(error);
            return null;
        }
    }

    private static void CloseInput(Process process)
    {
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The process has already exited and closed its end of the pipe.
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // It exited meanwhile, or cannot be killed: nothing more to do.
        }
    }

    /// <summary>Keeps a read abandoned after a kill from raising an unobserved task exception.</summary>
    private static void Observe(Task? task)
        => task?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static bool IsObjectId(string text)
        => text.Length is 40 or 64 && text.All(char.IsAsciiHexDigit);

    private static bool IsExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        const UnixFileMode Execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        try
        {
            return (File.GetUnixFileMode(path) & Execute) != 0;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string MachineName()
    {
        try
        {
            return System.Environment.MachineName;
        }
        catch (InvalidOperationException)
        {
            return "unknown";
        }
    }

    private sealed record GitOutput(int ExitCode, string Output);

    private sealed record CachedGitInfo(long Timestamp, GitInfo? Info);
}
