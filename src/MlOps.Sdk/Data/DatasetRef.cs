using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using MlOps.Sdk.Registry;

namespace MlOps.Sdk.Data;

/// <summary>
/// A reference to a dataset version: <c>datasets:/{name}/{version}</c> for one immutable version, or
/// <c>datasets:/{name}@{alias}</c> for whatever version an alias points at (<c>latest</c> is the highest version).
/// </summary>
/// <example>
/// <code>
/// var pinned = DatasetRef.Parse("datasets:/flights/3");
/// var latest = DatasetRef.Latest("flights");              // datasets:/flights@latest
/// var data = await client.Datasets.GetAsync(latest);
/// </code>
/// </example>
public sealed record DatasetRef : ISpanFormattable
{
    /// <summary>The URI scheme: <c>datasets</c>.</summary>
    public const string Scheme = "datasets";

    /// <summary>The alias every dataset has: its highest version.</summary>
    public const string LatestAlias = RegistryNames.Latest;

    private const string Prefix = "datasets:/";

    private DatasetRef(string name, int? version, string? alias)
    {
        Name = name;
        Version = version;
        Alias = alias;
    }

    /// <summary>Gets the dataset's name.</summary>
    public string Name { get; }

    /// <summary>Gets the version number, or <see langword="null"/> for a reference by alias.</summary>
    public int? Version { get; }

    /// <summary>Gets the alias, or <see langword="null"/> for a reference by version number.</summary>
    public string? Alias { get; }

    /// <summary>A reference to one version.</summary>
    /// <param name="name">The dataset's name.</param>
    /// <param name="version">The version, from 1.</param>
    /// <returns>The reference.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid dataset name.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is less than 1.</exception>
    public static DatasetRef ForVersion(string name, int version)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        return new DatasetRef(RegistryNames.Name(name, "Dataset"), version, null);
    }

    /// <summary>A reference to the version an alias points at.</summary>
    /// <param name="name">The dataset's name.</param>
    /// <param name="alias">The alias: letters, digits, '_' and '-', not only digits.</param>
    /// <returns>The reference.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="alias"/> is invalid.</exception>
    public static DatasetRef ForAlias(string name, string alias) => new(RegistryNames.Name(name, "Dataset"), null, RegistryNames.Alias(alias, allowLatest: true));

    /// <summary>A reference to the highest version of a dataset.</summary>
    /// <param name="name">The dataset's name.</param>
    /// <returns><c>datasets:/{name}@latest</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid.</exception>
    public static DatasetRef Latest(string name) => new(RegistryNames.Name(name, "Dataset"), null, LatestAlias);

    /// <summary>Parses <c>datasets:/name/3</c> or <c>datasets:/name@alias</c>.</summary>
    /// <param name="uri">The URI.</param>
    /// <returns>The reference.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="uri"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="uri"/> is not a dataset URI; the message says what is wrong.</exception>
    public static DatasetRef Parse(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return TryParse(uri, out var result, out var problem) ? result : throw new FormatException($"'{uri}' is not a dataset URI: {problem}. Use datasets:/name/3 or datasets:/name@alias.");
    }

    /// <summary>Parses <c>datasets:/name/3</c> or <c>datasets:/name@alias</c>, without throwing.</summary>
    /// <param name="uri">The URI.</param>
    /// <param name="result">The reference, when it parses.</param>
    /// <returns><see langword="true"/> when it parses.</returns>
    public static bool TryParse([NotNullWhen(true)] string? uri, [NotNullWhen(true)] out DatasetRef? result) => TryParse(uri, out result, out _);

    private static bool TryParse(string? uri, [NotNullWhen(true)] out DatasetRef? result, out string problem)
    {
        result = null;
        if (uri is null || !uri.StartsWith(Prefix, StringComparison.Ordinal))
        {
            problem = $"it must start with '{Prefix}'";
            return false;
        }

        if (!RegistryNames.TryParseReference(uri.AsSpan(Prefix.Length), out var nameText, out var version, out var alias, out problem))
        {
            return false;
        }

        result = new DatasetRef(nameText, version, alias);
        problem = string.Empty;
        return true;
    }

    /// <summary>Gets the URI: <c>datasets:/name/3</c> or <c>datasets:/name@alias</c>.</summary>
    /// <returns>The URI.</returns>
    public override string ToString() => Version is { } v ? $"{Prefix}{Name}/{v.ToString(CultureInfo.InvariantCulture)}" : $"{Prefix}{Name}@{Alias}";

    /// <inheritdoc />
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc />
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        var text = ToString();
        charsWritten = text.Length <= destination.Length ? text.Length : 0;
        return text.AsSpan().TryCopyTo(destination);
    }
}

/// <summary>The store keys of datasets.</summary>
internal static class DataKeys
{
    public const string Root = "datasets/";

    public static string Prefix(string name) => $"{Root}{name}/";

    public static string Claim(string name, string identity) => $"{Root}{name}/identities/{identity}.json";

    public static string Usage(string name, int version) => $"{Root}{name}/usage/{version.ToString(CultureInfo.InvariantCulture)}/";

    public static string Usage(string name, int version, string runId) => $"{Usage(name, version)}{runId}.json";

    public static string Pack(string id) => $"cas/packs/{id[..2]}/{id}";
}
