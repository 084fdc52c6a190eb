using System.Text.Json;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Storage;
using Parquet.Serialization;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>Synthetic monitoring logs for the retention, diagnosis and layout tests: rows at any time, written in many small files.</summary>
internal static class RetentionTestLogs
{
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static DateTime Today => DateTime.UtcNow.Date;

    /// <summary>A prediction log row at <paramref name="at"/>, its id's time matching.</summary>
    public static PredictionLogRow Row(DateTime at, string model = "delays", object? input = null, object? output = null, int version = 1, string arm = "main")
        => new()
        {
            Id = Guid.CreateVersion7(new DateTimeOffset(at, TimeSpan.Zero)).ToString("N"),
            Timestamp = at,
            Model = model,
            Version = version,
            Arm = arm,
            RoutingKey = $"user-{at.Second % 3}",
            Input = JsonSerializer.Serialize(input ?? new { x = at.Second }, Json),
            Output = JsonSerializer.Serialize(output ?? new { Score = at.Second / 10.0 }, Json),
            LatencyMs = 1.5,
        };

    /// <summary><paramref name="count"/> rows a second apart from <paramref name="start"/>.</summary>
    public static List<PredictionLogRow> Rows(DateTime start, int count, string model = "delays")
        => [.. Enumerable.Range(0, count).Select(i => Row(start.AddSeconds(i), model))];

    /// <summary>Writes rows as small files: each chunk is its own call, so its own file per model and date.</summary>
    public static async Task WriteInFilesAsync(MlOpsClient client, IReadOnlyList<PredictionLogRow> rows, int perFile)
    {
        for (var start = 0; start < rows.Count; start += perFile)
        {
            await client.Monitoring.WritePredictionsAsync(rows.Skip(start).Take(perFile));
        }
    }

    /// <summary>The keys under a prefix.</summary>
    public static async Task<List<string>> KeysAsync(ObjectStore store, string prefix)
        => await store.ListAsync(prefix).Select(o => o.Key).Where(k => k.EndsWith(".parquet", StringComparison.Ordinal)).ToListAsync();

    public static string PredictionPartition(string model, DateTime day) => $"monitoring/predictions/model={model}/date={day:yyyy-MM-dd}/";

    public static string FeedbackPartition(DateTime day) => $"monitoring/feedback/date={day:yyyy-MM-dd}/";

    /// <summary>The rows of one Parquet file, as stored (no de-duplication).</summary>
    public static async Task<IList<T>> ReadParquetAsync<T>(ObjectStore store, string key)
        where T : class, new()
    {
        var stored = await store.ReadAsync(key) ?? throw new FileNotFoundException(key);
        using var stream = stored.Content.ToStream();
        return (await ParquetSerializer.DeserializeAsync<T>(stream)).Data;
    }
}
