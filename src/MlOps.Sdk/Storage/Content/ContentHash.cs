using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace MlOps.Sdk.Storage;

/// <summary>The SHA-256 of some content, its address in the <see cref="ContentStore"/>: always the full 64 hex digits.</summary>
/// <remarks>Equal content has an equal hash, so it is stored once. The text form is lower-case hexadecimal.</remarks>
public readonly struct ContentHash : IEquatable<ContentHash>, ISpanFormattable, IParsable<ContentHash>
{
    /// <summary>The length of the text form: 64 hexadecimal digits.</summary>
    public const int HexLength = 64;

    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    private ContentHash(ReadOnlySpan<byte> sha256)
    {
        _a = BinaryPrimitives.ReadUInt64BigEndian(sha256);
        _b = BinaryPrimitives.ReadUInt64BigEndian(sha256[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(sha256[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(sha256[24..]);
    }

    /// <summary>Gets the name of the hash algorithm: <c>sha256</c>.</summary>
    public static string Algorithm => "sha256";

    /// <summary>Creates a hash from the 32 bytes of a SHA-256 digest.</summary>
    /// <param name="sha256">The digest.</param>
    /// <returns>The hash.</returns>
    /// <exception cref="ArgumentException"><paramref name="sha256"/> is not 32 bytes long.</exception>
    public static ContentHash FromBytes(ReadOnlySpan<byte> sha256)
        => sha256.Length == SHA256.HashSizeInBytes
            ? new ContentHash(sha256)
            : throw new ArgumentException($"A SHA-256 digest is {SHA256.HashSizeInBytes} bytes, not {sha256.Length}.", nameof(sha256));

    /// <summary>Computes the hash of some bytes.</summary>
    /// <param name="content">The content.</param>
    /// <returns>Its hash.</returns>
    public static ContentHash Compute(ReadOnlySpan<byte> content)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(content, digest);
        return new ContentHash(digest);
    }

    /// <summary>Parses the 64-hex-digit text form (either case).</summary>
    /// <param name="s">The text.</param>
    /// <returns>The hash.</returns>
    /// <exception cref="FormatException"><paramref name="s"/> is not 64 hexadecimal digits.</exception>
    public static ContentHash Parse(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return TryParse(s, out var hash)
            ? hash
            : throw new FormatException($"'{(s.Length > 80 ? s[..80] + "..." : s)}' is not a SHA-256 content hash: expected {HexLength} hexadecimal digits.");
    }

    /// <summary>Tries to parse the 64-hex-digit text form (either case).</summary>
    /// <param name="s">The text.</param>
    /// <param name="result">The hash, when the text is one.</param>
    /// <returns><see langword="true"/> when <paramref name="s"/> is 64 hexadecimal digits.</returns>
    public static bool TryParse([NotNullWhen(true)] string? s, out ContentHash result)
    {
        result = default;
        if (s is null || s.Length != HexLength)
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        if (Convert.FromHexString(s, digest, out _, out var written) != System.Buffers.OperationStatus.Done || written != digest.Length)
        {
            return false;
        }

        result = new ContentHash(digest);
        return true;
    }

    /// <inheritdoc />
    static ContentHash IParsable<ContentHash>.Parse(string s, IFormatProvider? provider) => Parse(s);

    /// <inheritdoc />
    static bool IParsable<ContentHash>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out ContentHash result) => TryParse(s, out result);

    /// <summary>Writes the 32 digest bytes.</summary>
    /// <param name="destination">At least 32 bytes.</param>
    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    /// <summary>Returns the 64 lower-case hexadecimal digits.</summary>
    /// <returns>The text form.</returns>
    public override string ToString() => string.Create(HexLength, this, static (span, hash) => hash.TryFormat(span, out _, default, null));

    /// <inheritdoc />
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc />
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (destination.Length < HexLength)
        {
            charsWritten = 0;
            return false;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        CopyTo(digest);
        Convert.TryToHexStringLower(digest, destination, out charsWritten);
        return true;
    }

    /// <inheritdoc />
    public bool Equals(ContentHash other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ContentHash other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => (int)_a ^ (int)(_a >> 32);

    /// <summary>Compares two hashes for equality.</summary>
    /// <param name="left">The first hash.</param>
    /// <param name="right">The second hash.</param>
    /// <returns><see langword="true"/> when they are equal.</returns>
    public static bool operator ==(ContentHash left, ContentHash right) => left.Equals(right);

    /// <summary>Compares two hashes for inequality.</summary>
    /// <param name="left">The first hash.</param>
    /// <param name="right">The second hash.</param>
    /// <returns><see langword="true"/> when they differ.</returns>
    public static bool operator !=(ContentHash left, ContentHash right) => !left.Equals(right);
}
