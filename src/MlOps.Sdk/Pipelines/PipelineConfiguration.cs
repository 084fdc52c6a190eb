using Microsoft.Extensions.Configuration;
using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Pipelines;

/// <summary>
/// Binds a pipeline's options from Microsoft.Extensions.Configuration: the section <c>Pipelines:{pipeline}</c> (from
/// appsettings.json, appsettings.{Environment}.json, environment variables, the command line: whatever the host reads),
/// then a named <b>variant</b> over it: <c>Pipelines:{pipeline}:Variants:{variant}</c>, only the keys it sets (a key it
/// sets replaces the pipeline's whole value there: a list is replaced, not appended to).
/// </summary>
/// <example>
/// <code language="json">
/// {
///   "Pipelines": {
///     "flight-delays": {
///       "Data": "datasets:/flights@latest", "Leaves": 31, "ModelName": "flight-delays",
///       "Variants": {
///         "west": { "Data": "datasets:/flights-west@latest", "ModelName": "flight-delays-west" },
///         "east": { "Data": "datasets:/flights-east@latest", "ModelName": "flight-delays-east", "Leaves": 63 }
///       }
///     }
///   }
/// }
/// </code>
/// </example>
public static class PipelineConfiguration
{
    /// <summary>The configuration section pipelines' options live under: <c>Pipelines</c>.</summary>
    public const string SectionName = "Pipelines";

    /// <summary>Binds the options of a pipeline, and of one of its variants.</summary>
    /// <typeparam name="TOptions">The pipeline's options.</typeparam>
    /// <param name="configuration">The configuration.</param>
    /// <param name="pipelineName">The pipeline's name: its section is <c>Pipelines:{pipelineName}</c>.</param>
    /// <param name="variant">A variant to lay over the pipeline's section, or <see langword="null"/>.</param>
    /// <returns>The options, validated (data annotations).</returns>
    /// <exception cref="ArgumentException">The variant is not configured (the message lists those that are).</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The bound options are invalid.</exception>
    /// <exception cref="InvalidOperationException">A configured value cannot be converted to its property's type.</exception>
    public static TOptions Bind<TOptions>(IConfiguration configuration, string pipelineName, string? variant = null)
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(pipelineName);
        var section = configuration.GetSection($"{SectionName}:{pipelineName}");
        var values = Flatten(section).Where(v => !IsUnder(v.Key, "Variants")).ToDictionary(v => v.Key, v => v.Value, StringComparer.OrdinalIgnoreCase);
        if (variant is not null)
        {
            var overlay = section.GetSection($"Variants:{variant}");
            if (!overlay.Exists())
            {
                var known = Variants(configuration, pipelineName);
                throw new ArgumentException($"The pipeline '{pipelineName}' has no variant '{variant}' in the configuration (variants: {(known.Count == 0 ? "none" : string.Join(", ", known))}).", nameof(variant));
            }

            // A key the variant sets replaces the pipeline's whole value under it (a list is replaced, not appended to).
            var overrides = Flatten(overlay).ToList();
            foreach (var top in overrides.Select(v => v.Key.Split(':')[0]).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                foreach (var key in values.Keys.Where(k => IsUnder(k, top)).ToList())
                {
                    values.Remove(key);
                }
            }

            foreach (var (key, value) in overrides)
            {
                values[key] = value;
            }
        }

        var options = new TOptions();
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().Bind(options);
        OptionsValidation.ThrowIfInvalid(options);
        return options;
    }

    private static IEnumerable<KeyValuePair<string, string?>> Flatten(IConfigurationSection section)
        => section.AsEnumerable(makePathsRelative: true).Where(v => v.Value is not null && v.Key.Length > 0);

    private static bool IsUnder(string key, string top)
        => key.Equals(top, StringComparison.OrdinalIgnoreCase) || key.StartsWith(top + ":", StringComparison.OrdinalIgnoreCase);

    /// <summary>Lists the variants configured for a pipeline.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="pipelineName">The pipeline's name.</param>
    /// <returns>The variants' names.</returns>
    public static IReadOnlyList<string> Variants(IConfiguration configuration, string pipelineName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return [.. configuration.GetSection($"{SectionName}:{pipelineName}:Variants").GetChildren().Select(c => c.Key).Order(StringComparer.Ordinal)];
    }
}
