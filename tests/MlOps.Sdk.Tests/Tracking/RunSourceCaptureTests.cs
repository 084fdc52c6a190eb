using System.Diagnostics;
using System.Runtime.InteropServices;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Tracking;

/// <summary>What a run records about where it runs, with real git repositories made by the real git executable.</summary>
public sealed class RunSourceCaptureTests
{
    private static readonly GitCaptureSettings NoCache = new() { CacheDuration = TimeSpan.Zero };

    private string _temp = null!;
    private string _repo = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = Directory.CreateTempSubdirectory("mlops-git-").FullName;
        _repo = Directory.CreateDirectory(Path.Combine(_temp, "repo")).FullName;
    }

    [TearDown]
    public void TearDown() => DeleteDirectory(_temp);

    [Test]
    public async Task CaptureGitAsync_CommittedRepository_ReportsCommitBranchRemoteAndClean()
    {
        InitWithCommit(_repo);
        Git(_repo, "checkout", "-q", "-b", "experiments/lr-sweep");
        Git(_repo, "remote", "add", "origin", "https://user:password@example.com/org/repo.git");

        var git = await RunSourceCapture.CaptureGitAsync(_repo);

        Assert.That(git, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(git!.Commit, Does.Match("^[0-9a-f]{40}$"));
            Assert.That(git.Commit, Is.EqualTo(Git(_repo, "rev-parse", "HEAD")));
            Assert.That(git.Branch, Is.EqualTo("experiments/lr-sweep"));
            Assert.That(git.Remote, Is.EqualTo("https://user:***@example.com/org/repo.git"));
            Assert.That(git.Dirty, Is.False);
            Assert.That(git.RepositoryRoot, Is.EqualTo(_repo));
        });
    }

    [Test]
    public async Task CaptureGitAsync_ChangedTrackedFile_IsDirty()
    {
        InitWithCommit(_repo);
        await File.AppendAllTextAsync(Path.Combine(_repo, "train.csv"), "2,0\n");

        var git = await RunSourceCapture.CaptureGitAsync(_repo, NoCache, CancellationToken.None);

        Assert.That(git!.Dirty, Is.True);
    }

    [Test]
    public async Task CaptureGitAsync_StagedNewFile_IsDirty()
    {
        InitWithCommit(_repo);
        await File.WriteAllTextAsync(Path.Combine(_repo, "params.json"), "{}");
        Git(_repo, "add", "params.json");

        var git = await RunSourceCapture.CaptureGitAsync(_repo, NoCache, CancellationToken.None);

        Assert.That(git!.Dirty, Is.True);
    }

    [Test]
    public async Task CaptureGitAsync_UntrackedFile_IsNotDirty()
    {
        InitWithCommit(_repo);
        await File.WriteAllTextAsync(Path.Combine(_repo, "output.log"), "epoch 1");

        var git = await RunSourceCapture.CaptureGitAsync(_repo, NoCache, CancellationToken.None);

        Assert.That(git!.Dirty, Is.False);
    }

    [Test]
    public async Task CaptureGitAsync_WithinCacheDuration_ReturnsTheEarlierCapture()
    {
        InitWithCommit(_repo);
        var settings = new GitCaptureSettings { CacheDuration = TimeSpan.FromHours(1) };
        var first = await RunSourceCapture.CaptureGitAsync(_repo, settings, CancellationToken.None);
        await File.AppendAllTextAsync(Path.Combine(_repo, "train.csv"), "2,0\n");

        var cached = await RunSourceCapture.CaptureGitAsync(_repo, settings, CancellationToken.None);
        var fresh = await RunSourceCapture.CaptureGitAsync(_repo, NoCache, CancellationToken.None);

        Assert.That(cached, Is.SameAs(first));
        Assert.That(cached!.Dirty, Is.False);
        Assert.That(fresh!.Dirty, Is.True);
    }

    [Test]
    public async Task CaptureGitAsync_Subdirectory_FindsTheRepositoryRoot()
    {
        InitWithCommit(_repo);
        var notebooks = Directory.CreateDirectory(Path.Combine(_repo, "notebooks", "churn")).FullName;

        var git = await RunSourceCapture.CaptureGitAsync(notebooks, NoCache, CancellationToken.None);

        Assert.That(git!.RepositoryRoot, Is.EqualTo(_repo));
        Assert.That(git.Commit, Is.EqualTo(Git(_repo, "rev-parse", "HEAD")));
    }

    [Test]
    public async Task CaptureGitAsync_DetachedHeadWithoutRemote_HasNeitherBranchNorRemote()
    {
        InitWithCommit(_repo);
        Git(_repo, "checkout", "-q", "--detach");

        var git = await RunSourceCapture.CaptureGitAsync(_repo, NoCache, CancellationToken.None);

        Assert.That(git, Is.Not.Null);
        Assert.That(git!.Branch, Is.Null);
        Assert.That(git.Remote, Is.Null);
        Assert.That(git.Commit, Is.EqualTo(Git(_repo, "rev-parse", "HEAD")));
    }

    [Test]
    public async Task CaptureGitAsync_Worktree_ReadsTheRepositoryThroughItsGitFile()
    {
        InitWithCommit(_repo);
        var worktree = Path.Combine(_temp, "worktree");
        Git(_repo, "worktree", "add", "-q", "-b", "feature", worktree);
        Assert.That(File.Exists(Path.Combine(worktree, ".git")), Is.True, "a worktree has a .git file");

        var git = await RunSourceCapture.CaptureGitAsync(worktree, NoCache, CancellationToken.None);

        Assert.That(git!.RepositoryRoot, Is.EqualTo(worktree));
        Assert.That(git.Branch, Is.EqualTo("feature"));
        Assert.That(git.Commit, Is.EqualTo(Git(_repo, "rev-parse", "HEAD")));
    }

    [Test]
    public async Task CaptureGitAsync_FolderWithoutRepository_ReturnsNull()
    {
        Assume.That(RunSourceCapture.FindRepositoryRoot(_temp), Is.Null, "the temporary folder is inside a repository");

        Assert.That(await RunSourceCapture.CaptureGitAsync(_temp, NoCache, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task CaptureGitAsync_RepositoryWithoutCommits_ReturnsNull()
    {
        Git(_repo, "init", "-q");

        Assert.That(await RunSourceCapture.CaptureGitAsync(_repo, NoCache, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task CaptureGitAsync_NoGitExecutable_ReturnsNull()
    {
        InitWithCommit(_repo);
        var settings = NoCache with { Executable = Path.Combine(_temp, "no-such-git") };

        Assert.That(await RunSourceCapture.CaptureGitAsync(_repo, settings, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task CaptureGitAsync_GitPrintsNoCommit_ReturnsNull()
    {
        SkipOnWindows();
        InitWithCommit(_repo);
        var settings = NoCache with { Executable = WriteScript("echo not-a-commit") };

        Assert.That(await RunSourceCapture.CaptureGitAsync(_repo, settings, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task CaptureGitAsync_GitHangs_KillsItAndReturnsNullAfterTheTimeout()
    {
        SkipOnWindows();
        InitWithCommit(_repo);
        var pids = Path.Combine(_temp, "pids");
        var settings = NoCache with
        {
            Executable = WriteScript($"echo $$ >> '{pids}'\nexec sleep 60"),
            CommandTimeout = TimeSpan.FromMilliseconds(500),
        };
        var stopwatch = Stopwatch.StartNew();

        var git = await RunSourceCapture.CaptureGitAsync(_repo, settings, CancellationToken.None);

        Assert.That(git, Is.Null);
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        await AssertExitedAsync(pids);
    }

    [Test]
    public async Task CaptureGitAsync_CancelledWhileGitRuns_ThrowsAndKillsIt()
    {
        SkipOnWindows();
        InitWithCommit(_repo);
        var pids = Path.Combine(_temp, "pids");
        var settings = NoCache with { Executable = WriteScript($"echo $$ >> '{pids}'\nexec sleep 60"), CommandTimeout = TimeSpan.FromMinutes(1) };
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var stopwatch = Stopwatch.StartNew();

        Assert.CatchAsync<OperationCanceledException>(() => RunSourceCapture.CaptureGitAsync(_repo, settings, cancellation.Token));

        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        await AssertExitedAsync(pids);
    }

    [Test]
    public void CaptureGitAsync_CancelledBefore_Throws()
        => Assert.CatchAsync<OperationCanceledException>(() => RunSourceCapture.CaptureGitAsync(_repo, new CancellationToken(canceled: true)));

    [Test]
    public void FindGitExecutable_Path_FindsAnExecutableInFullyQualifiedDirectoriesOnly()
    {
        SkipOnWindows();
        var empty = Directory.CreateDirectory(Path.Combine(_temp, "empty")).FullName;
        var notExecutable = Directory.CreateDirectory(Path.Combine(_temp, "plain")).FullName;
        File.WriteAllText(Path.Combine(notExecutable, "git"), "");
        var bin = Path.GetDirectoryName(WriteScript("exit 0"))!;

        Assert.Multiple(() =>
        {
            Assert.That(RunSourceCapture.FindGitExecutable(null), Is.Null);
            Assert.That(RunSourceCapture.FindGitExecutable(""), Is.Null);
            Assert.That(RunSourceCapture.FindGitExecutable(string.Join(Path.PathSeparator, empty, notExecutable)), Is.Null);
            Assert.That(
                RunSourceCapture.FindGitExecutable(string.Join(Path.PathSeparator, "relative", empty, notExecutable, bin)),
                Is.EqualTo(Path.Combine(bin, "git")));
        });
    }

    [Test]
    public async Task CaptureAsync_Repository_FillsTheSource()
    {
        InitWithCommit(_repo);

        var source = await RunSourceCapture.CaptureAsync("test", _repo, new SecretRedactor());

        Assert.Multiple(() =>
        {
            Assert.That(source.User, Is.EqualTo(Environment.UserName));
            Assert.That(source.Machine, Is.EqualTo(Environment.MachineName));
            Assert.That(source.DotNetVersion, Is.EqualTo(RuntimeInformation.FrameworkDescription));
            Assert.That(source.OperatingSystem, Is.EqualTo(RuntimeInformation.OSDescription));
            Assert.That(source.ProcessId, Is.EqualTo(Environment.ProcessId));
            Assert.That(source.Environment, Is.EqualTo("test"));
            Assert.That(source.CommandLine, Is.Not.Empty);
            Assert.That(source.MlNetVersion, Is.Null);
            Assert.That(source.Git?.Commit, Is.EqualTo(Git(_repo, "rev-parse", "HEAD")));
            Assert.That((source with { MlNetVersion = "5.0.1" }).MlNetVersion, Is.EqualTo("5.0.1"));
        });
    }

    [Test]
    public async Task CaptureAsync_NoRepository_HasNoGit()
    {
        Assume.That(RunSourceCapture.FindRepositoryRoot(_temp), Is.Null, "the temporary folder is inside a repository");

        var source = await RunSourceCapture.CaptureAsync("dev", _temp, new SecretRedactor());

        Assert.That(source.Git, Is.Null);
        Assert.That(source.Environment, Is.EqualTo("dev"));
    }

    [Test]
    public void RedactCommandLine_SecretArguments_AreReplaced()
    {
        var key = Convert.ToBase64String(new byte[64]);
        string[] args =
        [
            "train.dll", "--password=hunter2", "--lr", "0.1", "--token", "abc123", "--verbose", "--api-key", "--dry-run",
            "Storage:AccountKey=abc", "--remote", "https://u:pw@host/x.git", "--conn", $"AccountName=x;AccountKey={key}",
            "-p:Password=x", "/secret", "s3cr3t", "--name", "my \"best\" model", "--learning_rate=0.1", "-1", "data/train.csv", "",
        ];

        var line = RunSourceCapture.RedactCommandLine(args, new SecretRedactor());

        Assert.That(line, Is.EqualTo(
            "train.dll --password=*** --lr 0.1 --token *** --verbose --api-key --dry-run Storage:AccountKey=*** " +
            "--remote https://u:***@host/x.git --conn AccountName=*** -p:Password=*** /secret *** " +
            "--name \"my \\\"best\\\" model\" --learning_rate=0.1 -1 data/train.csv \"\""));
    }

    [Test]
    public void RedactCommandLine_SecretNameAsLastArgument_IsKept()
        => Assert.That(RunSourceCapture.RedactCommandLine(["app", "--password"], new SecretRedactor()), Is.EqualTo("app --password"));

    [Test]
    public void RedactCommandLine_AdditionalPattern_IsHonoured()
        => Assert.That(
            RunSourceCapture.RedactCommandLine(["app", "--azdo_pat", "abc", "--customer-ssn=1"], new SecretRedactor(["*_pat", "ssn"])),
            Is.EqualTo("app --azdo_pat *** --customer-ssn=***"));

    private static void InitWithCommit(string directory)
    {
        Git(directory, "init", "-q");
        File.WriteAllText(Path.Combine(directory, "train.csv"), "x,y\n1,1\n");
        Git(directory, "add", "train.csv");
        Git(directory, "commit", "-q", "-m", "Add training data");
    }

    /// <summary>Runs the real git in a directory, isolated from the user's and the system's configuration.</summary>
    private static string Git(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["-c", "user.name=MlOps Tests", "-c", "user.email=tests@mlops.invalid", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", .. args])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        Assert.That(process.WaitForExit(30_000), Is.True, $"git {string.Join(' ', args)} did not finish");
        Assert.That(process.ExitCode, Is.Zero, () => $"git {string.Join(' ', args)} failed: {error.Result}");
        return output.Trim();
    }

    /// <summary>Writes an executable shell script named <c>git</c> in its own folder.</summary>
    private string WriteScript(string body)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_temp, "bin-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var path = Path.Combine(folder, "git");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    /// <summary>Waits until every process whose id a fake git wrote to <paramref name="pids"/> is gone.</summary>
    private static async Task AssertExitedAsync(string pids)
    {
        var deadline = Stopwatch.StartNew();
        var ids = File.Exists(pids) ? File.ReadAllLines(pids).Where(l => l.Length > 0).Select(int.Parse).ToArray() : [];
        Assert.That(ids, Is.Not.Empty, "the fake git never ran");
        foreach (var id in ids)
        {
            while (IsRunning(id))
            {
                Assert.That(deadline.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), $"process {id} was not killed");
                await Task.Delay(50);
            }
        }
    }

    private static bool IsRunning(int id)
    {
        try
        {
            using var process = Process.GetProcessById(id);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void SkipOnWindows()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("The fake git is a shell script.");
        }
    }

    private static void DeleteDirectory(string path)
    {
        if (!Directory.Exists(path))
        {
            return;
        }

        // Git makes its object files read-only, which stops a recursive delete on Windows.
        foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        Directory.Delete(path, recursive: true);
    }
}
