using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using MlOps.Sdk.Registry;

namespace MlOps.Sdk.Models;

/// <summary>
/// A reference to a model: <c>models:/{name}/{version}</c> (one immutable version), <c>models:/{name}@{alias}</c>
/// (whatever version the alias points at; <c>latest</c> is the highest), or <c>runs:/{runId}/{path}</c> (a model a run
/// logged as an artifact).
/// </summary>
/// <example>
/// <code>
/// var predictor = await client.Models.LoadPredictorAsync&lt;Flight, Delay&gt;("models:/flight-delays@production");
/// </code>
/// </example>
public sealed record ModelRef : ISpanFormattable
{
    /// <summary>The alias every model has: its highest version.</summary>
    public const string LatestAlias = RegistryNames.Latest;

    private const string ModelsPrefix = "models:/";
    private const string RunsPrefix = "runs:/";
    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdef");

    private ModelRef(string? name, int? version, string? alias, string? runId, string? artifactPath)
    {
        Name = name;
        Version = version;
        Alias = alias;
        RunId = runId;
        ArtifactPath = artifactPath;
    }

    /// <summary>Gets the model's name, or <see langword="null"/> for a run's artifact.</summary>
    public string? Name { get; }

    /// <summary>Gets the version number, when the reference names one.</summary>
    public int? Version { get; }

    /// <summary>Gets the alias, when the reference names one.</summary>
    public string? Alias { get; }

    /// <summary>Gets the run, for <c>runs:/{runId}/{path}</c>.</summary>
    public string? RunId { get; }

    /// <summary>Gets the artifact's path inside the run, for <c>runs:/{runId}/{path}</c>.</summary>
    public string? ArtifactPath { get; }

    /// <summary>A reference to one version.</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="version">The version, from 1.</param>
    /// <returns>The reference.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is less than 1.</exception>
    public static ModelRef ForVersion(string name, int version)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        return new ModelRef(RegistryNames.Name(name, "Model"), version, null, null, null);
    }

    /// <summary>A reference to the version an alias points at.</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="alias">The alias.</param>
    /// <returns>The reference.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="alias"/> is invalid.</exception>
    public static ModelRef ForAlias(string name, string alias) => new(RegistryNames.Name(name, "Model"), null, RegistryNames.Alias(alias, allowLatest: true), null, null);

    /// <summary>A reference to a model a run logged as an artifact.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="artifactPath">The artifact's path in the run; <c>model</c> by default.</param>
    /// <returns><c>runs:/{runId}/{artifactPath}</c>.</returns>
    /// <exception cref="ArgumentException">The run id or path is invalid.</exception>
    public static ModelRef ForRun(string runId, string artifactPath = "model")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        ArgumentException.ThrowIfNullOrWhiteSpace(artifactPath);
        return Parse($"{RunsPrefix}{runId}/{artifactPath}");
    }

    /// <summary>Parses <c>models:/name/3</c>, <c>models:/name@alias</c> or <c>runs:/{runId}/{path}</c>.</summary>
    /// <param name="uri">The URI.</param>
    /// <returns>The reference.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="uri"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="uri"/> is not a model URI; the message says what is wrong.</exception>
    public static ModelRef Parse(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return TryParse(uri, out var result, out var problem)
            ? result
            : throw new FormatException($"'{uri}' is not a model URI: {problem}. Use models:/name/3, models:/name@alias or runs:/{{runId}}/model.");
    }

    /// <summary>Parses a model URI without throwing.</summary>
    /// <param name="uri">The URI.</param>
    /// <param name="result">The reference, when it parses.</param>
    /// <returns><see langword="true"/> when it parses.</returns>
    public static bool TryParse([NotNullWhen(true)] string? uri, [NotNullWhen(true)] out ModelRef? result) => TryParse(uri, out result, out _);

    private static bool TryParse(string? uri, [NotNullWhen(true)] out ModelRef? result, out string problem)
    {
        result = null;
        if (uri is not null && uri.StartsWith(RunsPrefix, StringComparison.Ordinal))
        {
            var rest = uri[RunsPrefix.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == rest.Length - 1)
            {
                problem = "a run URI needs a run id and an artifact path";
                return false;
            }

            var runId = rest[..slash];
            if (runId.Length != 32 || runId.AsSpan().ContainsAnyExcept(HexDigits))
            {
                problem = $"the run id '{runId}' must be 32 lower-case hex digits";
                return false;
            }

            try
            {
                Storage.ObjectKey.Validate(rest[(slash + 1)..], nameof(uri));
            }
            catch (ArgumentException ex)
            {
                problem = $"the artifact path is invalid ({ex.Message})";
                return false;
            }

            result = new ModelRef(null, null, null, runId, rest[(slash + 1)..]);
            problem = string.Empty;
            return true;
        }

        if (uri is null || !uri.StartsWith(ModelsPrefix, StringComparison.Ordinal))
        {
            problem = $"it must start with '{ModelsPrefix}' or '{RunsPrefix}'";
            return false;
        }

        if (!RegistryNames.TryParseReference(uri.AsSpan(ModelsPrefix.Length), out var nameText, out var version, out var alias, out problem))
        {
            return false;
        }

        result = new ModelRef(nameText, version, alias, null, null);
        problem = string.Empty;
        return true;
    }

    /// <summary>Gets the URI.</summary>
    /// <returns>The URI.</returns>
    public override string ToString()
        => RunId is not null ? $"{RunsPrefix}{RunId}/{ArtifactPath}"
            : Version is { } v ? $"{ModelsPrefix}{Name}/{v.ToString(CultureInfo.InvariantCulture)}"
            : $"{ModelsPrefix}{Name}@{Alias}";

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
