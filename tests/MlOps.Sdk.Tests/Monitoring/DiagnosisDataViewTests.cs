using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Storage;
using static MlOps.Sdk.Tests.Monitoring.RetentionTestLogs;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>Logged predictions exported as an IDataView for a notebook: one column per field, read back by ML.NET, fed to a pipeline.</summary>
public sealed class DiagnosisDataViewTests
{
    private static readonly string[] Origins = ["SEA", "SFO", "JFK"];
    private MlOpsClient _client = null!;
    private List<(PredictionLogRow Row, Flight Input, bool? Actual, float Probability)> _written = null!;

    [SetUp]
    public async Task SetUp()
    {
        _client = new MlOpsClient(new InMemoryObjectStore(), new MlOpsOptions { Environment = "test" });
        var random = new Random(7);
        _written = [];
        var start = Today.AddDays(-1).AddHours(3);
        for (var i = 0; i < 200; i++)
        {
            var input = new Flight(Origins[i % 3], 200 + (i * 17 % 2500), i % 5 == 0 ? float.NaN : i % 24, i % 7 == 0);
            var probability = (float)random.NextDouble();
            var output = new { Score = (probability * 4) - 2, Probability = probability, PredictedLabel = probability > 0.5, input.Distance };
            var row = Row(start.AddSeconds(i * 13), input: input, output: output, version: 1 + (i % 2), arm: i % 2 == 0 ? "main" : "canary");
            bool? actual = i % 4 == 3 ? null : random.NextDouble() < 0.5;
            _written.Add((row, input, actual, probability));
        }

        await _client.Monitoring.WritePredictionsAsync(_written.Select(w => w.Row));
        await _client.Monitoring.RecordFeedbackAsync(_written.Where(w => w.Actual is not null).Select(w => new PredictionFeedback<bool>(Guid.Parse(w.Row.Id), w.Actual!.Value)));
    }

    [Test]
    public async Task ReadPredictionsAsDataView_FeaturePredicatesAndMinError_ValuesMatchTheRowsWritten()
    {
        var query = new PredictionQuery { MinError = 0.4, Where = p => p.InputText("Origin") == "SEA" && p.InputNumber("Distance") > 1000 };

        var view = await _client.Monitoring.ReadPredictionsAsDataViewAsync("delays", query);

        // Expected from the rows as written: the error of a Boolean label is |actual - probability| (true = 1).
        var expected = _written
            .Where(w => w.Input.Origin == "SEA" && w.Input.Distance > 1000 && w.Actual is { } a && Math.Abs((a ? 1 : 0) - (double)w.Probability) >= 0.4)
            .OrderBy(w => w.Row.Timestamp)
            .ToList();
        var rows = new MLContext(seed: 0).Data.CreateEnumerable<ExportedRow>(view, reuseRowObject: false).ToList();
        Assert.That(expected, Has.Count.GreaterThan(5), "the query selects something");
        Assert.That(rows, Has.Count.EqualTo(expected.Count));
        for (var i = 0; i < rows.Count; i++)
        {
            var (row, input, actual, probability) = expected[i];
            var got = rows[i];
            Assert.That((got.Id, got.Timestamp, got.Version, got.Arm, got.RoutingKey, got.LatencyMs), Is.EqualTo((row.Id, new DateTimeOffset(row.Timestamp, TimeSpan.Zero), row.Version, row.Arm, row.RoutingKey, row.LatencyMs)));
            Assert.That((got.Origin, got.Distance, got.Weekend), Is.EqualTo((input.Origin, input.Distance, input.Weekend)));
            Assert.That(got.Hour, float.IsNaN(input.Hour) ? Is.NaN : Is.EqualTo(input.Hour), "NaN (logged as \"NaN\") stays a number");
            Assert.That((got.Probability, got.PredictedLabel, got.OutputDistance), Is.EqualTo((probability, probability > 0.5, input.Distance)));
            Assert.That(got.Score, Is.EqualTo((probability * 4) - 2).Within(1e-6));
            Assert.That((got.Actual, got.ActualNumber), Is.EqualTo((actual!.Value ? "true" : "false", actual.Value ? 1.0 : 0.0)));
            Assert.That(got.Error, Is.EqualTo(Math.Abs((actual.Value ? 1 : 0) - (double)probability)).Within(1e-6));
        }
    }

    [Test]
    public async Task ReadPredictionsAsDataView_SchemaTypes_AndNoFeedbackIsNaN()
    {
        var view = await _client.Monitoring.ReadPredictionsAsDataViewAsync("delays", new PredictionQuery { Feedback = FeedbackFilter.WithoutFeedback });

        var types = view.Schema.ToDictionary(c => c.Name, c => c.Type);
        Assert.That(types.Keys, Is.EqualTo(new[] { "Id", "Timestamp", "Version", "Arm", "RoutingKey", "LatencyMs", "Origin", "Distance", "Hour", "Weekend", "Score", "Probability", "PredictedLabel", "output.Distance", "Actual", "ActualNumber", "Error" }));
        Assert.That(types["Timestamp"], Is.EqualTo(DateTimeOffsetDataViewType.Instance));
        Assert.That(types["Version"], Is.EqualTo(NumberDataViewType.Int32));
        Assert.That(types["Origin"], Is.EqualTo(TextDataViewType.Instance));
        Assert.That(types["Distance"], Is.EqualTo(NumberDataViewType.Single));
        Assert.That(types["Weekend"], Is.EqualTo(BooleanDataViewType.Instance));
        Assert.That(types["Error"], Is.EqualTo(NumberDataViewType.Double));
        Assert.That(view.GetRowCount(), Is.EqualTo(50));
        Assert.That(view.GetColumn<double>("Error"), Is.All.NaN);
        Assert.That(view.GetColumn<ReadOnlyMemory<char>>("Actual").Select(a => a.ToString()), Is.All.Empty);
    }

    [Test]
    public void ToDataView_MixedTypesBecomeText_MissingBooleansBecomeNumbers()
    {
        var at = Today.AddHours(-5);
        var rows = new[]
        {
            Row(at, input: new { Code = (object)12, Flag = (bool?)true }),
            Row(at.AddSeconds(1), input: new { Code = (object)"A7", Flag = (bool?)null }),
            Row(at.AddSeconds(2), input: new { Code = (object)3.5, Flag = (bool?)false }),
        }.Select(r => new LoggedPrediction(Guid.Parse(r.Id), new DateTimeOffset(r.Timestamp, TimeSpan.Zero), r.Model, r.Version, r.Arm, r.RoutingKey, MonitoringLogReader.Parse(r.Input), MonitoringLogReader.Parse(r.Output), r.LatencyMs));

        var view = rows.ToDataView();

        Assert.That(view.Schema["Code"].Type, Is.EqualTo(TextDataViewType.Instance));
        Assert.That(view.GetColumn<ReadOnlyMemory<char>>("Code").Select(c => c.ToString()), Is.EqualTo(new[] { "12", "A7", "3.5" }));
        Assert.That(view.Schema["Flag"].Type, Is.EqualTo(NumberDataViewType.Single));
        Assert.That(view.GetColumn<float>("Flag"), Is.EqualTo(new[] { 1f, float.NaN, 0f }));
    }

    [Test]
    public async Task ReadPredictionsAsDataView_FeedsAnMlNetPipeline()
    {
        var ml = new MLContext(seed: 1);
        var view = await _client.Monitoring.ReadPredictionsAsDataViewAsync("delays", new PredictionQuery { Feedback = FeedbackFilter.WithFeedback });

        var far = ml.Data.FilterRowsByColumn(view, "Distance", lowerBound: 1500);
        Assert.That(far.GetColumn<float>("Distance").Count(), Is.EqualTo(_written.Count(w => w.Actual is not null && w.Input.Distance >= 1500)));

        // Why did it go wrong? Fit a small model of the error from the inputs: the export is a training set as it is.
        var pipeline = ml.Transforms.Categorical.OneHotEncoding("OriginCode", "Origin")
            .Append(ml.Transforms.ReplaceMissingValues("Hour"))
            .Append(ml.Transforms.Conversion.ConvertType("WeekendNumber", "Weekend", DataKind.Single))
            .Append(ml.Transforms.Concatenate("Features", "OriginCode", "Distance", "Hour", "WeekendNumber"))
            .Append(ml.Transforms.NormalizeMinMax("Features"))
            .Append(ml.Transforms.Conversion.ConvertType("Label", "Error", DataKind.Single))
            .Append(ml.Regression.Trainers.Sdca(maximumNumberOfIterations: 5));
        var scored = pipeline.Fit(view).Transform(view);
        var metrics = ml.Regression.Evaluate(scored);

        Assert.That(scored.GetColumn<float>("Score").Count(), Is.EqualTo(150));
        Assert.That(metrics.RootMeanSquaredError, Is.GreaterThan(0).And.LessThan(1));
    }

    private sealed record Flight(string Origin, float Distance, float Hour, bool Weekend);

    private sealed class ExportedRow
    {
        public string Id { get; set; } = string.Empty;

        public DateTimeOffset Timestamp { get; set; }

        public int Version { get; set; }

        public string Arm { get; set; } = string.Empty;

        public string RoutingKey { get; set; } = string.Empty;

        public double LatencyMs { get; set; }

        public string Origin { get; set; } = string.Empty;

        public float Distance { get; set; }

        public float Hour { get; set; }

        public bool Weekend { get; set; }

        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }

        [ColumnName("output.Distance")]
        public float OutputDistance { get; set; }

        public string Actual { get; set; } = string.Empty;

        public double ActualNumber { get; set; }

        public double Error { get; set; }
    }
}
