using System.Globalization;

namespace MlOps.Sdk.Benchmarks;

/// <summary>Prints the figures in the format build/bench.sh promises: <c>BENCH name value unit</c> and <c>RATIO name value</c>.</summary>
internal static class Report
{
    public static void Bench(string name, double value, string unit)
        => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH {name} {value:0.###} {unit}"));

    public static void Ratio(string name, double value)
        => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RATIO {name} {(Math.Abs(value) >= 0.01 ? value.ToString("0.###", CultureInfo.InvariantCulture) : value.ToString("G3", CultureInfo.InvariantCulture))}"));

    public static void Note(string text) => Console.Error.WriteLine($"# {text}");

    public static double MegabytesPerSecond(long bytes, TimeSpan elapsed) => bytes / 1e6 / elapsed.TotalSeconds;

    public static TimeSpan Median(IEnumerable<TimeSpan> samples)
    {
        var sorted = samples.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
