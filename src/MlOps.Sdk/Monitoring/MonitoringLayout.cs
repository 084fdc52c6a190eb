using System.Globalization;
using MlOps.Sdk.Storage;
using Parquet.Serialization;

namespace MlOps.Sdk.Monitoring;

/// <summary>
/// Where monitoring keeps its files (the layout is a contract, docs/monitoring-layout.md): Hive-style partitions that
/// Spark and DuckDB read as they lie.
/// <list type="bullet">
/// <item><c>monitoring/predictions/model={model}/date={yyyy-MM-dd}/{file}.parquet</c>: prediction logs, by the prediction's UTC date.</item>
/// <item><c>monitoring/feedback/date={yyyy-MM-dd}/{file}.parquet</c>: ground truth, by the date of the prediction it is for (read from the version-7 id), so late feedback lands next to its prediction.</item>
/// </list>
/// </summary>
internal static class MonitoringLayout
{
    public const string Predictions = "monitoring/predictions/";
    public const string Feedback = "monitoring/feedback/";
    public const string DateFormat = "yyyy-MM-dd";

    /// <summary>The arm of a shadow's rows: copies of served requests (their ids and times), answering no caller.</summary>
    public const string ShadowArm = "shadow";

    public static string PredictionPartition(string model, DateOnly date)
        => string.Create(CultureInfo.InvariantCulture, $"{Predictions}model={model}/date={date.ToString(DateFormat, CultureInfo.InvariantCulture)}/");

    public static string FeedbackPartition(DateOnly date)
        => string.Create(CultureInfo.InvariantCulture, $"{Feedback}date={date.ToString(DateFormat, CultureInfo.InvariantCulture)}/");

    /// <summary>A new file's name in a partition: the writer's UTC time, then a GUID (create-if-absent never collides).</summary>
    public static string NewFile(string partition, DateTime utcNow, string? prefix = null)
        => string.Create(CultureInfo.InvariantCulture, $"{partition}{prefix}{utcNow:yyyyMMdd'T'HHmmssfff}-{Guid.NewGuid():N}.parquet");

    /// <summary>The <c>date=</c> partition of a key, if it has one.</summary>
    public static bool TryGetDate(string key, out DateOnly date)
    {
        var at = key.IndexOf("/date=", StringComparison.Ordinal);
        if (at >= 0 && key.Length >= at + 6 + 10)
        {
            return DateOnly.TryParseExact(key.AsSpan(at + 6, 10), DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
        }

        date = default;
        return false;
    }

    /// <summary>The <c>model=</c> partition of a prediction log's key.</summary>
    public static string? ModelOf(string key)
    {
        if (!key.StartsWith(Predictions + "model=", StringComparison.Ordinal))
        {
            return null;
        }

        var start = Predictions.Length + 6;
        var end = key.IndexOf('/', start);
        return end < 0 ? null : key[start..end];
    }

    /// <summary>The UTC time in a version-7 GUID (its first 48 bits, Unix milliseconds); <see langword="null"/> for another version.</summary>
    public static DateTime? TimeOf(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        if ((bytes[6] >> 4) != 7)
        {
            return null;
        }

        long milliseconds = 0;
        for (var i = 0; i < 6; i++)
        {
            milliseconds = (milliseconds << 8) | bytes[i];
        }

        return milliseconds > (DateTime.MaxValue - DateTime.UnixEpoch).TotalMilliseconds ? null : DateTime.UnixEpoch.AddMilliseconds(milliseconds);
    }

    /// <summary>Writes rows as one Parquet file, create-if-absent.</summary>
    public static async Task WriteParquetAsync<T>(ObjectStore store, string key, IReadOnlyCollection<T> rows, CancellationToken cancellationToken)
        where T : class, new()
    {
        using var stream = new MemoryStream();
        await ParquetSerializer.SerializeAsync(rows, stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        await store.WriteAsync(key, BinaryData.FromBytes(stream.GetBuffer().AsMemory(0, (int)stream.Length)), WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
    }

    public static DateTime Utc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };
}
