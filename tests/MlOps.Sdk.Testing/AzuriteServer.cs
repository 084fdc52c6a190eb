using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace MlOps.Sdk.Testing;

/// <summary>
/// A real Azurite blob service (the Azure Storage emulator from npm) started on a free loopback port with a temporary
/// data folder, and stopped (process tree killed, folder deleted) when disposed.
/// </summary>
public sealed partial class AzuriteServer : IAsyncDisposable
{
    /// <summary>The well-known development storage account Azurite serves.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The well-known key of <see cref="AccountName"/>.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly string _dataFolder;
    private readonly StringBuilder _output;

    private AzuriteServer(Process process, string dataFolder, int port, StringBuilder output)
    {
        _process = process;
        _dataFolder = dataFolder;
        _output = output;
        Port = port;
    }

    /// <summary>Gets the port the blob service listens on, on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Gets the blob endpoint, <c>http://127.0.0.1:{port}/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint => new($"http://127.0.0.1:{Port}/{AccountName}");

    /// <summary>Gets a connection string for the emulator's account.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};";

    /// <summary>Gets the path of the <c>azurite-blob</c> launcher: <c>MLOPS_AZURITE</c>, else build/node_modules/.bin.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("MLOPS_AZURITE") is { Length: > 0 } configured
            ? configured
            : Path.Combine(RepositoryPaths.NodeModules, ".bin", OperatingSystem.IsWindows() ? "azurite-blob.cmd" : "azurite-blob");

    /// <summary>Starts Azurite and waits until it listens.</summary>
    /// <param name="timeout">How long to wait; 60 seconds when <see langword="null"/>.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="FileNotFoundException">Azurite is not installed (run <c>npm ci --prefix build</c>).</exception>
    /// <exception cref="InvalidOperationException">Azurite did not start; the message holds what it printed.</exception>
    public static async Task<AzuriteServer> StartAsync(TimeSpan? timeout = null)
    {
        var executable = ExecutablePath;
        if (!File.Exists(executable))
        {
            throw new FileNotFoundException($"Azurite is not installed at '{executable}'. Run build/test.sh, or 'npm ci --prefix build'.", executable);
        }

        var dataFolder = Directory.CreateTempSubdirectory("mlops-azurite-").FullName;
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--blobHost", "127.0.0.1", "--blobPort", "0", "--location", dataFolder, "--silent", "--skipApiVersionCheck", "--disableTelemetry", "--loose"])
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"Azurite exited with code {process.ExitCode} before it listened:\n{output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var port = await listening.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            return new AzuriteServer(process, dataFolder, port, output);
        }
        catch (TimeoutException)
        {
            Kill(process);
            throw new InvalidOperationException($"Azurite did not listen within {timeout ?? TimeSpan.FromSeconds(60)}:\n{output}");
        }
        catch
        {
            Kill(process);
            throw;
        }
    }

    /// <summary>Gets what Azurite printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _process.Dispose();
        try
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying process; the temp folder is cleaned by the OS eventually.
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    [GeneratedRegex(@"successfully listens on https?://[^:]+:(\d+)")]
    private static partial Regex ListeningLine();
}
