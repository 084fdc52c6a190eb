using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests.Infrastructure;

/// <summary>A real OS process running MlOps.Sdk.TestWorker, with its output collected line by line.</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly StringBuilder _errors = new();

    private WorkerProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Gets the lines the worker printed so far.</summary>
    public IReadOnlyCollection<string> Lines => _lines.ToArray();

    /// <summary>Gets the process id.</summary>
    public int Id => _process.Id;

    /// <summary>Starts a worker.</summary>
    /// <param name="command">The worker command.</param>
    /// <param name="kind">The store provider.</param>
    /// <param name="target">The store's target (see <see cref="TestStores.Open"/>).</param>
    /// <param name="options">More <c>--name value</c> options.</param>
    /// <returns>The running worker.</returns>
    public static WorkerProcess Start(string command, StoreKind kind, string target, params (string Name, object Value)[] options)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(WorkerPath);
        start.ArgumentList.Add(command);
        start.ArgumentList.Add("--store");
        start.ArgumentList.Add(kind.ToString());
        start.ArgumentList.Add("--target");
        start.ArgumentList.Add(target);
        foreach (var (name, value) in options)
        {
            start.ArgumentList.Add("--" + name);
            start.ArgumentList.Add(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!);
        }

        var process = new Process { StartInfo = start };
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                worker._lines.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (worker._errors)
                {
                    worker._errors.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Gets the path of the worker's entry assembly, built next to the tests' own.</summary>
    public static string WorkerPath
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            var path = Path.Combine(RepositoryPaths.Root, "tests", "MlOps.Sdk.TestWorker", "bin", configuration, "net10.0", "MlOps.Sdk.TestWorker.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"The test worker is not built at '{path}'.", path);
        }
    }

    /// <summary>
    /// Lets workers that wait for a start signal go at the same moment: waits until each printed READY, creates the
    /// signal file, and waits for each to succeed.
    /// </summary>
    /// <param name="workers">Workers started with a <c>go</c> option naming <paramref name="go"/>.</param>
    /// <param name="go">The signal file.</param>
    /// <param name="timeout">How long each step may take.</param>
    /// <returns>A task that completes when every worker has succeeded.</returns>
    public static async Task RunTogetherAsync(IReadOnlyList<WorkerProcess> workers, string go, TimeSpan timeout)
    {
        foreach (var worker in workers)
        {
            await worker.WaitForLineAsync("READY", timeout);
        }

        await File.WriteAllTextAsync(go, "go");
        foreach (var worker in workers)
        {
            await worker.WaitForSuccessAsync(timeout);
        }
    }

    /// <summary>Waits until the worker printed a line starting with <paramref name="prefix"/>.</summary>
    /// <param name="prefix">The start of the line.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>A task that completes when the line appears.</returns>
    public async Task WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!_lines.Any(l => l.StartsWith(prefix, StringComparison.Ordinal)))
        {
            if (_process.HasExited && !_lines.Any(l => l.StartsWith(prefix, StringComparison.Ordinal)))
            {
                Assert.Fail($"Worker {Id} exited with {_process.ExitCode} before printing '{prefix}':\n{Errors}");
            }

            if (deadline.Elapsed > timeout)
            {
                Assert.Fail($"Worker {Id} did not print '{prefix}' within {timeout}.\n{Errors}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Waits for the worker to exit and asserts it succeeded.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>A task that completes when it has exited.</returns>
    public async Task WaitForSuccessAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            Assert.Fail($"Worker {Id} did not finish within {timeout}.\n{Errors}");
        }

        Assert.That(_process.ExitCode, Is.Zero, () => $"Worker {Id} failed:\n{Errors}");
    }

    /// <summary>Kills the worker and its children at once (SIGKILL on Unix).</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }
}
