using System.Text;

namespace MlOps.Sdk.Storage;

/// <summary>
/// Per-key mutual exclusion that holds across threads and across processes on one machine: a key hashes to one of a
/// fixed set of lock files (so lock files are never deleted, which would race), and a holder keeps that file open with
/// an exclusive OS lock (<c>flock</c> on Unix, a share mode on Windows). A semaphore per stripe queues the threads of
/// this process, so only one of them at a time polls the OS lock. Keys are hashed case-insensitively, so keys that a
/// case-insensitive file system treats as one file share a lock. The holder can keep a number in its lock file
/// (<see cref="Holder.HighWaterMark"/>): state that lives exactly as long as the stripe and is only touched under it.
/// </summary>
internal sealed class StripedFileLock
{
    private const int StripeCount = 1024;
    private static readonly TimeSpan MaxPollDelay = TimeSpan.FromMilliseconds(8);

    private readonly string _directory;
    private readonly SemaphoreSlim[] _local;

    public StripedFileLock(string directory)
    {
        _directory = directory;
        _local = new SemaphoreSlim[StripeCount];
        for (var i = 0; i < StripeCount; i++)
        {
            _local[i] = new SemaphoreSlim(1, 1);
        }

        if (IsFileLockingDisabled())
        {
            throw new InvalidOperationException(
                "File locking is disabled in this process (DOTNET_SYSTEM_IO_DISABLEFILELOCKING or the System.IO.DisableFileLocking switch); " +
                "the file-system store needs it to keep conditional writes safe across processes.");
        }
    }

    public async ValueTask<Holder> AcquireAsync(string key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var stripe = Stripe(key);
        var semaphore = _local[stripe];
        var started = Environment.TickCount64;
        if (!await semaphore.WaitAsync(timeout, cancellationToken).ConfigureAwait(false))
        {
            throw Timeout(key, timeout, null);
        }

        try
        {
            var path = Path.Combine(_directory, $"{stripe:x3}.lock");
            var delay = TimeSpan.FromMilliseconds(1);
            IOException? last = null;
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
                    return new Holder(semaphore, file);
                }
                catch (DirectoryNotFoundException)
                {
                    Directory.CreateDirectory(_directory);
                }
                catch (IOException ex)
                {
                    // Another process holds the lock.
                    last = ex;
                }
                catch (UnauthorizedAccessException ex)
                {
                    throw new ObjectStoreException(key, $"The lock file '{path}' for '{key}' cannot be opened: {ex.Message}", ex);
                }

                if (Environment.TickCount64 - started > timeout.TotalMilliseconds)
                {
                    throw Timeout(key, timeout, last);
                }

                if (attempt < 4)
                {
                    Thread.Yield();
                    continue;
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPollDelay.Ticks));
            }
        }
        catch
        {
            semaphore.Release();
            throw;
        }
    }

    /// <summary>A stable (process-independent) hash of the key, so every process maps a key to the same file.</summary>
    private static int Stripe(string key)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key.ToUpperInvariant()))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash % StripeCount);
    }

    private static bool IsFileLockingDisabled()
    {
        if (AppContext.TryGetSwitch("System.IO.DisableFileLocking", out var disabled) && disabled)
        {
            return true;
        }

        var variable = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_IO_DISABLEFILELOCKING");
        return variable is not null && (variable == "1" || variable.Equals("true", StringComparison.OrdinalIgnoreCase));
    }

    private static ObjectStoreException Timeout(string key, TimeSpan timeout, Exception? inner)
        => new(key, $"Timed out after {timeout} waiting for the write lock on '{key}'; another writer holds it. Raise FileSystemObjectStoreOptions.LockTimeout if writers legitimately hold it longer.", inner);

    /// <summary>Releases the OS lock and the local semaphore when disposed.</summary>
    public readonly struct Holder(SemaphoreSlim semaphore, FileStream file) : IDisposable
    {
        /// <summary>Gets or sets the number kept in the lock file (0 until first set), read and written under the lock.</summary>
        public long HighWaterMark
        {
            get
            {
                Span<byte> bytes = stackalloc byte[sizeof(long)];
                return RandomAccess.Read(file.SafeFileHandle, bytes, 0) == bytes.Length ? BitConverter.ToInt64(bytes) : 0;
            }

            set
            {
                Span<byte> bytes = stackalloc byte[sizeof(long)];
                BitConverter.TryWriteBytes(bytes, value);
                RandomAccess.Write(file.SafeFileHandle, bytes, 0);
            }
        }

        public void Dispose()
        {
            file.Dispose();
            semaphore.Release();
        }
    }
}
