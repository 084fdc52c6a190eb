using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// The real flights data (samples/Retraining/data: every 120th US flight of January to June 2001) against a model's
/// training data, January. What moves, measured first (docs/drift.md): the monthly distributions of distance,
/// departure time and airports stay within noise; the delay distribution moves — in May it is shorter (mean 2.8 minutes
/// against 6.5, Kolmogorov–Smirnov D ≈ 0.07 on the samples), highly significant but below the default material
/// threshold D ≥ 0.1. So the defaults flag no month (the sample-size rule at work on real data), and a stricter rule,
/// D ≥ 0.05, flags May's delays and still not a held-out half of January. A small model (late: delay &gt; 15 minutes,
/// from distance, departure time and origin) is registered with January as its training dataset, so the default
/// reference and prediction drift run on the real data too.
/// </summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class FlightsSeasonDriftTests(StoreKind kind)
{
    private static readonly DriftOptions Strict = new() { KolmogorovSmirnovMinStatistic = 0.05 };
    private TestStore _test = null!;
    private MlOpsClient _client = null!;
    private List<FlightsSeason.Flight> _flights = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _client = TrackingClients.Create(_test.Store);
        _flights = FlightsSeason.Read();

        // January's odd rows and every later month are logged with the model's real outputs.
        await FlightsSeason.RegisterAndLogAsync(_client, _flights, FlightsSeason.JanuaryHeldOut(_flights).Concat(_flights.Where(f => f.Date.Month > 1)));
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_test is not null)
        {
            await _test.DisposeAsync();
        }
    }

    [Test]
    public async Task GetDriftAsync_HeldOutJanuary_DriftsNowhere_EvenByTheStricterRule()
    {
        var defaults = await MonthAsync(1, null);
        var strict = await MonthAsync(1, Strict);

        Assert.That(defaults.Overall.Predictions, Is.EqualTo(_flights.Count(f => f.Date.Month == 1) / 2));
        Assert.That(defaults.Overall.Features.Features.Select(f => f.Feature), Is.EquivalentTo(new[] { "Delay", "Distance", "Time", "Origin", "Destination" }));
        Assert.That((defaults.Reference, defaults.Version), Is.EqualTo(("datasets:/flights-january/1", (int?)1)), "the model's training dataset");
        Assert.That(defaults.Overall.Features.Drifted, Is.Empty, Reasons(defaults));
        Assert.That(defaults.Overall.Outputs!.Features.Select(f => f.Feature), Is.EquivalentTo(new[] { "Score", "Probability", "PredictedLabel" }), Reasons(defaults));
        Assert.That(strict.Overall.Outputs!.Drifted, Is.Empty, Reasons(strict));
        Assert.That(strict.Overall.Features.Drifted, Is.Empty, Reasons(strict));
        Assert.That(HandD(Delays(1, i => i % 2 == 0), Delays(1, i => i % 2 == 1)), Is.LessThan(0.05), "independently: January's halves differ by less than the stricter D");
    }

    [Test]
    public async Task GetDriftAsync_May_DelaysDrift_SignificantAlways_MaterialByTheStricterRule_OtherFeaturesStay()
    {
        var defaults = await MonthAsync(5, null);
        var strict = await MonthAsync(5, Strict);

        var delay = defaults.Overall.Features.Features.Single(f => f.Feature == "Delay");
        Assert.That(delay.KolmogorovSmirnov!.PValue, Is.LessThan(1e-3), "a shift far beyond sampling noise");
        Assert.That(delay.Status, Is.EqualTo(DriftStatus.Stable), delay.Reason);
        Assert.That(delay.Reason, Does.Contain("negligible shift"), "significant but below D ≥ 0.1: the sample-size rule");
        Assert.That(strict.Overall.Features.Drifted.Select(f => f.Feature), Is.EqualTo(new[] { "Delay" }), Reasons(strict));
        Assert.That(strict.Overall.Outputs!.Drifted, Is.Empty, "the model reads distance, time and origin, which stay: so do its predictions (the delays that moved are what it predicts)");

        // Independently, on the raw samples: May's delays against January's training half.
        var d = HandD(Delays(1, i => i % 2 == 0), Delays(5, _ => true));
        Assert.That(d, Is.InRange(0.05, 0.1));
        Assert.That(strict.Overall.Features.Features.Single(f => f.Feature == "Delay").KolmogorovSmirnov!.Statistic, Is.LessThanOrEqualTo(d + 1e-12), "the profile's D is a lower bound of the samples'");
    }

    [Test]
    public async Task GetDriftAsync_EveryLaterMonth_DistanceTimeAndAirports_Stay()
    {
        for (var month = 2; month <= 6; month++)
        {
            var report = await MonthAsync(month, Strict);
            var stable = report.Overall.Features.Features.Where(f => f.Feature != "Delay");
            Assert.That(stable.Where(f => f.IsDrifted), Is.Empty, $"month {month}: {Reasons(report)}");
        }
    }

    private static string Reasons(LiveDriftReport report)
        => string.Join("; ", report.Overall.Features.Features.Concat(report.Overall.Outputs?.Features ?? []).Select(f => $"{f.Feature}: {f.Status}: {f.Reason}").Concat(report.NotCompared.Select(n => $"{n.Key}: {n.Value}")));

    /// <summary>The two-sample Kolmogorov–Smirnov D by its definition, the largest gap between the two empirical distribution functions.</summary>
    private static double HandD(List<double> a, List<double> b)
    {
        a.Sort();
        b.Sort();
        var d = 0.0;
        foreach (var x in a.Concat(b).Distinct())
        {
            double fa = UpperBound(a, x) / (double)a.Count, fb = UpperBound(b, x) / (double)b.Count;
            d = Math.Max(d, Math.Abs(fa - fb));
        }

        return d;

        static int UpperBound(List<double> sorted, double x)
        {
            int lo = 0, hi = sorted.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                (lo, hi) = sorted[mid] <= x ? (mid + 1, hi) : (lo, mid);
            }

            return lo;
        }
    }

    private List<double> Delays(int month, Func<int, bool> rows)
        => _flights.Where(f => f.Date.Month == month).Where((_, i) => rows(i)).Select(f => (double)f.Row.Delay).ToList();

    private Task<LiveDriftReport> MonthAsync(int month, DriftOptions? options)
    {
        var from = new DateTimeOffset(2001, month, 1, 0, 0, 0, TimeSpan.Zero);
        return _client.Monitoring.GetDriftAsync(FlightsSeason.Model, new DriftQuery { From = from, To = from.AddMonths(1), Options = options });
    }
}
