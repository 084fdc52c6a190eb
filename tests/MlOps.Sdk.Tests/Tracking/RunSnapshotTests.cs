using System.Text;
using System.Text.Json;
using MlOps.Sdk.Records;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Tracking;

/// <summary>
/// The run index snapshot's reader, which reads only the searchable fields of each run: it must answer every filter and
/// ordering exactly as the whole record would, and never lose a byte of what it does not read.
/// </summary>
public sealed class RunSnapshotTests
{
    private const string Key = "index/runs/demo/snapshot.jsonl";

    private static readonly string[] AttributeNames = [.. RunField.AttributeNames];

    [Test]
    public void Parse_VariedRuns_AnswersEveryFieldAsTheWholeRecordDoes()
    {
        var records = VariedRuns();
        var parsed = RunSnapshot.Parse(Key, Serialize(records));

        Assert.That(parsed, Has.Length.EqualTo(records.Count));
        for (var i = 0; i < records.Count; i++)
        {
            var expected = IndexedRun.FromRecord(records[i]);
            var actual = parsed[i];
            Assert.Multiple(() =>
            {
                Assert.That(actual.Id, Is.EqualTo(expected.Id));
                Assert.That(actual.Revision, Is.EqualTo(expected.Revision));
                foreach (var attribute in AttributeNames)
                {
                    Assert.That(actual.TryGetAttribute(attribute, out var value), Is.EqualTo(expected.TryGetAttribute(attribute, out var wanted)), $"{expected.Id}: has {attribute}");
                    Assert.That(value, Is.EqualTo(wanted), $"{expected.Id}: attributes.{attribute}");
                }

                foreach (var (name, value) in records[i].Parameters)
                {
                    Assert.That(actual.TryGetParameter(name, out var read) ? read : null, Is.EqualTo(value), $"{expected.Id}: params.{name}");
                }

                foreach (var (name, value) in records[i].Tags)
                {
                    Assert.That(actual.TryGetTag(name, out var read) ? read : null, Is.EqualTo(value), $"{expected.Id}: tags.{name}");
                }

                foreach (var (name, summary) in records[i].Metrics)
                {
                    Assert.That(actual.TryGetMetric(name, out var read), Is.True, $"{expected.Id}: has metrics.{name}");
                    Assert.That(read, Is.EqualTo(summary.Last), $"{expected.Id}: metrics.{name}");
                }

                Assert.That(actual.TryGetParameter("absent", out _), Is.False);
                Assert.That(actual.TryGetMetric("absent", out _), Is.False);
                Assert.That(actual.Parameters, Has.Length.EqualTo(records[i].Parameters.Count));
                Assert.That(actual.Tags, Has.Length.EqualTo(records[i].Tags.Count));
                Assert.That(actual.Metrics, Has.Length.EqualTo(records[i].Metrics.Count));
            });
        }
    }

    [Test]
    public void Parse_ThenToRecord_GivesTheWholeRecordBack()
    {
        var records = VariedRuns();
        var parsed = RunSnapshot.Parse(Key, Serialize(records));

        for (var i = 0; i < records.Count; i++)
        {
            Assert.That(Json(parsed[i].ToRecord()), Is.EqualTo(Json(records[i])), "artifacts, inputs, failure and the rest survive");
        }
    }

    [Test]
    public void Serialize_ParsedSnapshot_CopiesEachRunsBytesUnchanged()
    {
        // A compaction writes the runs it did not change as they were: what this reader skips (or a newer version added) is kept.
        var original = Serialize(VariedRuns()).ToString().Replace("\"revision\":", "\"addedLater\":{\"x\":[1,{\"y\":null}]},\"revision\":", StringComparison.Ordinal);

        var rewritten = RunSnapshot.Serialize(RunSnapshot.Parse(Key, BinaryData.FromString(original)));

        Assert.That(rewritten.ToString(), Is.EqualTo(original));
    }

    [Test]
    public void Parse_RunWithUnknownProperties_SkipsThem()
    {
        var line = """{"schemaVersion":1,"future":{"nested":[1,2,{"deep":"x"}],"s":"\"}"},"id":"r1","experiment":"demo","status":"Finished","parameters":{"p":"1"},"laterList":[{"a":1}]}""";

        var run = RunSnapshot.Parse(Key, Snapshot(line)).Single();

        Assert.That(run.Id, Is.EqualTo("r1"));
        Assert.That(run.TryGetParameter("p", out var p) ? p : null, Is.EqualTo("1"));
    }

    [Test]
    public void Parse_EscapedAndLongStrings_AreUnescaped()
    {
        var longValue = new string('v', 200);
        var line = $$$"""{"id":"r1","experiment":"demo","status":"Failed","parameters":{"caf\u00e9 \"q\"":"a\\b\n","long":"{{{longValue}}}"},"tags":{"{{{longValue}}}":"t"}}""";

        var run = RunSnapshot.Parse(Key, Snapshot(line)).Single();

        Assert.That(run.TryGetParameter("café \"q\"", out var escaped) ? escaped : null, Is.EqualTo("a\\b\n"));
        Assert.That(run.TryGetParameter("long", out var value) ? value : null, Is.EqualTo(longValue));
        Assert.That(run.TryGetTag(longValue, out var tag) ? tag : null, Is.EqualTo("t"));
        Assert.That(run.Status, Is.EqualTo(RunStatus.Failed));
    }

    [Test]
    public void Parse_RepeatedKeysAndValues_ShareOneStringInstance()
    {
        var parsed = RunSnapshot.Parse(Key, Serialize(VariedRuns()));

        var trainers = parsed.SelectMany(r => r.Parameters).Where(p => p.Key == "trainer").ToList();
        Assert.That(trainers, Has.Count.GreaterThan(1));
        Assert.That(trainers.Select(p => p.Key).Distinct(ReferenceEqualityComparer.Instance).Count(), Is.EqualTo(1), "one 'trainer' key for all runs");
    }

    [TestCase("")]
    [TestCase("\n\n")]
    [TestCase("not json\n")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"status\":\"Finished\"")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"status\":\"Sleeping\"}")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"status\":\"1\"}")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"experiment\":\"demo\",\"status\":\"Finished\"}")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"status\":\"Finished\"}")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"metrics\":{\"auc\":{\"last\":\"high\"}}}")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"parameters\":{\"p\":1}}")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"startTime\":\"yesterday\"}")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n[1,2]")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"parameters\":{\"a\":\"1\",\"a\":\"2\"}}", TestName = "{m}(repeated parameter)")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"metrics\":{\"auc\":{\"last\":1},\"auc\":{\"last\":2}}}", TestName = "{m}(repeated metric)")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"source\":{\"user\":\"ana\"},\"source\":null}", TestName = "{m}(repeated source)")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"source\":{\"user\":\"ana\",\"user\":\"bob\"}}", TestName = "{m}(repeated user)")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"status\":\"Finished\",\"status\":\"Failed\"}", TestName = "{m}(repeated status)")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"metrics\":{\"auc\":{\"last\":\"1.5\"}}}", TestName = "{m}(metric as text)")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"metrics\":{\"auc\":{\"last\":\"nan\"}}}", TestName = "{m}(lower-case nan)")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\"}trailing", TestName = "{m}(text after the run)")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\"}{\"id\":\"r1\",\"experiment\":\"demo\"}", TestName = "{m}(two runs on a line)")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"parameters\":null}", TestName = "{m}(null parameters)")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"tags\":null}", TestName = "{m}(null tags)")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"id\":\"r1\",\"experiment\":\"demo\",\"metrics\":null}", TestName = "{m}(null metrics)")]
    [TestCase("{\"schemaVersion\":1,\"runs\":2}\n{\"id\":\"r1\",\"experiment\":\"demo\"}\n", TestName = "{m}(cut short)")]
    [TestCase("{\"id\":\"r1\",\"experiment\":\"demo\",\"schemaVersion\":1}\n{\"id\":\"r2\",\"experiment\":\"demo\"}\n", TestName = "{m}(no header)")]
    [TestCase("{\"runs\":0}\n", TestName = "{m}(header without a version)")]
    public void Parse_Corrupt_ThrowsRecordFormatExceptionNamingTheSnapshot(string content)
    {
        var ex = Assert.Throws<RecordFormatException>(() => RunSnapshot.Parse(Key, BinaryData.FromString(content)));

        Assert.That(ex!.Key, Is.EqualTo(Key));
        Assert.That(ex.Message, Does.Contain(Key));
    }

    [TestCase("{\"schemaVersion\":99,\"runs\":0}\n")]
    [TestCase("{\"schemaVersion\":1,\"runs\":1}\n{\"schemaVersion\":99,\"id\":\"r1\",\"experiment\":\"demo\"}\n")]
    public void Parse_WrittenByANewerVersion_ThrowsSayingToUpgrade(string content)
    {
        var ex = Assert.Throws<RecordFormatException>(() => RunSnapshot.Parse(Key, BinaryData.FromString(content)));

        Assert.That(ex!.Message, Does.Contain("newer").And.Contain("Upgrade"));
    }

    [Test]
    public void Parse_ManyRuns_ParsedInPartsKeepTheirOrder()
    {
        var records = Enumerable.Range(0, 3000).Select(i => Run($"r{i:D5}", i)).ToList();

        var parsed = RunSnapshot.Parse(Key, Serialize(records));

        Assert.That(parsed.Select(r => r.Id), Is.EqualTo(records.Select(r => r.Id)));
        Assert.That(parsed.Select(r => r.TryGetMetric("auc", out var auc) ? auc : double.NaN), Is.EqualTo(records.Select(r => r.Metrics["auc"].Last)));
    }

    private static BinaryData Serialize(IEnumerable<RunRecord> records)
        => RunSnapshot.Serialize(records.Select(r => IndexedRun.FromRecord(r)).ToList());

    private static BinaryData Snapshot(string line) => BinaryData.FromString("{\"schemaVersion\":1,\"runs\":1}\n" + line + "\n");

    private static string Json(RunRecord record) => JsonSerializer.Serialize(record, TrackingJsonContext.Default.RunRecord);

    private static RunRecord Run(string id, int i) => new()
    {
        Id = id,
        Experiment = "demo",
        Status = RunStatus.Finished,
        StartTime = new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero).AddMinutes(i),
        EndTime = new DateTimeOffset(2026, 11, 1, 8, 30, 0, TimeSpan.Zero).AddMinutes(i),
        Revision = i,
        Parameters = new() { ["trainer"] = i % 2 == 0 ? "LightGbm" : "FastTree", ["seed"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        Metrics = new() { ["auc"] = new MetricSummaryRecord { Last = i / 3000.0, LastStep = 9, Count = 10 } },
    };

    private static List<RunRecord> VariedRuns()
    {
        var full = Run("0001", 1);
        full.Name = "full";
        full.Description = "every field set";
        full.ParentRunId = "0000";
        full.Source = new RunSourceRecord
        {
            User = "ana", Machine = "ws-1", Environment = "production", GitCommit = new string('a', 40), GitBranch = "main",
            GitDirty = true, CommandLine = "train --fast", ProcessId = 42, DotNetVersion = "10.0", MlNetVersion = "5.0.1",
        };
        full.Tags = new() { ["team"] = "forecasting", ["empty"] = string.Empty, ["ünïcode ✓"] = "日本語" };
        full.Metrics["nan"] = new MetricSummaryRecord { Last = double.NaN, Min = double.NaN, Max = double.NaN, Count = 1 };
        full.Metrics["inf"] = new MetricSummaryRecord { Last = double.PositiveInfinity, Count = 1 };
        full.Metrics["-inf"] = new MetricSummaryRecord { Last = double.NegativeInfinity, Count = 1 };
        full.Metrics["tiny"] = new MetricSummaryRecord { Last = 5e-324, Count = 1 };
        full.Failure = new RunFailureRecord { Type = "System.Exception", Message = "boom \"quoted\"", StackTrace = "at X\n at Y" };
        full.Artifacts = [new ArtifactRecord { Path = "model/model.zip", Sha256 = new string('b', 64), Size = 10 }];
        full.Inputs = [new RunLinkRecord { Uri = "datasets:/flights/1", Context = "training", Sha256 = new string('c', 64) }];
        full.Outputs = [new RunLinkRecord { Uri = "models:/delay/1" }];
        full.Writers = new() { ["w1"] = 7 };

        var running = Run("0002", 2);
        running.Status = RunStatus.Running;
        running.EndTime = null;
        running.Source = null;

        var bare = new RunRecord { Id = "0003", Experiment = "demo", StartTime = DateTimeOffset.UnixEpoch.ToOffset(TimeSpan.FromHours(2)) };

        var crashed = Run("0004", 4);
        crashed.Status = RunStatus.Crashed;
        crashed.Parameters["long"] = new string('x', 500);

        var killed = Run("0005", 5);
        killed.Status = RunStatus.Killed;

        return [full, running, bare, crashed, killed];
    }
}
