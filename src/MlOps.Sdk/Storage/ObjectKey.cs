using System.Globalization;
using System.Text;

namespace MlOps.Sdk.Storage;

/// <summary>
/// The rules every object key obeys, in every provider, so that a store's layout is portable between the file system,
/// Azure Blob Storage and memory.
/// </summary>
/// <remarks>
/// A key is a '/'-separated relative path of at most <see cref="MaxLength"/> characters. Each segment is non-empty, at
/// most <see cref="MaxSegmentLength"/> characters, is not '.' or '..', does not end with '.' or a space, and holds no
/// control character, backslash or any of <c>: * ? " &lt; &gt; |</c>. The first segment does not start with '.': those
/// names are reserved for providers' own bookkeeping (the file-system provider's temporary and lock files).
/// </remarks>
internal static class ObjectKey
{
    public const int MaxLength = 1024;
    public const int MaxSegmentLength = 255;
    private const string ForbiddenCharacters = ":*?\"<>|\\";

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="key"/> when it breaks a rule.</summary>
    public static string Validate(string? key, string paramName = "key")
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        var problem = FindProblem(key, isPrefix: false);
        return problem is null ? key : throw new ArgumentException($"Object key '{Display(key)}' is invalid: {problem}.", paramName);
    }

    /// <summary>Validates a listing prefix: empty, or the start of a valid key (it may end inside a segment or with '/').</summary>
    public static string ValidatePrefix(string? prefix, string paramName = "prefix")
    {
        ArgumentNullException.ThrowIfNull(prefix, paramName);
        if (prefix.Length == 0)
        {
            return prefix;
        }

        var problem = FindProblem(prefix, isPrefix: true);
        return problem is null ? prefix : throw new ArgumentException($"Key prefix '{Display(prefix)}' is invalid: {problem}.", paramName);
    }

    private static string? FindProblem(string key, bool isPrefix)
    {
        if (key.Length == 0)
        {
            return "it is empty";
        }

        if (key.Length > MaxLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"it is {key.Length} characters long; the limit is {MaxLength}");
        }

        if (key[0] == '/')
        {
            return "it is an absolute path (starts with '/'); keys are relative";
        }

        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (char.IsControl(c))
            {
                return string.Create(CultureInfo.InvariantCulture, $"it contains the control character U+{(int)c:X4} at index {i}");
            }

            if (c == '\\')
            {
                return "it contains a backslash; segments are separated by '/'";
            }

            if (ForbiddenCharacters.Contains(c, StringComparison.Ordinal))
            {
                return $"it contains '{c}', which is not portable across stores";
            }

            if (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < key.Length && char.IsLowSurrogate(key[i + 1])) && !(char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(key[i - 1])))
            {
                return string.Create(CultureInfo.InvariantCulture, $"it contains an unpaired surrogate at index {i}");
            }
        }

        var segments = key.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var isLast = i == segments.Length - 1;
            if (segment.Length == 0)
            {
                if (isPrefix && isLast)
                {
                    continue;
                }

                return isLast ? "it ends with '/'" : "it contains an empty segment ('//')";
            }

            if (segment is "." or "..")
            {
                return $"it contains a '{segment}' segment";
            }

            if (segment.Length > MaxSegmentLength)
            {
                return string.Create(CultureInfo.InvariantCulture, $"the segment '{segment[..16]}...' is {segment.Length} characters long; the limit is {MaxSegmentLength}");
            }

            if (!(isPrefix && isLast) && (segment[^1] == '.' || segment[^1] == ' '))
            {
                return $"the segment '{segment}' ends with '{segment[^1]}'";
            }

            if (i == 0 && segment[0] == '.')
            {
                return "its first segment starts with '.', which is reserved for the providers' own files";
            }
        }

        return null;
    }

    /// <summary>Makes control characters visible in messages.</summary>
    private static string Display(string key)
    {
        var shown = key.Length > 200 ? key[..200] + "..." : key;
        if (!shown.Any(char.IsControl))
        {
            return shown;
        }

        var builder = new StringBuilder(shown.Length + 8);
        foreach (var c in shown)
        {
            builder.Append(char.IsControl(c) ? string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}") : c.ToString());
        }

        return builder.ToString();
    }
}
