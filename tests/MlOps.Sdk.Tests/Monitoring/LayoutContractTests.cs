using System.Text.RegularExpressions;
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
