using System.Text.Json;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>Reads Fixtures/drift_fixtures.json, written by Fixtures/make_drift_fixtures.py (NumPy and SciPy).</summary>
internal static class DriftFixtures
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "tests", "MlOps.Sdk.Tests", "Monitoring", "Fixtures", "drift_fixtures.json")));
        return document.RootElement.Clone();
    });

    public static JsonElement Numeric(string name) => Find("numeric", name);

    public static JsonElement Categorical(string name) => Find("categorical", name);

    public static IEnumerable<JsonElement> KolmogorovSmirnovPValues() => Root.Value.GetProperty("ks_pvalues").EnumerateArray();

    public static IEnumerable<string> NumericNames() => Names("numeric");

    public static IEnumerable<string> CategoricalNames() => Names("categorical");

    public static double[] Doubles(this JsonElement element, string property) => [.. element.GetProperty(property).EnumerateArray().Select(e => e.GetDouble())];

    public static long[] Longs(this JsonElement element, string property) => [.. element.GetProperty(property).EnumerateArray().Select(e => e.GetInt64())];

    public static double Number(this JsonElement element, string property) => element.GetProperty(property).GetDouble();

    private static JsonElement Find(string kind, string name) => Root.Value.GetProperty(kind).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static IEnumerable<string> Names(string kind) => [.. Root.Value.GetProperty(kind).EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];
}
