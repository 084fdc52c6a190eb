using System.Buffers;
using System.Globalization;
using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Storage;

/// <summary>
/// An <see cref="ObjectStore"/> in a local folder: the embedded default (<c>.mlops/</c> under the working directory),
/// which needs no set-up and is safe for several processes on one machine (for example search workers sharing a store).
/// </summary>
/// <remarks>
/// <para>
/// Each key is a file under the root folder, so the store is browsable with any file manager. A write goes to a
/// temporary file first and is published by an atomic rename, so a reader never sees half a file. Every write and
/// delete of a key holds that key's lock, an OS file lock that other processes respect, while it checks its condition
/// and renames. Provider files live in <c>.tmp/</c> and <c>.locks/</c> under the root.
/// </para>
/// <para>
/// The ETag of an object is derived from its last-write time and size. The store makes the last-write time of a key
/// strictly increase with every write (by at least the file system's timestamp granularity, measured when the store is
/// opened), so the ETag changes on every write even when two writes land within one clock tick.
/// </para>
/// </remarks>
public sealed partial class FileSystemObjectStore : ObjectStore
{
    private const string TemporaryFolder = ".tmp";
    private const string LockFolder = ".locks";

    private readonly FileSystemObjectStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly StripedFileLock _locks;
    private readonly string _temporaryDirectory;
    private readonly long _timestampGranularityTicks;

    /// <summary>Opens (and creates if needed) a store in the folder <paramref name="rootPath"/>.</summary>
    /// <param name="rootPath">The store's folder; relative paths are resolved against the working directory.</param>
    /// <param name="options">How the store behaves; defaults when <see langword="null"/>.</param>
    /// <param name="loggerFactory">Where the store logs; nothing is logged when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for last-write times; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="rootPath"/> is empty.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> holds a value out of range.</exception>
    /// <exception cref="ObjectStoreException">The folder cannot be created or written.</exception>
    public FileSystemObjectStore(string rootPath, FileSystemObjectStoreOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        Guard.NotNullOrWhiteSpace(rootPath);
        _options = options ?? new FileSystemObjectStoreOptions();
        OptionsValidation.ThrowIfInvalid(_options);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<FileSystemObjectStore>();

        RootPath = Path.GetFullPath(rootPath);
        _temporaryDirectory = Path.Combine(RootPath, TemporaryFolder);
        try
        {
            Directory.CreateDirectory(_temporaryDirectory);
            Directory.CreateDirectory(Path.Combine(RootPath, LockFolder));
            _timestampGranularityTicks = MeasureTimestampGranularity(_temporaryDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ObjectStoreException(null, $"The file-system store at '{RootPath}' cannot be created or written: {ex.Message}", ex);
        }

        _locks = new StripedFileLock(Path.Combine(RootPath, LockFolder));
        Location = new Uri(Path.EndsInDirectorySeparator(RootPath) ? RootPath : RootPath + Path.DirectorySeparatorChar);
        SweepAbandonedTemporaryFiles();
        _logger.FileSystemStoreOpened(RootPath, _timestampGranularityTicks);
    }

    /// <summary>Gets the full path of the store's folder.</summary>
    public string RootPath { get; }

    /// <inheritdoc />
    public override Uri Location { get; }

    /// <inheritdoc />
    /// <value>Always <see langword="false"/>: the content is on a local disk already.</value>
    public override bool IsRemote => false;

    /// <summary>Gets the local path of the file that holds <paramref name="key"/>; the file may not exist.</summary>
    /// <param name="key">A valid key.</param>
    /// <returns>The full path.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid key.</exception>
    public string GetPath(string key) => PathOf(ObjectKey.Validate(key));

    /// <inheritdoc />
    /// <remarks>The local clock (the store's <see cref="TimeProvider"/>), which stamps every write.</remarks>
    protected override Task<DateTimeOffset> GetCurrentTimeCoreAsync(CancellationToken cancellationToken)
        => Task.FromResult(_timeProvider.GetUtcNow());

    /// <inheritdoc />
    protected override Task<ObjectProperties?> GetPropertiesCoreAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var info = new FileInfo(PathOf(key));
        return Task.FromResult(info.Exists ? Properties(key, info) : null);
    }

    /// <inheritdoc />
    protected override Task<StoredObject?> ReadCoreAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var handle = TryOpenRead(key);
        if (handle is null)
        {
            return Task.FromResult<StoredObject?>(null);
        }

        try
        {
            var length = RandomAccess.GetLength(handle);
            if (length > Array.MaxLength)
            {
                throw new ObjectStoreException(key, $"The object '{key}' is {length} bytes, too large to read whole; stream it with OpenReadAsync.");
            }

            var bytes = GC.AllocateUninitializedArray<byte>((int)length);
            var read = 0;
            while (read < bytes.Length)
            {
                var n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
                if (n == 0)
                {
                    throw new ObjectStoreException(key, $"The object '{key}' ended after {read} of {length} bytes; the file was truncated outside the store.");
                }

                read += n;
            }

            var properties = Properties(key, length, File.GetLastWriteTimeUtc(handle));
            return Task.FromResult<StoredObject?>(new StoredObject(properties, BinaryData.FromBytes(bytes)));
        }
        catch (IOException ex)
        {
            throw Failure(key, "read", ex);
        }
    }

    /// <inheritdoc />
    protected override async Task<ObjectProperties> WriteCoreAsync(string key, BinaryData content, WriteCondition condition, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var temporary = NewTemporaryPath();
        try
        {
            using (var handle = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, content.ToMemory().Length))
            {
                RandomAccess.Write(handle, content.ToMemory().Span, 0);
                if (_options.FlushToDisk)
                {
                    RandomAccess.FlushToDisk(handle);
                }
            }

            return await CommitAsync(key, temporary, content.ToMemory().Length, condition, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Failure(key, "write", ex);
        }
        finally
        {
            TryDelete(temporary);
        }
    }

    /// <inheritdoc />
    protected override async Task<ObjectProperties> UploadCoreAsync(string key, Stream content, WriteCondition condition, CancellationToken cancellationToken)
    {
        var temporary = NewTemporaryPath();
        var sourceFailed = false;
        try
        {
            long length = 0;
            var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                // Two buffers: the next block is read from the caller's stream while the last one is written.
                var reading = ArrayPool<byte>.Shared.Rent(StreamCopy.BufferSize);
                var writing = ArrayPool<byte>.Shared.Rent(StreamCopy.BufferSize);
                try
                {
                    var pendingWrite = Task.CompletedTask;
                    while (true)
                    {
                        int read;
                        try
                        {
                            read = await content.ReadAsync(reading.AsMemory(0, StreamCopy.BufferSize), cancellationToken).ConfigureAwait(false);
                        }
                        catch
                        {
                            // The caller's stream failed, not the store: its exception is the caller's to see.
                            sourceFailed = true;
                            await pendingWrite.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                            throw;
                        }

                        await pendingWrite.ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }

                        (reading, writing) = (writing, reading);
                        pendingWrite = file.WriteAsync(writing.AsMemory(0, read), cancellationToken).AsTask();
                        length += read;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(reading);
                    ArrayPool<byte>.Shared.Return(writing);
                }

                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (_options.FlushToDisk)
                {
                    file.Flush(flushToDisk: true);
                }
            }

            return await CommitAsync(key, temporary, length, condition, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!sourceFailed && ex is IOException or UnauthorizedAccessException)
        {
            throw Failure(key, "upload", ex);
        }
        finally
        {
            TryDelete(temporary);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The operating system copies the file into <c>.tmp/</c> (or clones it where the file system can), and the expected
    /// SHA-256, if any, is checked on that private copy, which nothing else writes to, before it is published.
    /// </remarks>
    protected override async Task<ObjectProperties> UploadFileCoreAsync(string key, string path, WriteCondition condition, ContentHash? expectedSha256, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var temporary = NewTemporaryPath();
        try
        {
            // The operating system copies (or clones, where the file system can) without the bytes passing through this process.
            File.Copy(path, temporary, overwrite: false);

            // The copy keeps the source's time stamp; an old one would let another process's sweep take it for abandoned.
            File.SetLastWriteTimeUtc(temporary, _timeProvider.GetUtcNow().UtcDateTime);
            var length = new FileInfo(temporary).Length;
            if (expectedSha256 is { } expected)
            {
                var (actual, _) = await ContentHashing.HashFileAsync(temporary, cancellationToken).ConfigureAwait(false);
                if (actual != expected)
                {
                    throw new ContentIntegrityException(expected, actual, path);
                }
            }

            if (_options.FlushToDisk)
            {
                using var handle = File.OpenHandle(temporary, FileMode.Open, FileAccess.ReadWrite);
                RandomAccess.FlushToDisk(handle);
            }

            return await CommitAsync(key, temporary, length, condition, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Failure(key, "upload", ex);
        }
        finally
        {
            TryDelete(temporary);
        }
    }

    /// <inheritdoc />
    protected override Task<Stream> OpenReadCoreAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var handle = TryOpenRead(key) ?? throw new ObjectNotFoundException(key);
        return Task.FromResult<Stream>(new FileStream(handle, FileAccess.Read, bufferSize: 0, isAsync: false));
    }

    /// <inheritdoc />
    protected override async Task<ObjectProperties> DownloadToCoreAsync(string key, Stream destination, CancellationToken cancellationToken)
    {
        using var handle = TryOpenRead(key) ?? throw new ObjectNotFoundException(key);
        var properties = Properties(key, RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle));
        var buffer = ArrayPool<byte>.Shared.Rent(StreamCopy.BufferSize);
        try
        {
            long offset = 0;
            while (true)
            {
                int read;
                try
                {
                    read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(0, StreamCopy.BufferSize), offset, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    throw Failure(key, "download", ex);
                }

                if (read == 0)
                {
                    return properties;
                }

                // A failure of the caller's destination is the caller's to see, not the store's.
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc />
    protected override async Task<bool> DeleteCoreAsync(string key, ETag? ifMatch, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        using (await _locks.AcquireAsync(key, _options.LockTimeout, cancellationToken).ConfigureAwait(false))
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return false;
            }

            if (ifMatch is { } expected && ETagOf(info.LastWriteTimeUtc.Ticks, info.Length) != expected)
            {
                throw new PreconditionFailedException(key, WriteCondition.IfMatch(expected));
            }

            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw Failure(key, "delete", ex);
            }

            RemoveEmptyFolders(path);
            return true;
        }
    }

    private SafeFileHandle? TryOpenRead(string key)
    {
        var path = PathOf(key);
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(path))
        {
            // The key names a folder of other keys, not an object.
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Failure(key, "open", ex);
        }
    }

    private string PathOf(string key)
        => Path.DirectorySeparatorChar == '/' ? Path.Join(RootPath, key) : Path.Join(RootPath, key.Replace('/', Path.DirectorySeparatorChar));

    private static ObjectProperties Properties(string key, FileInfo info) => Properties(key, info.Length, info.LastWriteTimeUtc);

    private static ObjectProperties Properties(string key, long length, DateTime lastWriteUtc)
        => new(key, length, ETagOf(lastWriteUtc.Ticks, length), new DateTimeOffset(lastWriteUtc.Ticks, TimeSpan.Zero));

    private static ETag ETagOf(long lastWriteTicks, long length)
        => new(string.Create(CultureInfo.InvariantCulture, $"\"{lastWriteTicks:x}-{length:x}\""));

    private ObjectStoreException Failure(string key, string operation, Exception ex)
        => ex as ObjectStoreException ?? new ObjectStoreException(key, $"The file-system store at '{RootPath}' failed to {operation} '{key}': {ex.Message}", ex);
}
