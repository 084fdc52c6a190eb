using System.Globalization;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Registry;

/// <summary>
/// Numbered versions under <c>{prefix}versions/{n}.json</c>: the next number is taken by create-if-absent, so
/// concurrent writers never get the same one, and a number exists only once its record does (no gaps that look like
/// versions).
/// </summary>
internal sealed class VersionNumbering(ObjectStore store, string prefix)
{
    public string Folder => $"{prefix}versions/";

    public string Key(int version) => $"{prefix}versions/{version.ToString(CultureInfo.InvariantCulture)}.json";

    public bool TryParse(string key, out int version)
    {
        version = 0;
        return key.StartsWith(Folder, StringComparison.Ordinal)
            && key.EndsWith(".json", StringComparison.Ordinal)
            && int.TryParse(key.AsSpan(Folder.Length, key.Length - Folder.Length - 5), NumberStyles.None, CultureInfo.InvariantCulture, out version)
            && version > 0;
    }

    public async Task<List<int>> ListAsync(CancellationToken cancellationToken)
    {
        var numbers = new List<int>();
        await foreach (var item in store.ListAsync(Folder, cancellationToken).ConfigureAwait(false))
        {
            if (TryParse(item.Key, out var version))
            {
                numbers.Add(version);
            }
        }

        numbers.Sort();
        return numbers;
    }

    public async Task<int> GetHighestAsync(CancellationToken cancellationToken)
    {
        var numbers = await ListAsync(cancellationToken).ConfigureAwait(false);
        return numbers.Count == 0 ? 0 : numbers[^1];
    }

    /// <summary>
    /// Creates the record of the next version: <paramref name="content"/> gets the number and returns the bytes to
    /// store. When a number is taken, <paramref name="isOurs"/> looks at the record there: a transport retry of a write
    /// that had succeeded (its answer lost) finds its own record, which is adopted rather than written again as n + 1.
    /// </summary>
    /// <returns>The number taken.</returns>
    public async Task<int> CreateNextAsync(Func<int, BinaryData> content, Func<BinaryData, bool> isOurs, CancellationToken cancellationToken)
    {
        var number = await GetHighestAsync(cancellationToken).ConfigureAwait(false) + 1;
        while (true)
        {
            try
            {
                await store.WriteAsync(Key(number), content(number), WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
                return number;
            }
            catch (PreconditionFailedException)
            {
                if (await store.ReadAsync(Key(number), cancellationToken).ConfigureAwait(false) is { } existing && isOurs(existing.Content))
                {
                    return number;
                }

                number++;
            }
        }
    }
}
