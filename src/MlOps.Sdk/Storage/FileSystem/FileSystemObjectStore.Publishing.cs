namespace MlOps.Sdk.Storage;

/// <content>Publishing: a complete temporary file becomes the object under the key's lock, and folders come and go with their keys.</content>
public sealed partial class FileSystemObjectStore
{
    /// <summary>Publishes a complete temporary file under the key if the condition holds, holding the key's lock.</summary>
    private async Task<ObjectProperties> CommitAsync(string key, string temporary, long length, WriteCondition condition, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        using (var held = await _locks.AcquireAsync(key, _options.LockTimeout, cancellationToken).ConfigureAwait(false))
        {
            var current = new FileInfo(path);
            var exists = current.Exists;
            switch (condition.Kind)
            {
                case WriteConditionKind.IfNotExists when exists:
                case WriteConditionKind.IfMatch when !exists || ETagOf(current.LastWriteTimeUtc.Ticks, current.Length) != condition.ETag:
                    throw new PreconditionFailedException(key, condition);
            }

            // Later than every time stamp this key's lock stripe ever issued (kept in the lock file, so it survives deletes
            // and other processes), and than the version replaced: the ETag changes on every write and never comes back.
            var ticks = _timeProvider.GetUtcNow().UtcTicks;
            ticks -= ticks % _timestampGranularityTicks;
            var floor = Math.Max(held.HighWaterMark, exists ? current.LastWriteTimeUtc.Ticks : 0);
            if (ticks <= floor)
            {
                ticks = floor - (floor % _timestampGranularityTicks) + _timestampGranularityTicks;
            }

            var lastWrite = new DateTime(ticks, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(temporary, lastWrite);
            held.HighWaterMark = ticks;
            MoveIntoPlace(key, temporary, path);
            return Properties(key, length, lastWrite);
        }
    }

    private static void MoveIntoPlace(string key, string temporary, string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                File.Move(temporary, path, overwrite: true);
                return;
            }
            catch (IOException ex) when (ex is (DirectoryNotFoundException or FileNotFoundException) && attempt <= 20 && File.Exists(temporary))
            {
                // The folder is not created yet, or was just removed as empty by a delete of its last key (which other
                // writes and deletes in the folder can repeat). .NET reports the rename's ENOENT as a missing file when
                // another writer has recreated the folder by the time it looks, so both mean: make the folder, try again.
                CreateParentFolder(key, path);
            }
            catch (IOException) when (Directory.Exists(path))
            {
                // An empty folder left by deleted keys is no obstacle; one with keys in it is.
                if (attempt <= 3 && TryDeleteEmptyFolder(path))
                {
                    continue;
                }

                throw new ObjectStoreException(key, $"The key '{key}' cannot be written: it is the folder of other keys (for example '{key}/...'). A key must not also be the folder of another key.");
            }
        }
    }

    /// <summary>Removes the folders above a deleted key that it leaves empty, up to the root.</summary>
    private void RemoveEmptyFolders(string path)
    {
        for (var folder = Path.GetDirectoryName(path); folder is not null && folder.Length > RootPath.Length && folder.StartsWith(RootPath, StringComparison.Ordinal); folder = Path.GetDirectoryName(folder))
        {
            if (!TryDeleteEmptyFolder(folder))
            {
                return;
            }
        }
    }

    private static bool TryDeleteEmptyFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: false);
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not empty, or not ours to remove.
            return false;
        }
    }

    private static void CreateParentFolder(string key, string path)
    {
        var folder = Path.GetDirectoryName(path)!;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.CreateDirectory(folder);
                return;
            }
            catch (IOException ex)
            {
                // .NET reports a folder that a concurrent delete removed as empty (between mkdir's "exists" and its own
                // check) as a file in the way; only a file that is really there is a conflict.
                if (AnyFolderIsAFile(folder))
                {
                    throw new ObjectStoreException(key, $"The key '{key}' cannot be written: one of its folders is an object (a key must not also be the folder of another key).", ex);
                }

                if (attempt >= 20)
                {
                    throw new ObjectStoreException(key, $"The folder of '{key}' could not be created: {ex.Message}", ex);
                }
            }
        }
    }

    private static bool AnyFolderIsAFile(string folder)
    {
        for (var current = folder; !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            if (File.Exists(current))
            {
                return true;
            }
        }

        return false;
    }
}
