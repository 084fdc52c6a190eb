using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Tracking;

public sealed class RunOrderingTests
{
    [TestCase(null)]
    [TestCase("")]
    [TestCase("  ")]
    public void Parse_NullOrEmpty_IsStartTimeDescendingSoNewestFirst(string? text)
    {
        var ordering = RunOrdering.Parse(text);
        var old = Run("old", start: new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var newest = Run("newest", start: new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var middle = Run("middle", start: new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var unknown = Run("unknown");

        Assert.That(ordering, Is.SameAs(RunOrdering.Default));
        Assert.That(ordering.ToString(), Is.EqualTo("attributes.start_time DESC"));
        Assert.That(Sort(ordering, old, unknown, newest, middle), Is.EqualTo(new[] { "newest", "middle", "old", "unknown" }));
    }

    [Test]
    public void Compare_MissingMetric_SortsAfterRunsThatHaveItInBothDirections()
    {
        var runs = new[] { Run("a", auc: 0.9), Run("b"), Run("c", auc: 0.7), Run("d", auc: 0.8) };

        Assert.That(Sort("metrics.auc", runs), Is.EqualTo(new[] { "c", "d", "a", "b" }));
        Assert.That(Sort("metrics.auc ASC", runs), Is.EqualTo(new[] { "c", "d", "a", "b" }));
        Assert.That(Sort("metrics.auc DESC", runs), Is.EqualTo(new[] { "a", "d", "c", "b" }));
    }

    [Test]
    public void Compare_MissingParameterOrAttribute_SortsLastInBothDirections()
    {
        var runs = new[] { Run("a", lr: "0.1"), Run("b"), Run("c", lr: "0.01") };
        var ended = Run("ended", end: DateTimeOffset.UnixEpoch);
        var running = Run("running");
        running.Attributes["end_time"] = null;

        Assert.That(Sort("params.lr ASC", runs), Is.EqualTo(new[] { "c", "a", "b" }));
        Assert.That(Sort("params.lr DESC", runs), Is.EqualTo(new[] { "a", "c", "b" }));
        Assert.That(Sort("attributes.end_time ASC", running, ended), Is.EqualTo(new[] { "ended", "running" }));
        Assert.That(Sort("attributes.end_time DESC", running, ended), Is.EqualTo(new[] { "ended", "running" }));
    }

    [Test]
    public void Compare_NaNMetric_SortsAfterNumbersAndBeforeMissingInBothDirections()
    {
        var runs = new[] { Run("nan", auc: double.NaN), Run("missing"), Run("high", auc: 0.9), Run("low", auc: 0.1) };

        Assert.That(Sort("metrics.auc ASC", runs), Is.EqualTo(new[] { "low", "high", "nan", "missing" }));
        Assert.That(Sort("metrics.auc DESC", runs), Is.EqualTo(new[] { "high", "low", "nan", "missing" }));
    }

    [Test]
    public void Compare_TiesOnEveryField_BrokenByRunIdAscendingInBothDirections()
    {
        var runs = new[] { Run("run-b", auc: 0.5), Run("run-c", auc: 0.5), Run("run-a", auc: 0.5), Run("run-z"), Run("run-y") };

        Assert.That(Sort("metrics.auc ASC", runs), Is.EqualTo(new[] { "run-a", "run-b", "run-c", "run-y", "run-z" }));
        Assert.That(Sort("metrics.auc DESC", runs), Is.EqualTo(new[] { "run-a", "run-b", "run-c", "run-y", "run-z" }));
    }

    [Test]
    public void Compare_RunIdTieBreak_IsOrdinal()
    {
        var runs = new[] { Run("b"), Run("B"), Run("a"), Run("A") };

        Assert.That(Sort("metrics.auc", runs), Is.EqualTo(new[] { "A", "B", "a", "b" }));
    }

    [Test]
    public void Compare_SeveralKeys_LaterKeysBreakTiesOfEarlierOnes()
    {
        var runs = new[] { Run("a", auc: 0.9, lr: "0.1"), Run("b", auc: 0.9, lr: "0.01"), Run("c", auc: 0.95, lr: "1"), Run("d", auc: 0.9) };

        Assert.That(Sort("metrics.auc DESC, params.lr", runs), Is.EqualTo(new[] { "c", "b", "a", "d" }));
        Assert.That(Sort("metrics.auc DESC, params.lr DESC", runs), Is.EqualTo(new[] { "c", "a", "b", "d" }));
    }

    [Test]
    public void Compare_ParametersThatAreNumbers_CompareNumericallyAndBeforeOtherStrings()
    {
        var runs = new[] { Run("ten", lr: "10"), Run("nine", lr: "9"), Run("small", lr: "2.5e-1"), Run("auto", lr: "auto"), Run("Auto", lr: "Auto") };

        Assert.That(Sort("params.lr", runs), Is.EqualTo(new[] { "small", "nine", "ten", "Auto", "auto" }));
        Assert.That(Sort("params.lr DESC", runs), Is.EqualTo(new[] { "auto", "Auto", "ten", "nine", "small" }));
    }

    [Test]
    public void Compare_MixedNumericAndTextParameters_IsATotalOrder()
    {
        string[] values = ["10", "9", "1a", "a", "-1", "1.0", "1", string.Empty, " 2", "NaN", "Infinity", "B"];
        var runs = values.Select((v, i) => Run($"r{i:D2}", lr: v)).ToArray();
        var ordering = RunOrdering.Parse("params.lr");

        foreach (var x in runs)
        {
            Assert.That(ordering.Compare(x, x), Is.Zero);
            foreach (var y in runs)
            {
                Assert.That(Math.Sign(ordering.Compare(x, y)), Is.EqualTo(-Math.Sign(ordering.Compare(y, x))), $"{x} vs {y}");
                foreach (var z in runs)
                {
                    if (ordering.Compare(x, y) < 0 && ordering.Compare(y, z) < 0)
                    {
                        Assert.That(ordering.Compare(x, z), Is.LessThan(0), $"{x} < {y} < {z}");
                    }
                }
            }
        }

        Assert.That(Sort(ordering, runs).Select(id => values[int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture)]), Is.EqualTo(new[] { "-1", "1", "1.0", " 2", "9", "10", string.Empty, "1a", "B", "Infinity", "NaN", "a" }));
    }

    [Test]
    public void Compare_StartTime_ComparesInstantsWhateverTheOffset()
    {
        var early = Run("early", start: new DateTimeOffset(2024, 5, 1, 13, 0, 0, TimeSpan.FromHours(2)));
        var late = Run("late", start: new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero));

        Assert.That(Sort("attributes.start_time", late, early), Is.EqualTo(new[] { "early", "late" }));
        Assert.That(Sort("attributes.start_time DESC", early, late), Is.EqualTo(new[] { "late", "early" }));
    }

    [Test]
    public void Compare_Status_IgnoresCase()
    {
        var runs = new[] { Run("r1", status: "Running"), Run("r2", status: "failed"), Run("r3", status: "Finished"), Run("r4", status: "FAILED") };

        Assert.That(Sort("attributes.status", runs), Is.EqualTo(new[] { "r2", "r4", "r3", "r1" }));
    }

    [Test]
    public void Compare_AsIComparer_SortsAndPutsNullFirst()
    {
        IComparer<IRunFields?> comparer = RunOrdering.Parse("metrics.auc DESC");
        var runs = new List<IRunFields?> { Run("low", auc: 0.1), null, Run("high", auc: 0.9) };

        runs.Sort(comparer);

        Assert.That(runs.Select(r => r?.ToString()), Is.EqualTo(new[] { null, "high", "low" }));
    }

    [TestCase("metric.auc desc, param.lr , ATTR.Start_Time asc", "metrics.auc DESC, params.lr ASC, attributes.start_time ASC")]
    [TestCase("tags.`team name` Desc", "tags.`team name` DESC")]
    [TestCase("params.\"a b\"", "params.`a b` ASC")]
    public void ToString_ParsedOrdering_IsNormalizedAndParsesToItself(string text, string expected)
    {
        var normalized = RunOrdering.Parse(text).ToString();

        Assert.That(normalized, Is.EqualTo(expected));
        Assert.That(RunOrdering.Parse(normalized).ToString(), Is.EqualTo(normalized));
    }

    [TestCase("metrics.auc DOWN", 12, "unexpected 'DOWN'; expected ASC, DESC, ',' or the end of the ordering")]
    [TestCase("metrics.auc DESC DESC", 17, "unexpected 'DESC'; expected ',' or the end of the ordering")]
    [TestCase("metrics.auc DESC metrics.x", 17, "unexpected 'metrics.x'; expected ',' or the end of the ordering")]
    [TestCase("metrics.auc,", 12, "expected a field after ',', found the end of the ordering")]
    [TestCase("metrics.auc,, params.lr", 12, "expected a field after ',', found ','")]
    [TestCase(", metrics.auc", 0, "expected a field such as metrics.auc, found ','")]
    [TestCase("DESC", 0, "expected a field such as metrics.auc, found 'DESC'")]
    [TestCase("auc DESC", 0, "unknown field 'auc'")]
    [TestCase("foo.x", 0, "unknown field prefix 'foo.'")]
    [TestCase("attributes.size", 11, "unknown attribute 'size'")]
    [TestCase("metrics.auc; DROP", 11, "unexpected character ';'")]
    [TestCase("metrics.`auc DESC", 8, "unterminated key")]
    public void Parse_InvalidOrdering_ThrowsWithThePositionOfTheProblem(string text, int position, string reason)
    {
        var ex = Assert.Throws<InvalidRunQueryException>(() => RunOrdering.Parse(text));

        Assert.That(ex!.Position, Is.EqualTo(position));
        Assert.That(ex.Query, Is.EqualTo(text));
        Assert.That(ex.Message, Does.StartWith($"Invalid run ordering at position {position}: {reason}"));
        Assert.That(ex.Message, Does.EndWith($" in \"{text}\""));
    }

    private static List<string> Sort(string orderBy, params FakeRunFields[] runs) => Sort(RunOrdering.Parse(orderBy), runs);

    /// <summary>Sorts the runs, and checks that the result does not depend on the order they came in.</summary>
    private static List<string> Sort(RunOrdering ordering, params FakeRunFields[] runs)
    {
        var forward = runs.ToList();
        forward.Sort(ordering.Compare);
        var backward = Enumerable.Reverse(runs).ToList();
        backward.Sort(ordering.Compare);
        var ids = forward.Select(r => r.ToString()).ToList();
        Assert.That(backward.Select(r => r.ToString()), Is.EqualTo(ids), "the order depends on the input order");
        return ids;
    }

    private static FakeRunFields Run(string id, double? auc = null, string? lr = null, DateTimeOffset? start = null, DateTimeOffset? end = null, string? status = null)
    {
        var run = FakeRunFields.WithId(id);
        if (auc is { } metric)
        {
            run.Metrics["auc"] = metric;
        }

        if (lr is not null)
        {
            run.Parameters["lr"] = lr;
        }

        if (start is not null)
        {
            run.Attributes["start_time"] = start;
        }

        if (end is not null)
        {
            run.Attributes["end_time"] = end;
        }

        if (status is not null)
        {
            run.Attributes["status"] = status;
        }

        return run;
    }
}
