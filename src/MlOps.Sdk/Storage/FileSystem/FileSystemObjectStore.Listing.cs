using System.IO.Enumeration;
using System.Runtime.CompilerServices;
namespace MlOps.Sdk.Storage;

/// <content>Listing: a walk of the folders in ordinal key order, entering only the folders that can hold keys of the page.</content>
public sealed partial class FileSystemObjectStore
{
    /// <inheritdoc />
    protected override Task<ObjectPage> ListPageCoreAsync(string prefix, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        var items = new List<ObjectProperties>(Math.Min(pageSize, 256));
        var more = false;
        try
        {
            foreach (var item in List(prefix, continuationToken, cancellationToken))
            {
                if (items.Count == pageSize)
                {
                    more = true;
                    break;
                }

                items.Add(item);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ObjectStoreException(null, $"Listing '{prefix}' in the file-system store at '{RootPath}' failed: {ex.Message}", ex);
        }

        return Task.FromResult(new ObjectPage(items, more ? items[^1].Key : null));
    }

    /// <inheritdoc />
    /// <remarks>Walks the folders once, rather than once per page.</remarks>
    protected override async IAsyncEnumerable<ObjectProperties> ListCoreAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var items = List(prefix, after: null, cancellationToken).GetEnumerator();
        while (true)
        {
            try
            {
                if (!items.MoveNext())
                {
                    yield break;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ObjectStoreException(null, $"Listing '{prefix}' in the file-system store at '{RootPath}' failed: {ex.Message}", ex);
            }

            yield return items.Current;
        }
    }

    /// <summary>The objects under a prefix after a key, in ordinal order, from the deepest folder the prefix names.</summary>
    private IEnumerable<ObjectProperties> List(string prefix, string? after, CancellationToken cancellationToken)
    {
        var lastSlash = prefix.LastIndexOf('/');
        var folderKey = lastSlash < 0 ? string.Empty : prefix[..(lastSlash + 1)];
        var folder = folderKey.Length == 0 ? RootPath : PathOf(folderKey.TrimEnd('/'));
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var key in Walk(folder, folderKey, prefix, after, cancellationToken))
        {
            // Only the objects returned are asked for their size and time stamp; one may vanish meanwhile.
            var info = new FileInfo(PathOf(key));
            if (info.Exists)
            {
                yield return Properties(key, info);
            }
        }
    }

    /// <summary>
    /// The keys of the files under <paramref name="folder"/>, in ordinal key order: each folder's entries are sorted by
    /// name, folders as "name/", which orders full keys ordinally. Folders entirely before <paramref name="after"/> or
    /// outside <paramref name="prefix"/> are not entered.
    /// </summary>
    private static IEnumerable<string> Walk(string folder, string folderKey, string prefix, string? after, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var entries = Entries(folder, skipHidden: folderKey.Length == 0);

        foreach (var name in entries)
        {
            var key = folderKey + name;
            if (name[^1] == '/')
            {
                var related = key.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(key, StringComparison.Ordinal);
                var entirelyBefore = after is not null && string.CompareOrdinal(key, after) < 0 && !after.StartsWith(key, StringComparison.Ordinal);
                if (!related || entirelyBefore)
                {
                    continue;
                }

                foreach (var item in Walk(Path.Join(folder, name[..^1]), key, prefix, after, cancellationToken))
                {
                    yield return item;
                }
            }
            else if (key.StartsWith(prefix, StringComparison.Ordinal) && (after is null || string.CompareOrdinal(key, after) > 0))
            {
                yield return key;
            }
        }
    }

    /// <summary>A folder's entry names, folders as "name/", sorted ordinally; none when a delete just removed the folder.</summary>
    private static List<string> Entries(string folder, bool skipHidden)
    {
        try
        {
            var entries = new FileSystemEnumerable<string>(
                folder,
                (ref FileSystemEntry entry) => entry.IsDirectory ? entry.FileName.ToString() + "/" : entry.FileName.ToString(),
                new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false })
            {
                ShouldIncludePredicate = (ref FileSystemEntry entry) => !skipHidden || !entry.FileName.StartsWith('.'),
            }.ToList();
            entries.Sort(StringComparer.Ordinal);
            return entries;
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }
}
