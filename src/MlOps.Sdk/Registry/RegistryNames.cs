using System.Buffers;

namespace MlOps.Sdk.Registry;

/// <summary>
/// The rules for the names of versioned things (datasets, models) and their aliases, checked where they enter, so a bad
/// one is refused with an <see cref="ArgumentException"/> that quotes it before anything is written. Names are store
/// keys: letters, digits, '.', '_' and '-', starting with a letter or digit, not ending in '.'. Aliases are
/// <c>[A-Za-z0-9_-]+</c> and not only digits (which would read as a version number).
/// </summary>
internal static class RegistryNames
{
    public const int MaxNameLength = 128;
    public const int MaxAliasLength = 64;

    /// <summary>The alias every registry has: the highest version.</summary>
    public const string Latest = "latest";

    private static readonly SearchValues<char> NameCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
    private static readonly SearchValues<char> AliasCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

    /// <summary>Returns <paramref name="name"/> when valid.</summary>
    /// <param name="name">The name.</param>
    /// <param name="kind">What it names, for the message: <c>Dataset</c>, <c>Model</c>.</param>
    /// <param name="paramName">The caller's parameter.</param>
    public static string Name(string? name, string kind, string paramName = "name")
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        return IsValidName(name, out var problem) ? name : throw new ArgumentException($"{kind} name '{name}' is invalid: {problem}.", paramName);
    }

    public static string Alias(string? alias, bool allowLatest, string paramName = "alias")
    {
        ArgumentNullException.ThrowIfNull(alias, paramName);
        return IsValidAlias(alias, allowLatest, out var problem) ? alias : throw new ArgumentException($"Alias '{alias}' is invalid: {problem}.", paramName);
    }

    public static bool IsValidName(string name, out string problem)
    {
        problem = name.Length is 0 or > MaxNameLength ? $"must be 1 to {MaxNameLength} characters long"
            : name.AsSpan().IndexOfAnyExcept(NameCharacters) is var bad and >= 0 ? $"has '{name[bad]}' at index {bad}; use letters, digits, '.', '_' and '-'"
            : !char.IsAsciiLetterOrDigit(name[0]) ? "must start with a letter or a digit"
            : name[^1] == '.' ? "must not end with '.'"
            : string.Empty;
        return problem.Length == 0;
    }

    public static bool IsValidAlias(string alias, bool allowLatest, out string problem)
    {
        problem = alias.Length is 0 or > MaxAliasLength ? $"must be 1 to {MaxAliasLength} characters long"
            : alias.AsSpan().IndexOfAnyExcept(AliasCharacters) is var bad and >= 0 ? $"has '{alias[bad]}' at index {bad}; use letters, digits, '_' and '-'"
            : alias.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0 ? "must not be only digits (that would read as a version number)"
            : !allowLatest && alias == Latest ? "'latest' is kept by the SDK for the highest version"
            : string.Empty;
        return problem.Length == 0;
    }

    /// <summary>
    /// Parses what follows a registry URI's scheme (<c>datasets:/</c>, <c>models:/</c>): <c>{name}/{version}</c> or
    /// <c>{name}@{alias}</c>, one parser for every registry so their URIs and error messages agree.
    /// </summary>
    public static bool TryParseReference(ReadOnlySpan<char> rest, out string name, out int? version, out string? alias, out string problem)
    {
        name = string.Empty;
        version = null;
        alias = null;
        var at = rest.IndexOf('@');
        var slash = rest.IndexOf('/');
        ReadOnlySpan<char> namePart;
        if (at >= 0 && (slash < 0 || at < slash))
        {
            namePart = rest[..at];
            alias = rest[(at + 1)..].ToString();
            if (!IsValidAlias(alias, allowLatest: true, out problem))
            {
                problem = $"the alias {problem}";
                return false;
            }
        }
        else if (slash >= 0)
        {
            namePart = rest[..slash];
            var number = rest[(slash + 1)..];
            if (!int.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1 || number[0] == '0')
            {
                problem = $"the version '{number}' must be a whole number from 1, without leading zeros";
                return false;
            }

            version = n;
        }
        else
        {
            problem = "it names no version; add /{version} or @{alias}";
            return false;
        }

        name = namePart.ToString();
        if (!IsValidName(name, out problem))
        {
            problem = $"the name {problem}";
            return false;
        }

        return true;
    }
}
