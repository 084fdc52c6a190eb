using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Data;

/// <summary>
/// The local stat cache: for the files under one registered root, (relative path, size, modification and change times,
/// inode, device) → SHA-256, so registering unchanged data again stats the files instead of reading them.
/// </summary>
/// <remarks>
/// <para>
/// One small binary file per root under the cache folder, named by a hash of the root's full path, replaced whole by an
/// atomic rename; processes that register the same root at once simply keep the last writer's entries. A damaged
/// or unreadable cache file is ignored (everything is hashed again).
/// </para>
/// <para>
/// A file modified within the same clock tick as it was hashed could keep its modification time: as git does with
/// "racily clean" entries, a hash is remembered only for a file whose modification and change times are at least
/// <see cref="RacyWindow"/> older than the moment hashing started (<see cref="CoarseRacyWindow"/> when the times have no
/// fraction of a second, as on file systems with whole-second steps), so the next registration reads such a file again.
/// </para>
/// </remarks>
internal sealed class HashCache
{
    public static readonly TimeSpan RacyWindow = TimeSpan.FromMilliseconds(100);

    /// <summary>The window for a file whose times have no fraction of a second: a file system that keeps whole (or 2 s) steps.</summary>
    public static readonly TimeSpan CoarseRacyWindow = TimeSpan.FromSeconds(3);

    private static ReadOnlySpan<byte> Magic => "MLHC0001"u8;

    private readonly string? _file;
    private readonly Dictionary<string, Entry> _loaded;
    private readonly long _racyBeforeNs;
    private readonly long _coarseRacyBeforeNs;

    private HashCache(string? file, Dictionary<string, Entry> loaded)
    {
        _file = file;
        _loaded = loaded;
        var now = DateTime.UtcNow;
        _racyBeforeNs = ((now - RacyWindow).Ticks - DateTime.UnixEpoch.Ticks) * 100;
        _coarseRacyBeforeNs = ((now - CoarseRacyWindow).Ticks - DateTime.UnixEpoch.Ticks) * 100;
    }

    /// <summary>Opens the cache of a root (a folder, or a single file); a disabled cache when <paramref name="folder"/> is <see langword="null"/>.</summary>
    public static HashCache Open(string? folder, string root)
    {
        if (folder is null)
        {
            return new HashCache(null, new Dictionary<string, Entry>(StringComparer.Ordinal));
        }

        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(root)))[..32];
        var file = Path.Combine(folder, name + ".hc");
        return new HashCache(file, Load(file));
    }

    /// <summary>Gets the remembered hash of a file whose stat is unchanged. Thread-safe.</summary>
    public bool TryGet(string relativePath, FileStat stat, out ContentHash hash)
    {
        if (_loaded.TryGetValue(relativePath, out var entry) && entry.Stat == stat)
        {
            hash = entry.Hash;
            return true;
        }

        hash = default;
        return false;
    }

    /// <summary>
    /// Tells whether a hash read with this stat may be remembered: its times are old enough (see remarks). With
    /// <paramref name="modifiedTimeSetBack"/>, the SDK wrote the file and set its modification time into the past, so
    /// any later write moves it to the present and a recent change time is no reason to distrust it.
    /// </summary>
    public bool IsTrusted(FileStat stat, bool modifiedTimeSetBack = false)
    {
        // Whole seconds suggest a file system with coarse time stamps (FAT, exFAT, HFS+, small ext4 inodes): a write
        // a second later can keep the same time, so such files must be older still.
        var before = stat.ModifiedNs % 1_000_000_000 == 0 && (stat.Inode == 0 || stat.ChangedNs % 1_000_000_000 == 0) && !modifiedTimeSetBack
            ? _coarseRacyBeforeNs
            : _racyBeforeNs;
        return stat.ModifiedNs < before && (modifiedTimeSetBack || stat.Inode == 0 || stat.ChangedNs < before);
    }

    /// <summary>
    /// Replaces the cache with the trusted entries of this registration (files gone since are dropped), unless they are
    /// exactly what was loaded. A failure is ignored: the cache only saves time.
    /// </summary>
    public void Save(IReadOnlyCollection<(string RelativePath, FileStat Stat, ContentHash Hash, bool Trusted)> entries)
    {
        if (_file is null)
        {
            return;
        }

        var kept = entries.Where(e => e.Trusted).ToList();
        if (kept.Count == _loaded.Count && kept.All(e => _loaded.TryGetValue(e.RelativePath, out var old) && old.Stat == e.Stat && old.Hash == e.Hash))
        {
            return;
        }

        var temporary = $"{_file}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> fixedPart = stackalloc byte[(8 * 5) + SHA256.HashSizeInBytes];
                stream.Write(Magic);
                Span<byte> count = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(count, kept.Count);
                stream.Write(count);
                foreach (var (path, stat, hash, _) in kept)
                {
                    var bytes = Encoding.UTF8.GetBytes(path);
                    BinaryPrimitives.WriteInt32LittleEndian(count, bytes.Length);
                    stream.Write(count);
                    stream.Write(bytes);
                    BinaryPrimitives.WriteInt64LittleEndian(fixedPart, stat.Length);
                    BinaryPrimitives.WriteInt64LittleEndian(fixedPart[8..], stat.ModifiedNs);
                    BinaryPrimitives.WriteInt64LittleEndian(fixedPart[16..], stat.ChangedNs);
                    BinaryPrimitives.WriteUInt64LittleEndian(fixedPart[24..], stat.Inode);
                    BinaryPrimitives.WriteUInt64LittleEndian(fixedPart[32..], stat.Device);
                    hash.CopyTo(fixedPart[40..]);
                    stream.Write(fixedPart);
                }
            }

            File.Move(temporary, _file, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private static Dictionary<string, Entry> Load(string file)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return entries;
        }

        ReadOnlySpan<byte> span = bytes;
        if (span.Length < 12 || !span.StartsWith(Magic))
        {
            return entries;
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        span = span[12..];
        const int FixedLength = (8 * 5) + SHA256.HashSizeInBytes;
        try
        {
            for (var i = 0; i < count; i++)
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(span);
                var path = Encoding.UTF8.GetString(span.Slice(4, length));
                var fixedPart = span.Slice(4 + length, FixedLength);
                var stat = new FileStat(
                    BinaryPrimitives.ReadInt64LittleEndian(fixedPart),
                    BinaryPrimitives.ReadInt64LittleEndian(fixedPart[8..]),
                    BinaryPrimitives.ReadInt64LittleEndian(fixedPart[16..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(fixedPart[24..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(fixedPart[32..]));
                entries[path] = new Entry(stat, ContentHash.FromBytes(fixedPart[40..]));
                span = span[(4 + length + FixedLength)..];
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            entries.Clear(); // cut short: trust none of it
        }

        return entries;
    }

    private readonly record struct Entry(FileStat Stat, ContentHash Hash);
}
