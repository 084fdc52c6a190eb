using System.Buffers;

namespace MlOps.Sdk.Tracking;

/// <summary>
/// The rules names in tracking follow, checked where a name enters, so a bad one is refused with an
/// <see cref="ArgumentException"/> that quotes it before anything is written.
/// </summary>
internal static class TrackingNames
{
    public const int MaxExperimentNameLength = 128;
    public const int MaxKeyLength = 250;
    public const int MaxParameterValueLength = 6000;
    public const int MaxTagValueLength = 8000;

    // Experiment names are store keys: letters, digits, '.', '_', '-', starting with a letter or digit.
    private static readonly SearchValues<char> ExperimentCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    // Parameter, metric and tag names: MLflow's set (letters, digits, '_', '-', '.', ' ', '/') plus ':'.
    private static readonly SearchValues<char> KeyCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./ :");

    public static string Experiment(string? name, string paramName = "experiment")
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        string? problem = null;
        if (name.Length is 0 or > MaxExperimentNameLength)
        {
            problem = $"it must be 1 to {MaxExperimentNameLength} characters long";
        }
        else if (name.AsSpan().IndexOfAnyExcept(ExperimentCharacters) is var bad and >= 0)
        {
            problem = $"'{Show(name[bad])}' at index {bad} is not allowed; use letters, digits, '.', '_' and '-'";
        }
        else if (!char.IsAsciiLetterOrDigit(name[0]))
        {
            problem = "it must start with a letter or a digit";
        }

        return problem is null ? name : throw new ArgumentException($"Experiment name '{name}' is invalid: {problem}.", paramName);
    }

    public static string Key(string? name, string kind, string paramName)
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        string? problem = null;
        if (name.Length is 0 or > MaxKeyLength)
        {
            problem = $"it must be 1 to {MaxKeyLength} characters long";
        }
        else if (name.AsSpan().IndexOfAnyExcept(KeyCharacters) is var bad and >= 0)
        {
            problem = $"'{Show(name[bad])}' at index {bad} is not allowed; use letters, digits, '_', '-', '.', ' ', '/' and ':'";
        }
        else if (name[0] == ' ' || name[^1] == ' ')
        {
            problem = "it must not start or end with a space";
        }

        return problem is null ? name : throw new ArgumentException($"{kind} name '{name}' is invalid: {problem}.", paramName);
    }

    public static string Value(string? value, int maxLength, string kind, string name, string paramName)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        return value.Length <= maxLength
            ? value
            : throw new ArgumentException($"The value of {kind} '{name}' is {value.Length} characters long; the limit is {maxLength}.", paramName);
    }

    /// <summary>The path of an artifact inside a run: relative, '/'-separated, no '..' (the object-key rules).</summary>
    public static string ArtifactPath(string? path, string paramName = "artifactPath")
    {
        ArgumentNullException.ThrowIfNull(path, paramName);
        try
        {
            return Storage.ObjectKey.Validate(path, paramName);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException(ex.Message.Replace("Object key", "Artifact path", StringComparison.Ordinal), paramName, ex);
        }
    }

    private static string Show(char c) => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString();
}
