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
}
