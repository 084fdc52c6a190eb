using System.Globalization;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using Microsoft.Extensions.Time.Testing;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using Parquet;
using Parquet.Meta;
using static MlOps.Sdk.Tests.Monitoring.RetentionTestLogs;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// docs/monitoring-layout.md is a contract other tools (Spark, DuckDB) rely on: the Parquet schema of every file kind —
/// as logged, as recorded, as compacted — must be exactly what its tables promise, and the keys what its layout says.
/// </summary>
public sealed partial class LayoutContractTests
{
    private InMemoryObjectStore _store = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _store = new InMemoryObjectStore();
        _client = new MlOpsClient(_store, new MlOpsOptions { Environment = "test" });
        var day = Today.AddDays(-2);
        var rows = Rows(day.AddHours(5), 6);
        rows[0].RoutingKey = null;
        await WriteInFilesAsync(_client, rows, 3);
        await _client.Monitoring.RecordFeedbackAsync(Guid.Parse(rows[0].Id), true);
        await _client.Monitoring.RecordFeedbackAsync(Guid.Parse(rows[1].Id), 2.5);
    }

    [TestCase("predictions", "monitoring/predictions/")]
    [TestCase("feedback", "monitoring/feedback/")]
    public async Task ParquetSchema_MatchesTheDocument_AsWrittenAndAsCompacted(string table, string prefix)
    {
        var promised = DocumentedColumns(table);
        Assert.That(promised, Is.Not.Empty, $"docs/monitoring-layout.md has a {table} table");

        foreach (var key in await KeysAsync(_store, prefix))
        {
            Assert.That(await ColumnsAsync(key), Is.EqualTo(promised), key);
        }

        await _client.Monitoring.CompactAsync();
        var compacted = (await KeysAsync(_store, prefix)).Where(k => k.Contains("/compacted-", StringComparison.Ordinal)).ToList();
        Assert.That(compacted, Is.Not.Empty);
        foreach (var key in compacted)
        {
            Assert.That(await ColumnsAsync(key), Is.EqualTo(promised), key);
        }
    }

    [Test]
    public async Task Keys_AreHivePartitionsAsDocumented()
    {
        var day = Today.AddDays(-2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(await KeysAsync(_store, "monitoring/predictions/"), Has.All.Match($@"^monitoring/predictions/model=delays/date={day}/\d{{8}}T\d{{9}}-[0-9a-f]{{32}}\.parquet$"));
        Assert.That(await KeysAsync(_store, "monitoring/feedback/"), Has.All.Match($@"^monitoring/feedback/date={day}/\d{{8}}T\d{{9}}-[0-9a-f]{{32}}\.parquet$"));
        await _client.Monitoring.CompactAsync();
        Assert.That(await KeysAsync(_store, "monitoring/"), Has.All.Match(@"/date=\d{4}-\d{2}-\d{2}/compacted-\d{8}T\d{9}-[0-9a-f]{32}\.parquet$"));
    }

    [Test]
    public async Task DuckDbQueryOfTheDocument_ReadsWhatTheSdkReads()
    {
        var root = Directory.CreateTempSubdirectory("mlops-layout-").FullName;
        try
        {
            var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
            var client = new MlOpsClient(new FileSystemObjectStore(root), new MlOpsOptions { Environment = "test" }, timeProvider: clock);
            var rows = new List<MlOps.Sdk.Serving.PredictionLogRow>();
            for (var i = 0; i < 30; i++)
            {
                var at = Today.AddDays(-(i % 3)).AddHours(-5).AddMinutes(i);
                rows.Add(Row(at, input: new { Origin = i % 2 == 0 ? "SEA" : "SFO", Distance = 100.5 * i }, output: new { Probability = i / 30.0, PredictedLabel = i > 15 }, version: 1 + (i % 2), arm: i % 4 == 0 ? "canary" : "main"));
            }

            // Shadows of six of them: the served prediction's id and time, another version and arm.
            var shadows = rows.Take(6).Select(r => Row(r.Timestamp, input: new { Origin = "SHD", Distance = 1.5 }, output: new { Probability = 0.25, PredictedLabel = false }, version: 3, arm: "shadow")).ToList();
            for (var i = 0; i < shadows.Count; i++)
            {
                shadows[i].Id = rows[i].Id;
            }

            await WriteInFilesAsync(client, rows, 7);
            await WriteInFilesAsync(client, shadows, 2);
            await WriteInFilesAsync(client, [rows[4], rows[9], shadows[1]], 3);              // duplicates
            await WriteInFilesAsync(client, Rows(Today.AddHours(-1), 5, "other"), 5);          // another model
            for (var i = 0; i < 12; i++)
            {
                await client.Monitoring.RecordFeedbackAsync(Guid.Parse(rows[i].Id), i % 3 == 0);
                clock.Advance(TimeSpan.FromMinutes(1));
            }

            await client.Monitoring.RecordFeedbackAsync(Guid.Parse(rows[0].Id), false);       // corrected: the latest wins
            var sdk = (await client.Monitoring.ReadPredictionsAsync("delays"))
                .Select(p => string.Join('|', p.Id.ToString("N"), p.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), p.Model, p.Version, p.Arm, p.InputText("Origin"), p.InputNumber("Distance"), p.OutputNumber("Probability"), p.Actual?.GetRawText()))
                .ToList();

            var duck = new List<string>();
            using (var connection = new DuckDBConnection("DataSource=:memory:"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = DocumentedQuery().Replace("/data/mlops/", root.TrimEnd('/') + "/", StringComparison.Ordinal);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var timestamp = DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc);
                    duck.Add(string.Join('|', reader.GetString(0), timestamp.ToString("O", CultureInfo.InvariantCulture), reader.GetString(2), reader.GetInt32(3), reader.GetString(4), reader.GetString(5), reader.GetDouble(6), reader.GetDouble(7), reader.IsDBNull(8) ? null : reader.GetString(8)));
                }
            }

            Assert.That(sdk, Has.Count.EqualTo(36));
            Assert.That(sdk.Count(p => p.Contains("|shadow|", StringComparison.Ordinal) && !p.EndsWith('|')), Is.EqualTo(6), "a shadow gets its served prediction's feedback");
            Assert.That(duck, Is.EqualTo(sdk), "DuckDB with the documented query reads the same rows, de-duplicated, with the latest feedback");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string DocumentedQuery()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "monitoring-layout.md"));
        var section = text[text.IndexOf("<!-- duckdb:query -->", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("<!-- /duckdb -->", StringComparison.Ordinal)];
        return section[(section.IndexOf("```sql", StringComparison.Ordinal) + 6)..section.LastIndexOf("```", StringComparison.Ordinal)];
    }

    /// <summary>The rows of a table of the document: <c>| `name` | physical | logical | repetition | meaning |</c>.</summary>
    private static List<string> DocumentedColumns(string table)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "monitoring-layout.md"));
        var section = text[text.IndexOf($"<!-- schema:{table} -->", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("<!-- /schema -->", StringComparison.Ordinal)];
        return [.. ColumnRow().Matches(section).Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value.Trim()} {m.Groups[3].Value.Trim()} {m.Groups[4].Value.Trim()}")];
    }

    private async Task<List<string>> ColumnsAsync(string key)
    {
        var stored = await _store.ReadAsync(key);
        using var stream = stored!.Content.ToStream();
        await using var reader = await ParquetReader.CreateAsync(stream);
        return [.. reader.Metadata!.Schema.Skip(1).Select(e => $"{e.Name} {e.Type} {Logical(e)} {e.RepetitionType}")];
    }

    private static string Logical(SchemaElement element) => element.LogicalType switch
    {
        { STRING: not null } => "STRING",
        { TIMESTAMP: { } t } => $"TIMESTAMP({(t.Unit.MILLIS is not null ? "MILLIS" : t.Unit.MICROS is not null ? "MICROS" : "NANOS")},{(t.IsAdjustedToUTC ? "UTC" : "local")})",
        { INTEGER: { } i } => $"INT({i.BitWidth},{(i.IsSigned ? "signed" : "unsigned")})",
        _ => element.ConvertedType?.ToString() ?? "-",
    };

    [GeneratedRegex(@"^\| `([a-z_]+)` \| ([A-Z0-9_]+) \| ([^|]+) \| ([A-Z]+) \|", RegexOptions.Multiline)]
    private static partial Regex ColumnRow();
}
