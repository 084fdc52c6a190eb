using System.Diagnostics;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Tracking;

public sealed class RunFilterTests
{
    private const long NoonMay1st2024UnixMs = 1_714_564_800_000;

    private static readonly string[] TextConditions =
    [
        "= 1", "= 'a'", "!= 1", "!= 'a'", "<> 'a'", "< 1", "<= 'a'", "> 1", ">= 'a'",
        "IN (1, 'a')", "NOT IN (1, 'a')", "LIKE '%'", "NOT LIKE 'a'", "ILIKE '%'", "NOT ILIKE 'a'", "IS NOT NULL",
    ];

    private static readonly string[] NumberConditions = ["= 1", "!= 1", "<> 1", "< 1", "<= 1", "> 1", ">= 1", "IN (1, 2)", "NOT IN (1, 2)", "IS NOT NULL"];

    private static readonly string[] StatusConditions = ["= 'Running'", "!= 'Running'", "<> 'Finished'", "IN ('Running')", "NOT IN ('Running')", "IS NOT NULL"];

    private static readonly string[] AttributeNames =
    [
        "run_id", "name", "experiment", "status", "user", "machine", "commit", "branch", "environment", "parent_run_id",
        "start_time", "end_time", "duration",
    ];

    [TestCase(null)]
    [TestCase("")]
    [TestCase("  \t\n ")]
    public void Parse_NullEmptyOrWhiteSpace_ReturnsAllWhichMatchesEveryRun(string? text)
    {
        var filter = RunFilter.Parse(text);

        Assert.That(filter, Is.SameAs(RunFilter.All));
        Assert.That(filter.Matches(new FakeRunFields()), Is.True);
        Assert.That(filter.Matches(Param("x", "1")), Is.True);
        Assert.That(filter.ToString(), Is.Empty);
    }

    [TestCase("metrics.auc = 0.9", true)]
    [TestCase("metrics.auc = 0.8", false)]
    [TestCase("metrics.auc == 0.9", true)]
    [TestCase("metrics.auc == 0.8", false)]
    [TestCase("metrics.auc != 0.8", true)]
    [TestCase("metrics.auc != 0.9", false)]
    [TestCase("metrics.auc <> 0.8", true)]
    [TestCase("metrics.auc <> 0.9", false)]
    [TestCase("metrics.auc < 0.95", true)]
    [TestCase("metrics.auc < 0.9", false)]
    [TestCase("metrics.auc <= 0.9", true)]
    [TestCase("metrics.auc <= 0.85", false)]
    [TestCase("metrics.auc > 0.85", true)]
    [TestCase("metrics.auc > 0.9", false)]
    [TestCase("metrics.auc >= 0.9", true)]
    [TestCase("metrics.auc >= 0.95", false)]
    [TestCase("metrics.auc IN (0.5, 0.9)", true)]
    [TestCase("metrics.auc IN (0.5, 0.8)", false)]
    [TestCase("metrics.auc NOT IN (0.5, 0.8)", true)]
    [TestCase("metrics.auc NOT IN (0.5, 0.9)", false)]
    [TestCase("metrics.auc IS NOT NULL", true)]
    [TestCase("metrics.auc IS NULL", false)]
    [TestCase("metrics.auc > 9e-1", false)]
    [TestCase("metrics.auc > 8.5E-1", true)]
    [TestCase("metrics.auc=0.9", true)]
    [TestCase("metrics.loss > -1", true)]
    [TestCase("metrics.loss < -0.25", true)]
    [TestCase("metrics.loss = -.5", true)]
    [TestCase("metrics.loss >= +1", false)]
    [TestCase("metrics.epochs = 10", true)]
    [TestCase("metrics.epochs > 9", true)]
    public void Matches_MetricComparison_ComparesNumerically(string filter, bool expected)
    {
        var run = new FakeRunFields { Metrics = { ["auc"] = 0.9, ["loss"] = -0.5, ["epochs"] = 10 } };

        Assert.That(RunFilter.Parse(filter).Matches(run), Is.EqualTo(expected));
    }

    [TestCase("= 1", false)]
    [TestCase("!= 1", true)]
    [TestCase("<> 1", true)]
    [TestCase("< 1", false)]
    [TestCase("<= 1", false)]
    [TestCase("> 1", false)]
    [TestCase(">= 1", false)]
    [TestCase("IN (1, 2)", false)]
    [TestCase("NOT IN (1, 2)", true)]
    [TestCase("IS NULL", false)]
    [TestCase("IS NOT NULL", true)]
    public void Matches_NaNMetric_FollowsIeeeSoOnlyNotEqualIsTrue(string condition, bool expected)
    {
        var run = new FakeRunFields { Metrics = { ["loss"] = double.NaN } };

        Assert.That(RunFilter.Parse($"metrics.loss {condition}").Matches(run), Is.EqualTo(expected));
    }

    [Test]
    public void Matches_MissingTextField_EveryConditionButIsNullIsFalse(
        [Values("params.x", "tags.x", "attributes.branch", "attributes.commit")] string field,
        [ValueSource(nameof(TextConditions))] string condition)
    {
        // params.y and tags.y exist so that only the key is missing; branch is unset (null), commit is not reported at all.
        var run = new FakeRunFields { Parameters = { ["y"] = "a" }, Tags = { ["y"] = "a" }, Attributes = { ["branch"] = null } };
        var filter = RunFilter.Parse($"{field} {condition}");

        Assert.That(filter.Matches(run), Is.False);
        Assert.That(RunFilter.Parse($"{field} IS NULL").Matches(run), Is.True);
    }

    [Test]
    public void Matches_MissingNumberOrTimeField_EveryConditionButIsNullIsFalse(
        [Values("metrics.x", "attributes.duration", "attributes.end_time")] string field,
        [ValueSource(nameof(NumberConditions))] string condition)
    {
        var run = new FakeRunFields { Metrics = { ["y"] = 1 }, Attributes = { ["end_time"] = null, ["duration"] = null } };

        Assert.That(RunFilter.Parse($"{field} {condition}").Matches(run), Is.False);
        Assert.That(RunFilter.Parse($"{field} IS NULL").Matches(run), Is.True);
    }

    [Test]
    public void Matches_MissingStatus_EveryConditionButIsNullIsFalse([ValueSource(nameof(StatusConditions))] string condition)
    {
        var run = new FakeRunFields { Attributes = { ["status"] = null } };

        Assert.That(RunFilter.Parse($"attributes.status {condition}").Matches(run), Is.False);
        Assert.That(RunFilter.Parse("attributes.status IS NULL").Matches(run), Is.True);
    }

    [Test]
    public void Matches_PresentField_IsNullIsFalseAndIsNotNullIsTrue([Values("params.x", "tags.x", "metrics.x", "attributes.user")] string field)
    {
        var run = new FakeRunFields { Parameters = { ["x"] = string.Empty }, Tags = { ["x"] = string.Empty }, Metrics = { ["x"] = 0 }, Attributes = { ["user"] = string.Empty } };

        Assert.That(RunFilter.Parse($"{field} IS NULL").Matches(run), Is.False);
        Assert.That(RunFilter.Parse($"{field} is not null").Matches(run), Is.True);
    }

    [Test]
    public void Matches_NotOfConditionOnMissingField_IsPlainNegationSoItIsTrue()
    {
        var without = new FakeRunFields();

        Assert.That(RunFilter.Parse("NOT params.x = 'a'").Matches(without), Is.True);
        Assert.That(RunFilter.Parse("params.x != 'a'").Matches(without), Is.False);
        Assert.That(RunFilter.Parse("NOT params.x != 'a'").Matches(without), Is.True);
        Assert.That(RunFilter.Parse("NOT params.x IN ('a')").Matches(without), Is.True);
        Assert.That(RunFilter.Parse("params.x NOT IN ('a')").Matches(without), Is.False);
        Assert.That(RunFilter.Parse("NOT params.x IS NULL").Matches(without), Is.False);
        Assert.That(RunFilter.Parse("NOT params.x = 'a'").Matches(Param("x", "a")), Is.False);
        Assert.That(RunFilter.Parse("NOT params.x = 'a'").Matches(Param("x", "b")), Is.True);
    }

    [TestCase("params.x > 0.01", "0.1", true)]
    [TestCase("params.x < 0.01", "0.1", false)]
    [TestCase("params.x > 9", "10", true)]
    [TestCase("params.x < 9", "10", false)]
    [TestCase("params.x > '9'", "10", false)]
    [TestCase("params.x < '9'", "10", true)]
    [TestCase("params.x = 10", "10.0", true)]
    [TestCase("params.x = '10'", "10.0", false)]
    [TestCase("params.x = 1e1", "10", true)]
    [TestCase("params.x != 10", "10.0", false)]
    [TestCase("params.x > 2", "1e1", true)]
    [TestCase("params.x >= -3", "-2.5", true)]
    [TestCase("params.x = 1", "adam", false)]
    [TestCase("params.x != 1", "adam", true)]
    [TestCase("params.x > 1", "adam", true)]
    [TestCase("params.x < 1", "adam", false)]
    [TestCase("params.x > 1", "NaN", true)]
    [TestCase("params.x = 'adam'", "adam", true)]
    [TestCase("params.x = 'Adam'", "adam", false)]
    [TestCase("params.x != 'Adam'", "adam", true)]
    [TestCase("params.x = \"adam\"", "adam", true)]
    [TestCase("params.x < 'b'", "adam", true)]
    [TestCase("params.x <= 'adam'", "adam", true)]
    [TestCase("params.x >= 'adamw'", "adam", false)]
    [TestCase("params.x > 'B'", "a", true)]
    [TestCase("params.x = ''", "", true)]
    public void Matches_TextComparison_NumericWhenLiteralAndValueAreNumbersElseOrdinal(string filter, string stored, bool expected)
    {
        Assert.That(RunFilter.Parse(filter).Matches(Param("x", stored)), Is.EqualTo(expected), "params");
        Assert.That(RunFilter.Parse(filter.Replace("params.x", "tags.x", StringComparison.Ordinal)).Matches(new FakeRunFields { Tags = { ["x"] = stored } }), Is.EqualTo(expected), "tags");
        Assert.That(RunFilter.Parse(filter.Replace("params.x", "attributes.name", StringComparison.Ordinal)).Matches(new FakeRunFields { Attributes = { ["name"] = stored } }), Is.EqualTo(expected), "attributes.name");
    }

    [Test]
    [SetCulture("de-DE")]
    public void Matches_NumericParameter_ParsesInTheInvariantCultureWhateverTheCurrentCulture()
    {
        Assert.That(RunFilter.Parse("params.x > 0.4").Matches(Param("x", "0.5")), Is.True);
        Assert.That(RunFilter.Parse("params.x = 0.5").Matches(Param("x", "0,5")), Is.False);
        Assert.That(RunFilter.Parse("params.x > 0.4").Matches(Param("x", "0,5")), Is.False, "\"0,5\" is not a number, and ',' sorts before '.'");
    }

    [TestCase("LIKE 'ad%'", "adam", true)]
    [TestCase("LIKE 'ad%'", "sgd", false)]
    [TestCase("LIKE '%am'", "adam", true)]
    [TestCase("LIKE '%am'", "adamw", false)]
    [TestCase("LIKE '%da%'", "adam", true)]
    [TestCase("LIKE 'a_am'", "adam", true)]
    [TestCase("LIKE 'a_m'", "adam", false)]
    [TestCase("LIKE '____'", "adam", true)]
    [TestCase("LIKE '___'", "adam", false)]
    [TestCase("LIKE '%'", "", true)]
    [TestCase("LIKE '_%'", "", false)]
    [TestCase("LIKE 'adam'", "adam", true)]
    [TestCase("LIKE 'ada'", "adam", false)]
    [TestCase("LIKE 'Ad%'", "adam", false)]
    [TestCase("ILIKE 'Ad%'", "adam", true)]
    [TestCase("ILIKE 'ADAM'", "adam", true)]
    [TestCase("ilike 'ad_m'", "ADAM", true)]
    [TestCase("ILIKE 'AD_M'", "sgd", false)]
    [TestCase("NOT LIKE 'ad%'", "adam", false)]
    [TestCase("NOT LIKE 'ad%'", "sgd", true)]
    [TestCase("NOT ILIKE 'AD%'", "adam", false)]
    [TestCase("NOT ILIKE 'AD%'", "sgd", true)]
    [TestCase("LIKE 'it''s%'", "it's done", true)]
    [TestCase("LIKE 'it''s%'", "its done", false)]
    [TestCase("LIKE \"it's%\"", "it's done", true)]
    [TestCase("LIKE '100\\%'", "100%", true)]
    [TestCase("LIKE '100\\%'", "1000", false)]
    [TestCase("LIKE 'a\\_b'", "a_b", true)]
    [TestCase("LIKE 'a\\_b'", "axb", false)]
    [TestCase("LIKE 'C:\\data\\\\%'", "C:\\data\\train.csv", true)]
    [TestCase("LIKE '%a%b%c'", "xaxbxc", true)]
    [TestCase("LIKE '%a%b%c'", "xaxcxb", false)]
    [TestCase("LIKE 'a%%b'", "ab", true)]
    [TestCase("LIKE '%aab'", "aaaab", true)]
    public void Matches_Like_MatchesTheWholeValueWithWildcards(string condition, string stored, bool expected)
    {
        Assert.That(RunFilter.Parse($"params.x {condition}").Matches(Param("x", stored)), Is.EqualTo(expected));
    }

    [TestCase("params.x IN ('adam', 'sgd')", "sgd", true)]
    [TestCase("params.x IN ('adam', 'sgd')", "rmsprop", false)]
    [TestCase("params.x IN ('adam')", "Adam", false)]
    [TestCase("params.x NOT IN ('adam', 'sgd')", "rmsprop", true)]
    [TestCase("params.x NOT IN ('adam', 'sgd')", "adam", false)]
    [TestCase("params.x IN (10, 20)", "10.0", true)]
    [TestCase("params.x IN (10, 'ten')", "ten", true)]
    [TestCase("params.x NOT IN (10, 20)", "10.0", false)]
    [TestCase("params.x in('a')", "a", true)]
    [TestCase("params.x not in ('a')", "a", false)]
    public void Matches_In_IsEqualityWithAnyValue(string filter, string stored, bool expected)
    {
        Assert.That(RunFilter.Parse(filter).Matches(Param("x", stored)), Is.EqualTo(expected));
    }

    [TestCase("attributes.start_time > '2024-05-01'", true)]
    [TestCase("attributes.start_time < '2024-05-01'", false)]
    [TestCase("attributes.start_time = '2024-05-01T12:00:00Z'", true)]
    [TestCase("attributes.start_time = '2024-05-01T12:00:00'", true)]
    [TestCase("attributes.start_time = '2024-05-01 12:00'", true)]
    [TestCase("attributes.start_time = '2024-05-01T14:00:00+02:00'", true)]
    [TestCase("attributes.start_time = '2024-05-01T12:00:00+02:00'", false)]
    [TestCase("attributes.start_time > '2024-05-01T12:00:00.001Z'", false)]
    [TestCase("attributes.start_time >= '2024-05-01T11:59:59.999Z'", true)]
    [TestCase("attributes.start_time <= \"2024-05-01T12:00Z\"", true)]
    [TestCase("attributes.start_time = 1714564800000", true)]
    [TestCase("attributes.start_time > 1714564800000", false)]
    [TestCase("attributes.start_time >= 1714564800000", true)]
    [TestCase("attributes.start_time < 1714564800001", true)]
    [TestCase("attributes.start_time != 1714564800000", false)]
    [TestCase("attributes.start_time IN (0, '2024-05-01T12:00:00Z')", true)]
    [TestCase("attributes.start_time NOT IN (0, 1714564800000)", false)]
    [TestCase("attributes.end_time IS NULL", true)]
    [TestCase("attributes.end_time > 0", false)]
    public void Matches_TimeAttribute_ComparesInstantsWithIsoOrUnixMilliseconds(string filter, bool expected)
    {
        var run = new FakeRunFields { Attributes = { ["start_time"] = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero), ["end_time"] = null } };

        Assert.That(RunFilter.Parse(filter).Matches(run), Is.EqualTo(expected));
    }

    [TestCase(NoonMay1st2024UnixMs)]
    [TestCase("2024-05-01T14:00:00+02:00")]
    public void Matches_TimeStoredAsUnixMillisecondsOrIsoString_ComparesAsInstant(object stored)
    {
        var run = new FakeRunFields { Attributes = { ["start_time"] = stored } };

        Assert.That(RunFilter.Parse("attributes.start_time = '2024-05-01T12:00:00Z'").Matches(run), Is.True);
        Assert.That(RunFilter.Parse("attributes.start_time > '2024-05-01T12:00:01Z'").Matches(run), Is.False);
    }

    [TestCase("attributes.status = 'Finished'", true)]
    [TestCase("attributes.status = 'finished'", true)]
    [TestCase("attributes.status = 'FINISHED'", true)]
    [TestCase("attributes.status == \"fInIsHeD\"", true)]
    [TestCase("attributes.status = 'Failed'", false)]
    [TestCase("attributes.status != 'running'", true)]
    [TestCase("attributes.status <> 'finished'", false)]
    [TestCase("attributes.status IN ('failed', 'finished')", true)]
    [TestCase("attributes.status IN ('failed', 'crashed')", false)]
    [TestCase("attributes.status NOT IN ('failed', 'crashed', 'killed')", true)]
    [TestCase("attributes.status NOT IN ('FINISHED')", false)]
    public void Matches_Status_ComparesIgnoringCase(string filter, bool expected)
    {
        Assert.That(RunFilter.Parse(filter).Matches(new FakeRunFields { Attributes = { ["status"] = "Finished" } }), Is.EqualTo(expected));
        Assert.That(RunFilter.Parse(filter).Matches(new FakeRunFields { Attributes = { ["status"] = "finished" } }), Is.EqualTo(expected));
    }

    [TestCase("attributes.duration > 60", true)]
    [TestCase("attributes.duration <= 90.5", true)]
    [TestCase("attributes.duration < 90", false)]
    [TestCase("attributes.duration = 90.5", true)]
    [TestCase("attributes.duration IN (60, 90.5)", true)]
    public void Matches_Duration_ComparesSecondsNumerically(string filter, bool expected)
    {
        Assert.That(RunFilter.Parse(filter).Matches(new FakeRunFields { Attributes = { ["duration"] = 90.5 } }), Is.EqualTo(expected));
    }

    [TestCase("attributes.user = 'alice'", true)]
    [TestCase("ATTRIBUTES.USER = 'alice'", true)]
    [TestCase("attr.User = 'Alice'", false)]
    [TestCase("attribute.name LIKE 'exp-%'", true)]
    [TestCase("attributes.name ILIKE 'EXP-_'", true)]
    [TestCase("attributes.experiment IN ('churn', 'fraud')", true)]
    [TestCase("attributes.run_id < 'b'", true)]
    [TestCase("attributes.parent_run_id IS NULL", true)]
    public void Matches_TextAttribute_ComparesLikeAParameter(string filter, bool expected)
    {
        var run = new FakeRunFields { Attributes = { ["user"] = "alice", ["name"] = "exp-1", ["experiment"] = "churn", ["run_id"] = "a1", ["parent_run_id"] = null } };

        Assert.That(RunFilter.Parse(filter).Matches(run), Is.EqualTo(expected));
    }

    [Test]
    public void Matches_AnyAttributeNameInAnyCase_ReadsTheLowerCaseName([ValueSource(nameof(AttributeNames))] string name)
    {
        object value = name switch
        {
            "start_time" or "end_time" => DateTimeOffset.UnixEpoch,
            "duration" => 1.0,
            "status" => "Running",
            _ => "v",
        };
        var with = new FakeRunFields { Attributes = { [name] = value } };
        var filter = RunFilter.Parse($"attributes.{name.ToUpperInvariant()} IS NOT NULL");

        Assert.That(filter.Matches(with), Is.True);
        Assert.That(filter.Matches(new FakeRunFields()), Is.False);
    }

    [TestCase("params.x = 'p'", true)]
    [TestCase("param.x = 'p'", true)]
    [TestCase("parameters.x = 'p'", true)]
    [TestCase("PARAMS.x = 'p'", true)]
    [TestCase("params.X = 'p'", false)]
    [TestCase("tags.x = 'p'", false)]
    [TestCase("metrics.m = 1", true)]
    [TestCase("metric.m = 1", true)]
    [TestCase("Metrics.m = 1", true)]
    [TestCase("tags.t = 't'", true)]
    [TestCase("tag.t = 't'", true)]
    [TestCase("params.t = 't'", false)]
    [TestCase("attributes.user = 'u'", true)]
    [TestCase("attribute.user = 'u'", true)]
    [TestCase("attr.user = 'u'", true)]
    [TestCase("Attr.user = 'u'", true)]
    public void Matches_PrefixAliases_ReadTheirSource(string filter, bool expected)
    {
        var run = new FakeRunFields { Parameters = { ["x"] = "p" }, Metrics = { ["m"] = 1 }, Tags = { ["t"] = "t" }, Attributes = { ["user"] = "u" } };

        Assert.That(RunFilter.Parse(filter).Matches(run), Is.EqualTo(expected));
    }

    [TestCase("params.`learning rate` = 0.1")]
    [TestCase("params.\"learning rate\" = 0.1")]
    [TestCase("params.`it``s` = 'backtick'")]
    [TestCase("params.\"say \"\"hi\"\"\" = 'quote'")]
    [TestCase("params.optimizer.lr = 0.01")]
    [TestCase("tags.mlflow/source:type-1 = 'job'")]
    [TestCase("metrics.val_loss.epoch-2 < 1")]
    [TestCase("metrics.`F1 (macro)` > 0.5")]
    public void Matches_KeysWithDotsSymbolsOrQuotes_ReadTheWholeKey(string filter)
    {
        var run = new FakeRunFields
        {
            Parameters = { ["learning rate"] = "0.1", ["it`s"] = "backtick", ["say \"hi\""] = "quote", ["optimizer.lr"] = "0.01" },
            Tags = { ["mlflow/source:type-1"] = "job" },
            Metrics = { ["val_loss.epoch-2"] = 0.5, ["F1 (macro)"] = 0.7 },
        };

        Assert.That(RunFilter.Parse(filter).Matches(run), Is.True);
        Assert.That(RunFilter.Parse(filter).Matches(new FakeRunFields()), Is.False);
    }

    [Test]
    public void Matches_AndBindsTighterThanOr_LikeExplicitParentheses([Values] bool a, [Values] bool b, [Values] bool c)
    {
        var run = Flags(a, b, c);

        Assert.That(RunFilter.Parse("params.a = 1 OR params.b = 1 AND params.c = 1").Matches(run), Is.EqualTo(a || (b && c)));
        Assert.That(RunFilter.Parse("params.a = 1 OR (params.b = 1 AND params.c = 1)").Matches(run), Is.EqualTo(a || (b && c)));
        Assert.That(RunFilter.Parse("(params.a = 1 OR params.b = 1) AND params.c = 1").Matches(run), Is.EqualTo((a || b) && c));
        Assert.That(RunFilter.Parse("params.a = 1 and params.b = 1 or params.c = 1").Matches(run), Is.EqualTo((a && b) || c));
        Assert.That(RunFilter.Parse("params.a = 1 AND (params.b = 1 OR params.c = 1)").Matches(run), Is.EqualTo(a && (b || c)));
    }

    [Test]
    public void Matches_NotBindsTighterThanAnd([Values] bool a, [Values] bool b)
    {
        var run = Flags(a, b, false);

        Assert.That(RunFilter.Parse("NOT params.a = 1 AND params.b = 1").Matches(run), Is.EqualTo(!a && b));
        Assert.That(RunFilter.Parse("NOT (params.a = 1 AND params.b = 1)").Matches(run), Is.EqualTo(!(a && b)));
        Assert.That(RunFilter.Parse("not params.a = 1 or params.b = 1").Matches(run), Is.EqualTo(!a || b));
        Assert.That(RunFilter.Parse("NOT NOT params.a = 1").Matches(run), Is.EqualTo(a));
    }

    [TestCase("params.lr > AND metrics.auc > 0.9", 12, "expected a value after '>', found 'AND'")]
    [TestCase("params.x = ", 11, "expected a value after '=' in")]
    [TestCase("params.x = true", 11, "expected a value after '=', found 'true'")]
    [TestCase("foo.bar = 1", 0, "unknown field prefix 'foo.'")]
    [TestCase("lr = 1", 0, "unknown field 'lr'")]
    [TestCase("attributes.colour = 'red'", 11, "unknown attribute 'colour'")]
    [TestCase("params.lr => 1", 10, "unknown operator '=>'")]
    [TestCase("params.lr ! 1", 10, "unknown operator '!'")]
    [TestCase("params.lr ~ 1", 10, "unexpected character '~'")]
    [TestCase("params.x = 1 && params.y = 2", 13, "unexpected character '&'")]
    [TestCase("params.x", 8, "expected an operator (=, !=, <, <=, >, >=, IN, LIKE, ILIKE or IS) after 'params.x', found the end of the filter")]
    [TestCase("(params.lr > 1", 14, "expected AND, OR or ')' to close the '(' at position 0")]
    [TestCase("((params.lr > 1) OR params.x = 1", 32, "expected AND, OR or ')' to close the '(' at position 0")]
    [TestCase("params.lr > 1)", 13, "unexpected ')' with no matching '('")]
    [TestCase("()", 1, "expected a condition after '(', found ')'")]
    [TestCase("params.opt = 'adam", 13, "unterminated string")]
    [TestCase("params.opt = 'it''s", 13, "unterminated string")]
    [TestCase("params.lr > 1 metrics.auc > 2", 14, "unexpected 'metrics.auc'; expected AND, OR or the end of the filter")]
    [TestCase("params.x = 1abc", 12, "unexpected 'abc'")]
    [TestCase("params.lr > 1 AND", 17, "expected a condition after 'AND', found the end of the filter")]
    [TestCase("params.x = 1 AND OR params.y = 2", 17, "expected a condition after 'AND', found 'OR'")]
    [TestCase("NOT", 3, "expected a condition after 'NOT'")]
    [TestCase(".5 = 1", 0, "expected a condition such as params.lr > 0.01, found '.5'")]
    [TestCase("params.opt IN ()", 15, "the IN list is empty")]
    [TestCase("params.x IN 1", 12, "expected '(' after IN")]
    [TestCase("params.x IN (1, )", 16, "expected a value after ','")]
    [TestCase("params.x IN (1 2)", 15, "expected ',' or ')' in the IN list opened at position 12")]
    [TestCase("params.x IN (1", 14, "expected ',' or ')' in the IN list opened at position 12")]
    [TestCase("metrics.auc > '0.9'", 14, "metrics.auc is a number and cannot be compared with the string '0.9'")]
    [TestCase("metrics.auc IN (0.9, 'high')", 21, "metrics.auc is a number")]
    [TestCase("attributes.duration = '60'", 22, "attributes.duration is a number")]
    [TestCase("metrics.auc LIKE 'a%'", 12, "LIKE and ILIKE only apply to text")]
    [TestCase("attributes.start_time NOT ILIKE '2024%'", 26, "attributes.start_time is a time")]
    [TestCase("params.opt LIKE 1", 16, "expected a quoted pattern after 'LIKE'")]
    [TestCase("params.x IS 1", 12, "expected NULL or NOT NULL after IS")]
    [TestCase("params.x NOT = 1", 13, "expected IN, LIKE or ILIKE after NOT")]
    [TestCase("params. = 1", 7, "expected a key after 'params.'")]
    [TestCase("params.`lr = 1", 7, "unterminated key")]
    [TestCase("params.\"\" = 1", 7, "the quoted key is empty")]
    [TestCase("params.x = 'a' AND params.y = `b`", 30, "a key in backticks must follow a field prefix")]
    [TestCase("attributes.status = 'done'", 20, "'done' is not a run status; use one of 'Running', 'Finished', 'Failed', 'Killed', 'Crashed'")]
    [TestCase("attributes.status IN ('Finished', 3)", 34, "'3' is not a run status")]
    [TestCase("attributes.status > 'Failed'", 18, "attributes.status can only be compared with =, !=, IN or NOT IN")]
    [TestCase("attributes.status LIKE 'F%'", 18, "attributes.status can only be compared with =, !=, IN or NOT IN")]
    [TestCase("attributes.start_time > 'yesterday'", 24, "'yesterday' is not an ISO 8601 time")]
    [TestCase("attributes.start_time > '05/01/2024'", 24, "'05/01/2024' is not an ISO 8601 time")]
    [TestCase("attributes.start_time > 99999999999999999", 24, "out of range")]
    public void Parse_InvalidFilter_ThrowsWithThePositionOfTheProblem(string filter, int position, string reason)
    {
        var ex = Assert.Throws<InvalidRunQueryException>(() => RunFilter.Parse(filter));

        Assert.That(ex!.Position, Is.EqualTo(position));
        Assert.That(ex.Query, Is.EqualTo(filter));
        Assert.That(ex.Message, Does.StartWith($"Invalid run filter at position {position}: "));
        Assert.That(ex.Message, Does.Contain(reason));
        Assert.That(ex.Message, Does.EndWith($" in \"{filter}\""));
        Assert.That(ex, Is.InstanceOf<MlOpsException>());
    }

    [Test]
    public void Parse_ExampleFromTheDocumentation_HasTheDocumentedMessage()
    {
        var ex = Assert.Throws<InvalidRunQueryException>(() => RunFilter.Parse("params.lr > AND metrics.auc > 0.9"));

        Assert.That(ex!.Message, Is.EqualTo("Invalid run filter at position 12: expected a value after '>', found 'AND' in \"params.lr > AND metrics.auc > 0.9\""));
    }

    [Test]
    public void Parse_NestingTooDeep_ThrowsInsteadOfOverflowingTheStack()
    {
        var deepest = new string('(', 64) + "params.x = 1" + new string(')', 64);
        var tooDeep = new string('(', 65) + "params.x = 1" + new string(')', 65);
        var nots = string.Concat(Enumerable.Repeat("NOT ", 100_000)) + "params.x = 1";

        Assert.That(RunFilter.Parse(deepest).Matches(Param("x", "1")), Is.True);
        Assert.That(Assert.Throws<InvalidRunQueryException>(() => RunFilter.Parse(tooDeep))!.Position, Is.EqualTo(64));
        Assert.That(Assert.Throws<InvalidRunQueryException>(() => RunFilter.Parse(nots))!.Position, Is.EqualTo(64 * 4));
    }

    [TestCase("param.LR == 0.1 and (metric.auc >= 0.9 or tag.team <> \"it's\")", "params.LR = 0.1 AND (metrics.auc >= 0.9 OR tags.team != 'it''s')")]
    [TestCase("((params.a = 1))", "params.a = 1")]
    [TestCase("params.a = 1 or (params.b = 2 or params.c = 3)", "params.a = 1 OR params.b = 2 OR params.c = 3")]
    [TestCase("params.a = 1 and (params.b = 2 and params.c = 3)", "params.a = 1 AND params.b = 2 AND params.c = 3")]
    [TestCase("params.a = 1 or params.b = 2 and params.c = 3", "params.a = 1 OR params.b = 2 AND params.c = 3")]
    [TestCase("not (params.a = 1 and params.b = 2)", "NOT (params.a = 1 AND params.b = 2)")]
    [TestCase("not params.a = 1 and params.b = 2", "NOT params.a = 1 AND params.b = 2")]
    [TestCase("(params.a = 1 or params.b = 2) and not (params.c = 3 or params.d = 4)", "(params.a = 1 OR params.b = 2) AND NOT (params.c = 3 OR params.d = 4)")]
    [TestCase("ATTR.Status = 'FINISHED'", "attributes.status = 'Finished'")]
    [TestCase("params.\"learning rate\" > 1e-3", "params.`learning rate` > 1e-3")]
    [TestCase("params.`a``b` = 1", "params.`a``b` = 1")]
    [TestCase("params.x not in (1,'a')", "params.x NOT IN (1, 'a')")]
    [TestCase("params.x not ilike 'A%'", "params.x NOT ILIKE 'A%'")]
    [TestCase("params.x like 'it''s\\%'", "params.x LIKE 'it''s\\%'")]
    [TestCase("params.x is not null or tags.y is null", "params.x IS NOT NULL OR tags.y IS NULL")]
    [TestCase("attributes.start_time >= 1714564800000", "attributes.start_time >= 1714564800000")]
    [TestCase("attributes.end_time < \"2024-05-01\"", "attributes.end_time < '2024-05-01'")]
    public void ToString_ParsedFilter_IsANormalizedFormThatParsesToItself(string filter, string expected)
    {
        var normalized = RunFilter.Parse(filter).ToString();

        Assert.That(normalized, Is.EqualTo(expected));
        Assert.That(RunFilter.Parse(normalized).ToString(), Is.EqualTo(normalized));
    }

    [Test]
    public void Matches_NullRun_Throws()
        => Assert.Throws<ArgumentNullException>(() => RunFilter.Parse("params.x = 1").Matches(null!));

    [Test]
    public void Matches_ParsedOnce_Evaluates100000RunsFastWithoutAllocating()
    {
        var filter = RunFilter.Parse(
            "metrics.auc >= 0.5 AND params.optimizer IN ('adam', 'sgd') AND (tags.team LIKE 'vis%' OR params.lr > 0.01) "
            + "AND attributes.status = 'finished' AND attributes.start_time > '2024-01-01' AND NOT params.skip IS NOT NULL");
        var start = new DateTimeOffset(2023, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var runs = Enumerable.Range(0, 100_000).Select(i => new FakeRunFields
        {
            Metrics = { ["auc"] = i % 100 / 100.0 },
            Parameters = { ["optimizer"] = (i % 3) switch { 0 => "adam", 1 => "sgd", _ => "rmsprop" }, ["lr"] = i % 2 == 0 ? "0.1" : "0.001" },
            Tags = { ["team"] = i % 5 == 0 ? "vision" : "nlp" },
            Attributes = { ["status"] = i % 7 == 0 ? "Failed" : "Finished", ["start_time"] = start.AddHours(i % 2000) },
        }).ToList();
        var expected = Enumerable.Range(0, 100_000).Count(i =>
            i % 100 >= 50 && i % 3 != 2 && (i % 5 == 0 || i % 2 == 0) && i % 7 != 0 && start.AddHours(i % 2000) > new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        filter.Matches(runs[0]);

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        var matched = 0;
        foreach (var run in runs)
        {
            matched += filter.Matches(run) ? 1 : 0;
        }

        stopwatch.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.That(expected, Is.GreaterThan(0));
        Assert.That(matched, Is.EqualTo(expected));
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
        Assert.That(allocated, Is.LessThan(100_000), "less than one byte per evaluated run");
    }

    [Test]
    public void Constructor_Public_FormatsTheMessageWithQueryAndPosition()
    {
        var ex = new InvalidRunQueryException("params.x >", 10, "expected a value");

        Assert.That(ex.Message, Is.EqualTo("Invalid run query at position 10: expected a value in \"params.x >\""));
        Assert.That(ex.Query, Is.EqualTo("params.x >"));
        Assert.That(ex.Position, Is.EqualTo(10));
    }

    [TestCase(-1)]
    [TestCase(11)]
    public void Constructor_PositionOutsideTheQuery_Throws(int position)
        => Assert.Throws<ArgumentOutOfRangeException>(() => _ = new InvalidRunQueryException("params.x >", position, "expected a value"));

    [Test]
    public void Message_LongQuery_QuotesAWindowAroundThePosition()
    {
        var filter = string.Join(" AND ", Enumerable.Range(0, 100).Select(i => $"params.p{i} = {i}")) + " AND params.last ~ 1";
        var position = filter.IndexOf('~', StringComparison.Ordinal);

        var ex = Assert.Throws<InvalidRunQueryException>(() => RunFilter.Parse(filter));

        Assert.That(ex!.Position, Is.EqualTo(position));
        Assert.That(ex.Query, Is.EqualTo(filter));
        Assert.That(ex.Message, Has.Length.LessThan(300));
        Assert.That(ex.Message, Does.Contain("\"...").And.Contain("params.last ~ 1\""));
    }

    private static FakeRunFields Param(string name, string value) => new() { Parameters = { [name] = value } };

    private static FakeRunFields Flags(bool a, bool b, bool c)
        => new() { Parameters = { ["a"] = a ? "1" : "0", ["b"] = b ? "1" : "0", ["c"] = c ? "1" : "0" } };
}

/// <summary>A run made of dictionaries, for the filter and ordering tests.</summary>
internal sealed class FakeRunFields : IRunFields
{
    public Dictionary<string, string> Parameters { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, double> Metrics { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the attributes; ordinal, so that a test fails if the filter does not ask for the lower-case name.</summary>
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);

    public static FakeRunFields WithId(string runId) => new() { Attributes = { ["run_id"] = runId } };

    public bool TryGetParameter(string name, out string value) => Parameters.TryGetValue(name, out value!);

    public bool TryGetTag(string name, out string value) => Tags.TryGetValue(name, out value!);

    public bool TryGetMetric(string name, out double value) => Metrics.TryGetValue(name, out value);

    public bool TryGetAttribute(string name, out object? value) => Attributes.TryGetValue(name, out value);

    public override string ToString() => Attributes.TryGetValue("run_id", out var id) ? $"{id}" : "(no run_id)";
}
