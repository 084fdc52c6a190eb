using System.Globalization;

namespace MlOps.Sdk.Search;

/// <summary>Where the hyperparameter search keeps things in the store.</summary>
/// <remarks>
/// <code>
/// studies/{study}/study.json            the study: direction, experiment, the study's run
/// studies/{study}/trials/{number}.json  a trial (number zero-padded to 6 digits): state, parameters, values, its run;
///                                       created if absent (that is how numbers are allocated), then changed by
///                                       compare-and-swap (claiming a waiting trial, reporting, ending, marking it stale)
/// </code>
/// A trial's liveness is its run's heartbeat (<c>heartbeats/{runId}</c>), judged by the store's clock.
/// </remarks>
internal static class SearchKeys
{
    public const string StudiesPrefix = "studies/";

    public static string Study(string study) => $"studies/{study}/study.json";

    public static string TrialsPrefix(string study) => $"studies/{study}/trials/";

    public static string Trial(string study, int number) => string.Create(CultureInfo.InvariantCulture, $"studies/{study}/trials/{number:D6}.json");

    /// <summary>Reads a trial's number from its key, or -1 when the key is not a trial's.</summary>
    public static int TrialNumber(string key, string trialsPrefix)
    {
        if (!key.StartsWith(trialsPrefix, StringComparison.Ordinal) || !key.EndsWith(".json", StringComparison.Ordinal))
        {
            return -1;
        }

        var digits = key.AsSpan(trialsPrefix.Length, key.Length - trialsPrefix.Length - ".json".Length);
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : -1;
    }
}
