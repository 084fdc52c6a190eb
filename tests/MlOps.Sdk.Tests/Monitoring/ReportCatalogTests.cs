using System.Globalization;
using System.Text.Json;
using MlOps.Sdk.Data;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// <c>client.Monitoring.CreateReportAsync</c>: what it adds to performance and drift (stubbed here, as a user's mock
/// would: they are tested on their own) is the feature distributions, read from the real prediction logs and the
/// reference dataset's real profile.
/// </summary>
public sealed class ReportCatalogTests
{
    private static readonly DateTimeOffset From = new(2015, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = new(2015, 9, 1, 0, 0, 0, TimeSpan.Zero);
    private TestStore _test = null!;
    private DataSandbox _sandbox = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(StoreKind.InMemory);
        _sandbox = new DataSandbox();
        _client = _sandbox.CreateClient(_test.Store);
    }

    [TearDown]
    public async Task TearDown()
    {
        _sandbox.Dispose();
        await _test.DisposeAsync();
    }

    [Test]
    public async Task CreateReportAsync_LoggedSummerAgainstProfiledYears_DistributesEveryProfiledFeature()
    {
        var days = ReportTests.Weather.Value;
        var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.VegaData, "seattle-weather.csv"));
        var path = _sandbox.Write("weather.csv", string.Join('\n', lines.Take(1).Concat(lines.Skip(1).Where(l => l.StartsWith("2012", StringComparison.Ordinal) || l.StartsWith("2013", StringComparison.Ordinal)))) + "\n");
        var dataset = await _client.Datasets.RegisterFileAsync("seattle", path);
        var live = days.Where(d => d.Date >= From.UtcDateTime && d.Date < To.UtcDateTime).ToList();
        var outside = days.Single(d => d.Date == new DateTime(2015, 9, 2, 0, 0, 0, DateTimeKind.Utc));
        await _client.Monitoring.WritePredictionsAsync(live.Append(outside).Select(d => Logged(d)));
        var monitoring = new StubbedMonitoring(_client, dataset.Profile!, live);
        var options = new ReportOptions { From = From, To = To, Window = TimeSpan.FromDays(7) };

        var report = await monitoring.CreateReportAsync("temp", options);

        Assert.That(monitoring.DriftQuery!.From, Is.EqualTo(From));
        Assert.That(monitoring.DriftQuery.To, Is.EqualTo(To));
        Assert.That(monitoring.DriftQuery.Window, Is.EqualTo(TimeSpan.FromDays(7)));
        Assert.That(monitoring.PerformanceQuery!.Window, Is.EqualTo(TimeSpan.FromDays(7)));
        Assert.That(report.Distributions.Select(d => d.Feature), Is.EqualTo(new[] { "temp_max", "wind", "weather" }), "humidity is not in the profile: left out, not an error");
        Assert.That(_sandbox.Logs.Messages.Any(m => m.EventId == 3633 && m.Message.Contains("humidity", StringComparison.Ordinal)), Is.True);
        var profile = dataset.Profile!;
        foreach (var column in new[] { "temp_max", "wind" })
        {
            var d = report.Distributions.Single(x => x.Feature == column);
            Assert.That(d.Reference, Is.EqualTo(profile[column].Numeric!.BinCounts), "the profile's own counts");
            Assert.That(d.Live.Sum(), Is.EqualTo(live.Count), "every logged prediction in the range, none outside it");
        }

        var weather = report.Distributions.Single(x => x.Feature == "weather");
        foreach (var (category, i) in weather.Bins.Select((c, i) => (c, i)))
        {
            Assert.That(weather.Live[i], Is.EqualTo(live.Count(d => d.Weather == category)), category);
            Assert.That(weather.Reference[i], Is.EqualTo(profile["weather"].Categorical!.Top.Single(t => t.Key == category).Value), category);
        }

        Assert.That(report.Comparison, Is.Null, "one version only");
        Assert.That(report.Drift, Is.SameAs(monitoring.Drift));
    }

    [Test]
    public void CreateReportAsync_InvalidOptions_ThrowsBeforeReading()
    {
        var options = new ReportOptions { From = To, To = From, Champion = 2, Challenger = 2 };

        var error = Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => _client.Monitoring.CreateReportAsync("temp", options));

        Assert.That(error!.Failures.Count(), Is.EqualTo(2), error.Message);
    }

    private static PredictionLogRow Logged(ReportTests.Day day)
    {
        var at = new DateTimeOffset(day.Date.AddHours(12), TimeSpan.Zero);
        return new PredictionLogRow
        {
            Id = Guid.CreateVersion7(at).ToString("N"),
            Timestamp = at.UtcDateTime,
            Model = "temp",
            Version = 1,
            Arm = "production",
            Input = JsonSerializer.Serialize(new Dictionary<string, object> { ["temp_max"] = day.TempMax, ["wind"] = day.Wind, ["weather"] = day.Weather }),
            Output = string.Create(CultureInfo.InvariantCulture, $"{{\"Score\":{day.TempMax}}}"),
        };
    }

    /// <summary>Performance and drift as their own tests check them; the report's own work runs for real.</summary>
    private sealed class StubbedMonitoring(MlOpsClient client, DatasetProfile profile, List<ReportTests.Day> live) : MonitoringCatalog(client)
    {
        public PerformanceQuery? PerformanceQuery { get; private set; }

        public DriftQuery? DriftQuery { get; private set; }

        public LiveDriftReport? Drift { get; private set; }

        public override Task<PerformanceReport> GetPerformanceAsync(string model, PerformanceQuery? query = null, CancellationToken cancellationToken = default)
        {
            PerformanceQuery = query;
            var total = new PerformanceWindow(1, "production", From, To, live.Count, 0, new Dictionary<string, double>(), "no ground truth yet");
            return Task.FromResult(new PerformanceReport(model, MonitoringTask.Regression, [total], [total]));
        }

        public override Task<LiveDriftReport> GetDriftAsync(string model, DriftQuery? query = null, CancellationToken cancellationToken = default)
        {
            DriftQuery = query;
            var features = DriftDetector.Report(
            [
                DriftDetector.Numeric(profile["temp_max"], live.Select(d => d.TempMax).ToArray()),
                DriftDetector.Numeric(profile["wind"], live.Select(d => d.Wind).ToArray()),
                DriftDetector.Categorical(profile["weather"], live.CountBy(d => d.Weather).ToDictionary(p => p.Key, p => (long)p.Value)),
                DriftDetector.Numeric("humidity", [1.0, 2.0], [1.0, 2.0]),
            ]);
            Drift = new LiveDriftReport(model, "datasets:/seattle/1", new DriftWindow(From, To, live.Count, features, null), [], new Dictionary<string, string>());
            return Task.FromResult(Drift);
        }
    }
}
