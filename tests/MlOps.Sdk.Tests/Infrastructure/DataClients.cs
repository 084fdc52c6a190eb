using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tests.Infrastructure;

/// <summary>
/// A folder for a dataset test: source files under <see cref="Source"/>, and the hash cache and materialized copies
/// kept apart from the user's own, removed afterwards.
/// </summary>
public sealed class DataSandbox : IDisposable
{
    public DataSandbox()
    {
        Root = Directory.CreateTempSubdirectory("mlops-data-").FullName;
        Source = Directory.CreateDirectory(Path.Combine(Root, "source")).FullName;
    }

    public string Root { get; }

    public string Source { get; }

    public CapturingLoggerFactory Logs { get; } = new();

    /// <summary>A client whose dataset caches live in the sandbox; tracking as in <see cref="TrackingClients"/>.</summary>
    public MlOpsClient CreateClient(ObjectStore store, Action<MlOpsOptions>? configure = null)
    {
        var options = new MlOpsOptions { Environment = "test" };
        options.ContentCache.Enabled = false;
        TrackingClients.Fast(options.Tracking);
        options.Datasets.HashCachePath = Path.Combine(Root, "hash-cache");
        options.Datasets.MaterializePath = Path.Combine(Root, "materialized");
        configure?.Invoke(options);
        return new MlOpsClient(store, options, Logs);
    }

    /// <summary>Writes a file under <see cref="Source"/> (folders created) with a modification time a minute ago.</summary>
    public string Write(string relative, byte[] content)
    {
        var path = Path.Combine(Source, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public string Write(string relative, string content) => Write(relative, System.Text.Encoding.UTF8.GetBytes(content));

    public void Dispose()
    {
        // Tests may leave files unreadable; make them deletable again.
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories).Where(f => new FileInfo(f).LinkTarget is null))
        {
            File.SetAttributes(file, FileAttributes.Normal);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        Directory.Delete(Root, recursive: true);
    }
}

/// <summary>Keeps every log message (with its event id) written through it.</summary>
public sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<(int EventId, LogLevel Level, string Message)> _messages = new();

    public IReadOnlyList<(int EventId, LogLevel Level, string Message)> Messages => [.. _messages];

    public void Clear() => _messages.Clear();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => owner._messages.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
    }
}
