using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Storage;

/// <summary>
/// Immutable content addressed by its SHA-256, on top of an <see cref="ObjectStore"/>: stored once however often it is
/// put, and verified against its address whenever it is read.
/// </summary>
/// <remarks>
/// <para>
/// Content lives under <c>cas/sha256/{first two hex digits}/{64 hex digits}</c>. A put hashes the content first and
/// uploads nothing when the store already holds it; the upload itself is create-if-absent, so concurrent puts of the
/// same content are safe. Content is written before any record that points to it, so a crash leaves at most
/// unreferenced content, never a record pointing to nothing.
/// </para>
/// <para>
/// Reads from a remote store go through a local cache (<see cref="ContentCacheOptions"/>), bounded in size and shared
/// by the processes of the machine. Every read is verified: <see cref="ReadAsync"/> and <see cref="DownloadToFileAsync"/>
/// verify before they return; the stream from <see cref="OpenReadAsync"/> verifies as it reaches its end.
/// </para>
/// <para>Instances are thread-safe.</para>
/// </remarks>
public class ContentStore
{
    private const long ExistenceCheckThreshold = 256 * 1024;

    private readonly ObjectStore _store = null!;
    private readonly ContentCache? _cache;
    private readonly ILogger _logger = NullLogger.Instance;

    /// <summary>Creates a content store over an object store.</summary>
    /// <param name="store">The object store that holds the content.</param>
    /// <param name="cacheOptions">The local cache; defaults (on for remote stores) when <see langword="null"/>.</param>
    /// <param name="loggerFactory">Where the content store logs; nothing is logged when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for cache recency; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is <see langword="null"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="cacheOptions"/> holds a value out of range.</exception>
    public ContentStore(ObjectStore store, ContentCacheOptions? cacheOptions = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        _store = Guard.NotNull(store);
        cacheOptions ??= new ContentCacheOptions();
        OptionsValidation.ThrowIfInvalid(cacheOptions);
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ContentStore>();
        if (cacheOptions.Enabled ?? store.IsRemote)
        {
            var path = cacheOptions.ResolvePath();
            try
            {
                _cache = new ContentCache(path, cacheOptions.MaxSizeBytes, timeProvider ?? TimeProvider.System, _logger);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Reads work without a cache, only slower: a bad cache folder must not stop the application.
                _logger.CacheUnavailable(path, ex);
            }
        }
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected ContentStore()
    {
    }

    /// <summary>Gets the object store that holds the content.</summary>
    public virtual ObjectStore Store => _store;

    /// <summary>Gets the folder of the local cache, or <see langword="null"/> when content is not cached.</summary>
    public virtual string? CachePath => _cache?.Root;

    /// <summary>Gets the object-store key content with <paramref name="hash"/> is stored under.</summary>
    /// <param name="hash">The content's hash.</param>
    /// <returns><c>cas/sha256/ab/abcdef...</c>.</returns>
    public static string GetKey(ContentHash hash)
    {
        var hex = hash.ToString();
        return $"cas/{ContentHash.Algorithm}/{hex[..2]}/{hex}";
    }

    /// <summary>Stores bytes, unless the store already holds them.</summary>
    /// <param name="content">The content.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The content's hash and length, and whether it was uploaded.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is <see langword="null"/>.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<ContentInfo> PutAsync(BinaryData content, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        Guard.NotNull(content);
        var bytes = content.ToMemory();
        var hash = ContentHash.Compute(bytes.Span);
        if (bytes.Length >= ExistenceCheckThreshold && await IsStoredAsync(hash, bytes.Length, cancellationToken).ConfigureAwait(false))
        {
            return AlreadyStored(hash, bytes.Length);
        }

        try
        {
            await _store.WriteAsync(GetKey(hash), content, WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            return AlreadyStored(hash, bytes.Length);
        }

        return Uploaded(hash, bytes.Length);
    }

    /// <summary>Stores what a stream holds from its position to its end, unless the store already holds it; never buffered whole in memory.</summary>
    /// <param name="content">The content. A seekable stream is read twice (to hash, then to upload); another is spooled to a temporary file.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The content's hash and length, and whether it was uploaded.</returns>
    /// <exception cref="ArgumentException"><paramref name="content"/> cannot be read.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<ContentInfo> PutAsync(Stream content, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        Guard.NotNull(content);
        if (!content.CanRead)
        {
            throw new ArgumentException("The content stream cannot be read.", nameof(content));
        }

        if (!content.CanSeek)
        {
            var spool = Path.Combine(Path.GetTempPath(), $"mlops-put-{Guid.NewGuid():N}.tmp");
            try
            {
                var file = new FileStream(spool, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
                var hashing = new HashingWriteStream(file);
                await using (hashing.ConfigureAwait(false))
                {
                    await content.CopyToAsync(hashing, StreamCopy.BufferSize, cancellationToken).ConfigureAwait(false);
                }

                return await PutHashedFileAsync(spool, hashing.Hash, hashing.BytesWritten, ownCopy: true, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                File.Delete(spool);
            }
        }

        var start = content.Position;
        var (hash, length) = await ContentHashing.HashStreamAsync(content, cancellationToken).ConfigureAwait(false);
        if (await IsStoredAsync(hash, length, cancellationToken).ConfigureAwait(false))
        {
            return AlreadyStored(hash, length);
        }

        content.Position = start;
        return await UploadVerifiedAsync(content, hash, length, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores a local file, unless the store already holds its content; never buffered in memory.</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The content's hash and length, and whether it was uploaded.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException"><paramref name="path"/> does not exist.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<ContentInfo> PutFileAsync(string path, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        Guard.NotNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The file '{path}' to store does not exist.", path);
        }

        var (hash, length) = await ContentHashing.HashFileAsync(path, cancellationToken).ConfigureAwait(false);
        return await PutHashedFileAsync(path, hash, length, ownCopy: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tells whether the store holds content with <paramref name="hash"/>.</summary>
    /// <param name="hash">The content's hash.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when it does.</returns>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<bool> ExistsAsync(ContentHash hash, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        return await _store.GetPropertiesAsync(GetKey(hash), cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>Reads content whole, verified against its hash. Meant for small content; stream large content.</summary>
    /// <param name="hash">The content's hash.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The verified bytes.</returns>
    /// <exception cref="ContentNotFoundException">The store holds no such content.</exception>
    /// <exception cref="ContentIntegrityException">The bytes read do not match <paramref name="hash"/>.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<BinaryData> ReadAsync(ContentHash hash, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        if (_cache is not null)
        {
            var cached = await OpenCachedAsync(hash, cancellationToken).ConfigureAwait(false);
            await using (cached.ConfigureAwait(false))
            {
                var buffer = new MemoryStream(cached.Length is var n and > 0 and < int.MaxValue ? (int)n : 0);
                await cached.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                return new BinaryData(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
            }
        }

        var key = GetKey(hash);
        var stored = await _store.ReadAsync(key, cancellationToken).ConfigureAwait(false) ?? throw new ContentNotFoundException(hash, _store.Location);
        var actual = ContentHash.Compute(stored.Content.ToMemory().Span);
        if (actual != hash)
        {
            _logger.ContentCorrupt(hash, actual, key);
            throw new ContentIntegrityException(hash, actual, key);
        }

        return stored.Content;
    }

    /// <summary>
    /// Opens content for streamed reading. The stream verifies the bytes as it reads and throws
    /// <see cref="ContentIntegrityException"/> on reaching the end if they do not match; use
    /// <see cref="DownloadToFileAsync"/> when nothing may be used before it is verified.
    /// </summary>
    /// <param name="hash">The content's hash.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A read-only stream the caller disposes.</returns>
    /// <exception cref="ContentNotFoundException">The store holds no such content.</exception>
    /// <exception cref="ContentIntegrityException">A copy downloaded into the cache does not match <paramref name="hash"/>.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<Stream> OpenReadAsync(ContentHash hash, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        if (_cache is not null)
        {
            return await OpenCachedAsync(hash, cancellationToken).ConfigureAwait(false);
        }

        return await OpenFromStoreAsync(hash, GetKey(hash), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes content to a local file, verified before the file appears: the file is written under a temporary name
    /// and renamed into place only when its hash matches, so <paramref name="path"/> never holds unverified bytes.
    /// </summary>
    /// <param name="hash">The content's hash.</param>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the file is in place.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ContentNotFoundException">The store holds no such content.</exception>
    /// <exception cref="ContentIntegrityException">The bytes read do not match <paramref name="hash"/>; <paramref name="path"/> is left untouched.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task DownloadToFileAsync(ContentHash hash, string path, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        Guard.NotNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = $"{full}.{Guid.NewGuid():N}.partial";
        try
        {
            var source = await OpenReadAsync(hash, cancellationToken).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
                await using (file.ConfigureAwait(false))
                {
                    // The verifying source throws at its end, before the rename below.
                    await source.CopyToAsync(file, StreamCopy.BufferSize, cancellationToken).ConfigureAwait(false);
                }
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private async Task<Stream> OpenCachedAsync(ContentHash hash, CancellationToken cancellationToken)
    {
        var cache = _cache!;
        var key = GetKey(hash);
        FileStream? file;
        try
        {
            file = cache.TryOpen(hash)
                ?? await cache.AddAsync(hash, (destination, ct) => _store.DownloadToAsync(key, destination, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException ex)
        {
            throw new ContentNotFoundException(hash, _store.Location, ex);
        }
        catch (ContentIntegrityException ex)
        {
            _logger.ContentCorrupt(hash, ex.Actual, key);
            throw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A full or unwritable local disk must not stop reads: read from the store directly.
            _logger.CacheUnavailable(cache.Root, ex);
            return await OpenFromStoreAsync(hash, key, cancellationToken).ConfigureAwait(false);
        }

        var path = cache.PathOf(hash);
        return new VerifyingStream(file, hash, path, actual =>
        {
            _logger.ContentCorrupt(hash, actual, path);
            cache.Remove(hash);
        });
    }

    private async Task<Stream> OpenFromStoreAsync(ContentHash hash, string key, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await _store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
            return new VerifyingStream(stream, hash, key, actual => _logger.ContentCorrupt(hash, actual, key));
        }
        catch (ObjectNotFoundException ex)
        {
            throw new ContentNotFoundException(hash, _store.Location, ex);
        }
    }

    /// <summary>
    /// Uploads a hashed file create-if-absent. The store checks that what it stores still has the hash (the caller's file
    /// may have been written to since it was hashed), so nothing is ever stored under the wrong address.
    /// </summary>
    /// <summary>Stores a file already hashed by the caller; the upload still checks the bytes against <paramref name="hash"/>.</summary>
    internal Task<ContentInfo> PutHashedFileAsync(string path, ContentHash hash, long length, CancellationToken cancellationToken)
        => PutHashedFileAsync(path, hash, length, ownCopy: false, cancellationToken);

    private async Task<ContentInfo> PutHashedFileAsync(string path, ContentHash hash, long length, bool ownCopy, CancellationToken cancellationToken)
    {
        if (await IsStoredAsync(hash, length, cancellationToken).ConfigureAwait(false))
        {
            return AlreadyStored(hash, length);
        }

        try
        {
            // The SDK's own spool file cannot change; the caller's can.
            var options = new UploadOptions { Condition = WriteCondition.IfNotExists, ExpectedSha256 = ownCopy ? null : hash };
            await _store.UploadFileAsync(GetKey(hash), path, options, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            return AlreadyStored(hash, length);
        }

        return Uploaded(hash, length);
    }

    /// <summary>Uploads content create-if-absent, checked against its hash before the store commits.</summary>
    private async Task<ContentInfo> UploadVerifiedAsync(Stream content, ContentHash hash, long length, CancellationToken cancellationToken)
    {
        try
        {
            var options = new UploadOptions { Condition = WriteCondition.IfNotExists, ExpectedSha256 = hash };
            await _store.UploadAsync(GetKey(hash), content, options, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            return AlreadyStored(hash, length);
        }

        return Uploaded(hash, length);
    }

    /// <summary>Whether the store holds the content; a stored copy of the wrong size is an interrupted or damaged one, replaced.</summary>
    private async Task<bool> IsStoredAsync(ContentHash hash, long length, CancellationToken cancellationToken)
    {
        var key = GetKey(hash);
        var existing = await _store.GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            return false;
        }

        if (existing.Size == length)
        {
            return true;
        }

        _logger.ContentSizeMismatchRepaired(hash, existing.Size, length);
        try
        {
            await _store.DeleteAsync(key, existing.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            // Another put repaired it first; the create-if-absent upload that follows finds its copy.
        }

        return false;
    }

    private ContentInfo AlreadyStored(ContentHash hash, long length)
    {
        _logger.ContentAlreadyStored(hash, length);
        return new ContentInfo(hash, length, uploaded: false);
    }

    private ContentInfo Uploaded(ContentHash hash, long length)
    {
        _logger.ContentUploaded(hash, length);
        return new ContentInfo(hash, length, uploaded: true);
    }
}
