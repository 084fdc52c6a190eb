using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Sdk.Data;
using MlOps.Sdk.Models;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// Live drift (<c>client.Monitoring.GetDriftAsync</c>): logged inputs against the training dataset's profile, and the
/// model's logged outputs against its outputs on the training data. The model is a small logistic regression
/// (label: x + noise &gt; 0 from x and a colour); live rows are drawn from the training distribution, or with x shifted
/// by half a standard deviation and the colour mix changed, and their outputs are the model's real predictions.
/// </summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class LiveDriftTests(StoreKind kind)
{
    private static readonly DateTimeOffset Day1 = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private TestStore _test = null!;
    private MlOpsClient _client = null!;
    private PredictionEngine<Point, Scored> _engine = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _client = TrackingClients.Create(_test.Store);
        var ml = new MLContext(seed: 1);
        var training = ml.Data.LoadFromEnumerable(Points(seed: 1, 3_000, shift: 0, blue: 0.2));
        var dataset = await _client.Datasets.RegisterDataViewAsync("points-train", training, ml);
        var pipeline = ml.Transforms.Categorical.OneHotEncoding("ColourKey", "Colour")
            .Append(ml.Transforms.Concatenate("Features", "X", "ColourKey"))
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression());
        var model = pipeline.Fit(training);
        var options = new RegisterModelOptions();
        options.Datasets.Add(new ModelDatasetLink(dataset.Uri, "training", null));
        await _client.Models.RegisterAsync("points", model, training.Schema, options);
        await _client.Models.RegisterAsync("untracked", model, training.Schema);
        _engine = ml.Model.CreatePredictionEngine<Point, Scored>(model);
    }

    [TearDown]
    public async Task TearDown()
    {
        _engine?.Dispose();
        if (_test is not null)
        {
            await _test.DisposeAsync();
        }
    }

    [Test]
    public async Task GetDriftAsync_NoShift_NothingDrifts_InputsAndOutputs()
    {
        await LogAsync("points", Day1, Points(seed: 2, 800, shift: 0, blue: 0.2));

        var report = await _client.Monitoring.GetDriftAsync("points");

        Assert.That((report.Reference, report.Version, report.Overall.Predictions), Is.EqualTo(("datasets:/points-train/1", (int?)1, 800L)));
        Assert.That(report.Overall.Features.Features.Select(f => (f.Feature, f.Status)), Is.EquivalentTo(new[] { ("X", DriftStatus.Stable), ("Colour", DriftStatus.Stable) }), Reasons(report));
        Assert.That(report.Overall.Features.IsDrifted, Is.False);
        Assert.That(report.Overall.Outputs, Is.Not.Null, Reasons(report));
        Assert.That(report.Overall.Outputs!.Features.Select(f => f.Feature), Is.EquivalentTo(new[] { "Score", "Probability", "PredictedLabel" }));
        Assert.That(report.Overall.Outputs.Features.Where(f => f.Status != DriftStatus.Stable), Is.Empty, Reasons(report));
        Assert.That(report.Windows, Is.Empty, "no window asked for");
    }

    [Test]
    public async Task GetDriftAsync_ShiftOnTheSecondDay_FlagsThatDaysWindow_ItsFeaturesAndItsPredictions()
    {
        await LogAsync("points", Day1, Points(seed: 3, 800, shift: 0, blue: 0.2));
        await LogAsync("points", Day1.AddDays(1), Points(seed: 4, 800, shift: 0.5, blue: 0.5));

        var report = await _client.Monitoring.GetDriftAsync("points", new DriftQuery { Window = TimeSpan.FromDays(1) });

        Assert.That(report.Windows.Select(w => (w.Start, w.End, w.Predictions)), Is.EqualTo(new[] { (Day1, Day1.AddDays(1), 800L), (Day1.AddDays(1), Day1.AddDays(2), 800L) }));
        var (before, after) = (report.Windows[0], report.Windows[1]);
        Assert.That(before.Features.Drifted, Is.Empty, Reasons(report));
        Assert.That(after.Features.Drifted.Select(f => f.Feature), Is.EquivalentTo(new[] { "X", "Colour" }), Reasons(report));
        Assert.That(after.Features.IsDrifted, Is.True);
        Assert.That(before.Outputs!.Drifted, Is.Empty, Reasons(report));
        Assert.That(after.Outputs!.Drifted.Select(f => f.Feature), Does.Contain("Score"), "x moved by half a standard deviation, so did the model's score");
        Assert.That(report.Overall.Predictions, Is.EqualTo(1_600));

        // Independently: the shifted day's x against the training sample, by the two-sample test on raw values.
        var trainingX = Points(seed: 1, 3_000, shift: 0, blue: 0.2).Select(p => (double)p.X).ToArray();
        var liveX = Points(seed: 4, 800, shift: 0.5, blue: 0.5).Select(p => (double)p.X).ToArray();
        var sampleKs = DriftStatistics.KolmogorovSmirnov(trainingX, liveX);
        var fromProfile = after.Features.Features.Single(f => f.Feature == "X").KolmogorovSmirnov!;
        Assert.That(fromProfile.Statistic, Is.LessThanOrEqualTo(sampleKs.Statistic + 1e-12), "the profile's D is a lower bound of the sample's");
        Assert.That(sampleKs.Statistic, Is.GreaterThan(0.15), "a half-standard-deviation shift (D ≈ 0.197 for normals)");
    }

    [Test]
    public async Task GetDriftAsync_FieldsNotInTheProfile_AndVectors_AreReportedNotCompared_WithWhy()
    {
        var rows = Points(seed: 5, 300, shift: 0, blue: 0.2);
        await LogAsync("points", Day1, rows, extra: (i, input) =>
        {
            input["Embedding"] = new[] { 1.0, 2.0, i };
            input["RequestSource"] = i % 2 == 0 ? "web" : "app";
        });

        var report = await _client.Monitoring.GetDriftAsync("points");

        Assert.That(report.NotCompared.Keys, Is.EquivalentTo(new[] { "Embedding", "RequestSource" }), Reasons(report));
        Assert.That(report.NotCompared["Embedding"], Does.Contain("not a single value"));
        Assert.That(report.NotCompared["RequestSource"], Does.Contain("not in the profile of datasets:/points-train/1").And.Contain("X, Colour, Label"));
        Assert.That(report.Overall.Features.Features.Select(f => f.Feature), Is.EquivalentTo(new[] { "X", "Colour" }));
    }

    [Test]
    public async Task GetDriftAsync_EmptyWindows_HaveNoPredictions_AndFeaturesNotEvaluated()
    {
        await LogAsync("points", Day1, Points(seed: 6, 200, shift: 0, blue: 0.2));
        await LogAsync("points", Day1.AddDays(2), Points(seed: 7, 200, shift: 0, blue: 0.2));

        var report = await _client.Monitoring.GetDriftAsync("points", new DriftQuery { Window = TimeSpan.FromDays(1) });
        var nothing = await _client.Monitoring.GetDriftAsync("points", new DriftQuery { From = Day1.AddDays(10), To = Day1.AddDays(11), Window = TimeSpan.FromHours(12) });
        var asked = new DriftQuery { From = Day1.AddDays(10), To = Day1.AddDays(11) };
        asked.Features.Add("X");
        var askedNothing = await _client.Monitoring.GetDriftAsync("points", asked);

        Assert.That(report.Windows.Select(w => w.Predictions), Is.EqualTo(new[] { 200L, 0L, 200L }));
        Assert.That(report.Windows[1].Features.Features, Is.Not.Empty);
        Assert.That(report.Windows[1].Features.Features.Select(f => f.Status), Is.All.EqualTo(DriftStatus.NotEvaluated));
        Assert.That(report.Windows[1].Features.IsDrifted, Is.False);
        Assert.That(report.Windows[1].Outputs!.Features.Select(f => f.Status), Is.All.EqualTo(DriftStatus.NotEvaluated));
        Assert.That((nothing.Overall.Predictions, nothing.Overall.Start, nothing.Overall.End), Is.EqualTo((0L, Day1.AddDays(10), Day1.AddDays(11))));
        Assert.That(nothing.Windows.Select(w => w.Predictions), Is.EqualTo(new[] { 0L, 0L }));
        Assert.That(nothing.Reference, Is.EqualTo("datasets:/points-train/1"), "the latest registered version's training data");
        Assert.That(askedNothing.Overall.Features.Features.Single().Status, Is.EqualTo(DriftStatus.NotEvaluated));
    }

    [Test]
    public async Task GetDriftAsync_ModelWithoutTrainingDataset_SaysSo_AndTakesAReferenceWhenGivenOne()
    {
        await LogAsync("untracked", Day1, Points(seed: 8, 300, shift: 0.5, blue: 0.5));

        var without = await _client.Monitoring.GetDriftAsync("untracked");
        var query = new DriftQuery { Reference = "datasets:/points-train@latest" };
        var with = await _client.Monitoring.GetDriftAsync("untracked", query);

        Assert.That(without.Reference, Is.Empty);
        Assert.That(without.NotCompared["*"], Does.Contain("models:/untracked/1 records no dataset with the context 'training'"));
        Assert.That(without.NotCompared["X"], Is.EqualTo(without.NotCompared["*"]));
        Assert.That(without.Overall.Features.Features, Is.Empty);
        Assert.That(without.Overall.Outputs, Is.Null);
        Assert.That(without.NotCompared, Does.ContainKey("output:*"));
        Assert.That(with.Reference, Is.EqualTo("datasets:/points-train/1"));
        Assert.That(with.Overall.Features.Drifted.Select(f => f.Feature), Is.EquivalentTo(new[] { "X", "Colour" }), Reasons(with));
        Assert.That(with.Overall.Outputs!.Drifted.Select(f => f.Feature), Does.Contain("Score"));
    }

    [Test]
    public async Task GetDriftAsync_PredictionsOfAModelThatIsNotRegistered_ComparesInputsWithTheGivenReference_OutputsNotCompared()
    {
        await LogAsync("elsewhere", Day1, Points(seed: 9, 300, shift: 0, blue: 0.2));

        var report = await _client.Monitoring.GetDriftAsync("elsewhere", new DriftQuery { Reference = "datasets:/points-train/1" });

        Assert.That(report.Version, Is.Null);
        Assert.That(report.Overall.Features.Features.Select(f => f.Status), Is.All.EqualTo(DriftStatus.Stable), Reasons(report));
        Assert.That(report.Overall.Outputs, Is.Null);
        Assert.That(report.NotCompared["output:*"], Does.Contain("no registered version"));
    }

    [Test]
    public async Task GetDriftAsync_Arms_SelectWhatIsRead_AShadowOnlyWhenNamed()
    {
        await LogAsync("points", Day1, Points(seed: 10, 300, shift: 0, blue: 0.2), arm: "main");
        await LogAsync("points", Day1, Points(seed: 11, 300, shift: 0.6, blue: 0.6), arm: "canary");
        await LogAsync("points", Day1, Points(seed: 14, 200, shift: 0.6, blue: 0.6), arm: "shadow");

        var query = new DriftQuery();
        query.Arms.Add("main");
        var main = await _client.Monitoring.GetDriftAsync("points", query);
        var all = await _client.Monitoring.GetDriftAsync("points");
        var named = new DriftQuery();
        named.Arms.Add("shadow");
        var shadow = await _client.Monitoring.GetDriftAsync("points", named);

        Assert.That(main.Overall.Predictions, Is.EqualTo(300));
        Assert.That(main.Overall.Features.Drifted, Is.Empty, Reasons(main));
        Assert.That(all.Overall.Predictions, Is.EqualTo(600), "every arm but the shadow's copies of served requests");
        Assert.That(all.Overall.Features.Drifted, Is.Not.Empty, Reasons(all));
        Assert.That(shadow.Overall.Predictions, Is.EqualTo(200));
    }

    [Test]
    public async Task GetDriftAsync_AReferenceTheModelCannotScore_ComparesInputsItHas_AndSaysWhyOutputsAreNot()
    {
        var ml = new MLContext(seed: 1);
        var other = await _client.Datasets.RegisterDataViewAsync("colours-only", ml.Data.LoadFromEnumerable(Points(seed: 12, 500, shift: 0, blue: 0.2).Select(p => new ColourOnly { Colour = p.Colour })), ml);
        await LogAsync("points", Day1, Points(seed: 13, 300, shift: 0, blue: 0.2));

        var report = await _client.Monitoring.GetDriftAsync("points", new DriftQuery { Reference = other.Uri });

        Assert.That(report.Overall.Features.Features.Select(f => (f.Feature, f.Status)), Is.EqualTo(new[] { ("Colour", DriftStatus.Stable) }), Reasons(report));
        Assert.That(report.NotCompared["X"], Does.Contain("not in the profile of datasets:/colours-only/1"));
        Assert.That(report.Overall.Outputs, Is.Null);
        Assert.That(report.NotCompared["output:*"], Does.Contain("cannot score the reference datasets:/colours-only/1"));
    }

    [Test]
    public void GetDriftAsync_BadQuery_ThrowsNamingTheProblem()
    {
        Assert.That(() => _client.Monitoring.GetDriftAsync("points", new DriftQuery { Window = TimeSpan.Zero }), Throws.ArgumentException.With.Message.Contains("Window"));
        Assert.That(() => _client.Monitoring.GetDriftAsync("points", new DriftQuery { From = Day1, To = Day1 }), Throws.ArgumentException.With.Message.Contains("empty"));
        Assert.That(() => _client.Monitoring.GetDriftAsync("points", new DriftQuery { From = Day1, To = Day1.AddDays(30), Window = TimeSpan.FromMinutes(1) }), Throws.ArgumentException.With.Message.Contains("43200 windows"));
        Assert.That(() => _client.Monitoring.GetDriftAsync("points", new DriftQuery { Reference = "datasets:/nothing/1" }), Throws.InstanceOf<DatasetNotFoundException>());
        Assert.That(() => _client.Monitoring.GetDriftAsync("points", new DriftQuery { Options = new DriftOptions { Bins = 0 } }), Throws.InstanceOf<Microsoft.Extensions.Options.OptionsValidationException>());
        Assert.That(() => _client.Monitoring.GetDriftAsync("no such model!"), Throws.ArgumentException);
    }

    internal static List<Point> Points(int seed, int count, double shift, double blue)
    {
        var random = new Random(seed);
        var rows = new List<Point>(count);
        for (var i = 0; i < count; i++)
        {
            var x = Normal(random) + shift;
            var u = random.NextDouble();
            var colour = u < blue ? "blue" : u < blue + ((1 - blue) / 2) ? "red" : "green";
            rows.Add(new Point { X = (float)x, Colour = colour, Label = x + (0.5 * Normal(random)) > 0 });
        }

        return rows;
    }

    internal static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static string Reasons(LiveDriftReport report)
        => string.Join("\n", report.Overall.Features.Features.Concat(report.Overall.Outputs?.Features ?? []).Select(f => $"{f.Feature}: {f.Status}: {f.Reason}")
            .Concat(report.Windows.SelectMany(w => w.Features.Features.Concat(w.Outputs?.Features ?? []).Select(f => $"{w.Start:O} {f.Feature}: {f.Status}: {f.Reason}")))
            .Concat(report.NotCompared.Select(n => $"not compared {n.Key}: {n.Value}")));

    private async Task LogAsync(string model, DateTimeOffset day, List<Point> points, string arm = "main", Action<int, Dictionary<string, object>>? extra = null)
    {
        var rows = new List<PredictionLogRow>(points.Count);
        var step = TimeSpan.FromDays(1) / points.Count;
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var at = day + (step * i);
            var scored = _engine.Predict(p);
            var input = new Dictionary<string, object> { ["X"] = p.X, ["Colour"] = p.Colour };
            extra?.Invoke(i, input);
            rows.Add(new PredictionLogRow
            {
                Id = Guid.CreateVersion7(at).ToString("N"),
                Timestamp = at.UtcDateTime,
                Model = model,
                Version = 1,
                Arm = arm,
                Input = JsonSerializer.Serialize(input),
                Output = JsonSerializer.Serialize(new { scored.PredictedLabel, scored.Score, scored.Probability }),
                LatencyMs = 1,
            });
        }

        await _client.Monitoring.WritePredictionsAsync(rows);
    }

    public sealed class Point
    {
        public float X { get; set; }

        public string Colour { get; set; } = string.Empty;

        public bool Label { get; set; }
    }

    public sealed class ColourOnly
    {
        public string Colour { get; set; } = string.Empty;
    }

    public sealed class Scored
    {
        public bool PredictedLabel { get; set; }

        public float Score { get; set; }

        public float Probability { get; set; }
    }
}

/// <summary>
/// The false-positive rate of the decision GetDriftAsync makes for each numeric and categorical feature (live values
/// against the training dataset's profile), measured over seeded repetitions without a shift, and its power for the
/// shifts of <see cref="LiveDriftTests"/>. The figures are in docs/drift.md.
/// </summary>
public sealed class LiveDriftFalsePositiveTests
{
    private const int Trials = 400;

    [TestCase(300)]
    [TestCase(2_000)]
    public void AgainstAProfile_NoShift_FlagsAtMostTheTestsLevel_AndAHalfSdShiftAlmostAlways(int live)
    {
        var (x, colour) = Profile();
        int numericFlagged = 0, categoricalFlagged = 0, shiftFlagged = 0, mixFlagged = 0;
        for (var trial = 0; trial < Trials; trial++)
        {
            var same = LiveDriftTests.Points(seed: 1_000 + trial, live, shift: 0, blue: 0.2);
            var moved = LiveDriftTests.Points(seed: 100_000 + trial, live, shift: 0.5, blue: 0.4);
            numericFlagged += DriftDetector.Numeric(x, same.Select(p => (double)p.X).ToArray()).IsDrifted ? 1 : 0;
            categoricalFlagged += DriftDetector.Categorical(colour, Counts(same)).IsDrifted ? 1 : 0;
            shiftFlagged += DriftDetector.Numeric(x, moved.Select(p => (double)p.X).ToArray()).IsDrifted ? 1 : 0;
            mixFlagged += DriftDetector.Categorical(colour, Counts(moved)).IsDrifted ? 1 : 0;
        }

        // At most α = 5 %: the binomial mean plus three standard deviations of 400 trials (at most 34 of 400).
        var bound = (Trials * 0.05) + (3 * Math.Sqrt(Trials * 0.05 * 0.95));
        TestContext.Out.WriteLine($"{live} live rows a side, {Trials} trials: no shift flagged {numericFlagged} numeric, {categoricalFlagged} categorical; +0.5 sd flagged {shiftFlagged}, blue 20 % → 40 % flagged {mixFlagged}");
        Assert.Multiple(() =>
        {
            Assert.That(numericFlagged, Is.LessThanOrEqualTo(bound));
            Assert.That(categoricalFlagged, Is.LessThanOrEqualTo(bound));
            Assert.That(shiftFlagged, Is.GreaterThanOrEqualTo(Trials * 0.95));
            Assert.That(mixFlagged, Is.GreaterThanOrEqualTo(Trials * 0.95));
            if (live >= 2_000)
            {
                // The sample-size rule: past a few hundred rows noise no longer reaches the material thresholds.
                Assert.That(numericFlagged + categoricalFlagged, Is.Zero);
            }
        });
    }

    private static (ColumnProfile X, ColumnProfile Colour) Profile()
    {
        var data = new MLContext(seed: 0).Data.LoadFromEnumerable(LiveDriftTests.Points(seed: 1, 3_000, shift: 0, blue: 0.2));
        var profile = new DatasetProfile(DatasetProfiler.Run(data, profile: true, CancellationToken.None).Profile!);
        return (profile["X"], profile["Colour"]);
    }

    private static Dictionary<string, long> Counts(List<LiveDriftTests.Point> points)
        => points.GroupBy(p => p.Colour).ToDictionary(g => g.Key, g => (long)g.Count());
}
