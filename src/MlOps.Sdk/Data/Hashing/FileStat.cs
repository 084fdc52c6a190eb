using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace MlOps.Sdk.Data;

/// <summary>
/// What the file system says about a file without reading it: size, modification and change times (nanoseconds) and
/// identity (device, inode). Two equal stats mean the file was not written, replaced or renamed over in between.
/// </summary>
/// <remarks>
/// On Linux through <c>statx</c> (fixed layout on every architecture), which .NET does not expose: the change time and
/// inode are what tell a file replaced by a copy with the same size and modification time (<c>cp -p</c>, <c>rsync</c>).
/// Elsewhere from <see cref="FileInfo"/>: size, last write and creation time.
/// </remarks>
internal readonly record struct FileStat(long Length, long ModifiedNs, long ChangedNs, ulong Inode, ulong Device)
{
    private const int AtFdCwd = -100;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;
    private static readonly bool UseStatx = OperatingSystem.IsLinux() && ProbeStatx();

    /// <summary>Reads a file's stat; <see langword="null"/> when it does not exist.</summary>
    /// <exception cref="IOException">It cannot be read for another reason.</exception>
    public static FileStat? Read(string path)
    {
        if (UseStatx)
        {
            Span<byte> buffer = stackalloc byte[StatxSize];
            var name = Encoding.UTF8.GetByteCount(path);
            Span<byte> utf8 = name < 1024 ? stackalloc byte[name + 1] : new byte[name + 1];
            Encoding.UTF8.GetBytes(path, utf8);
            utf8[name] = 0;
            if (NativeMethods.Statx(AtFdCwd, ref MemoryMarshal.GetReference(utf8), 0, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno is 2 or 20 ? null : throw new IOException($"Cannot read the file system's information about '{path}' (errno {errno}).");
            }

            var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer[28..]);
            if ((mode & 0xF000) != 0x8000)
            {
                return null; // not a regular file
            }

            return new FileStat(
                Length: BinaryPrimitives.ReadInt64LittleEndian(buffer[40..]),
                ModifiedNs: Timestamp(buffer[112..]),
                ChangedNs: Timestamp(buffer[96..]),
                Inode: BinaryPrimitives.ReadUInt64LittleEndian(buffer[32..]),
                Device: ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(buffer[140..]));
        }

        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return null;
        }

        return new FileStat(info.Length, ToNs(info.LastWriteTimeUtc), ToNs(info.CreationTimeUtc), 0, 0);
    }

    /// <summary>The modification time as a UTC date (to 100 ns).</summary>
    public DateTimeOffset Modified => DateTimeOffset.UnixEpoch.AddTicks(ModifiedNs / 100);

    private static long Timestamp(ReadOnlySpan<byte> statxTimestamp)
        => (BinaryPrimitives.ReadInt64LittleEndian(statxTimestamp) * 1_000_000_000L) + BinaryPrimitives.ReadUInt32LittleEndian(statxTimestamp[8..]);

    private static long ToNs(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    private static bool ProbeStatx()
    {
        try
        {
            Span<byte> buffer = stackalloc byte[StatxSize];
            ReadOnlySpan<byte> self = "/proc/self/exe\0"u8;
            // Only a call that works counts: ENOSYS (a kernel before 4.11) or EPERM (a seccomp profile) mean FileInfo instead.
            return NativeMethods.Statx(AtFdCwd, ref MemoryMarshal.GetReference(self), 0, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // a C library without statx (glibc before 2.28, some musl builds)
        }
    }
}

internal static partial class NativeMethods
{
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    public static partial int Statx(int dirfd, ref readonly byte path, int flags, uint mask, ref byte buffer);
}
