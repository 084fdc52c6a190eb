using MlOps.Sdk.Search;
using static MlOps.Sdk.Tests.Search.Pruners.PrunerTrials;

namespace MlOps.Sdk.Tests.Search.Pruners;

public sealed class SuccessiveHalvingPrunerTests
{
    [TestCase(1, 4, 0, new long[] { 1, 4, 16, 64 })]
    [TestCase(1, 4, 1, new long[] { 4, 16, 64, 256 })]
    [TestCase(2, 3, 2, new long[] { 18, 54, 162, 486 })]
    public void RungStep_IsMinResourceTimesEtaToTheRateAndRung(int minResource, int eta, int rate, long[] expected)
    {
        var steps = Enumerable.Range(0, expected.Length).Select(rung => SuccessiveHalving.RungStep(minResource, eta, rate, rung));

        Assert.That(steps, Is.EqualTo(expected));
        Assert.That(SuccessiveHalving.RungStep(1, 1000, 60, 0), Is.EqualTo(long.MaxValue), "overflow: never reached");
    }

    [Test]
    public void ShouldPrune_BetweenRungs_PrunesNothing()
    {
        // Rungs at steps 1, 4, 16: a terrible trial is judged only when a report reaches one.
        var pruner = Pruner(minResource: 1, eta: 4);
        var others = CompleteFlat(20, 1, 2, 3, 4, 5, 6, 7, 8);

        Assert.That(pruner.ShouldPrune(Context(8, Curve(100), others)), Is.False, "step 0");
        Assert.That(pruner.ShouldPrune(Context(8, Curve(100, 100), others)), Is.True, "step 1");
        Assert.That(pruner.ShouldPrune(Context(8, Curve(100, 0, 100), others)), Is.False, "step 2: rung 1 was passed at step 1");
        Assert.That(pruner.ShouldPrune(Context(8, Curve(100, 0, 100, 100, 100), others)), Is.True, "step 4: rung 2");
    }

    [TestCase(2, 2.5, false)]
    [TestCase(2, 3.5, true)]
    [TestCase(4, 0.5, false)]
    [TestCase(4, 1.5, true)]
    [TestCase(3, 1.5, false)]
    [TestCase(3, 2.5, true)]
    public void ShouldPrune_PromotesTheBestOneInEta(int eta, double value, bool pruned)
    {
        // Five trials reached rung 0 (step 1) with 1..5; with the trial, n = 6 values compete: the best ⌊6/η⌋ are promoted.
        var pruner = Pruner(minResource: 1, eta: eta);
        var others = CompleteFlat(1, 1, 2, 3, 4, 5);

        Assert.That(pruner.ShouldPrune(Context(5, Curve(9, value), others)), Is.EqualTo(pruned));
    }

    [Test]
    public void ShouldPrune_FewerThanEtaTrialsAtTheRung_PromotesOnlyTheBest()
    {
        var pruner = Pruner(minResource: 1, eta: 4);
        var two = CompleteFlat(1, 2, 3);

        Assert.That(pruner.ShouldPrune(Context(2, Curve(9, 1.9), two)), Is.False);
        Assert.That(pruner.ShouldPrune(Context(2, Curve(9, 2.1), two)), Is.True, "3 values, 3 / 4 - 1 = -1 → the best only");
        Assert.That(pruner.ShouldPrune(Context(0, Curve(9, 1e9), [])), Is.False, "alone at the rung");
    }

    [TestCase(StudyDirection.Maximize, 4.5, false)]
    [TestCase(StudyDirection.Maximize, 2.5, true)]
    public void ShouldPrune_Maximize_PromotesTheLargest(StudyDirection direction, double value, bool pruned)
    {
        var pruner = Pruner(minResource: 1, eta: 2);
        var others = CompleteFlat(1, 1, 2, 3, 4, 5);

        // n = 6, the best 3 of {1, 2, 3, 4, 5, value}.
        Assert.That(pruner.ShouldPrune(Context(5, Curve(0, value), others, direction)), Is.EqualTo(pruned));
    }

    [Test]
    public void ShouldPrune_AnotherTrialsRungValue_IsItsFirstReportAtOrPastTheRung()
    {
        // The other trial skipped step 1 (rung 0): its value there is the one at step 2 (1.0), not the one at step 0 (100).
        var other = Trial(0, TrialState.Running, new Dictionary<long, double> { [0] = 100, [2] = 1.0 });
        var pruner = Pruner(minResource: 1, eta: 2);

        Assert.That(pruner.ShouldPrune(Context(1, Curve(9, 2.0), [other])), Is.True);
        Assert.That(pruner.ShouldPrune(Context(1, Curve(9, 0.5), [other])), Is.False);
    }

    [Test]
    public void ShouldPrune_TrialsInAnyStateThatReachedTheRung_Compete()
    {
        var others = new List<TrialInfo>
        {
            Trial(0, TrialState.Running, Flat(1, 1)),
            Trial(1, TrialState.Pruned, Flat(2, 1)),
            Trial(2, TrialState.Failed, Flat(3, 1)),
            Trial(3, TrialState.Running, Flat(0.5, 0)),
        };
        var pruner = Pruner(minResource: 1, eta: 2);

        // Trial 3 never reached step 1: n = 4 values (1, 2, 3 and the trial's), the best 2 go on.
        Assert.That(pruner.ShouldPrune(Context(4, Curve(9, 1.5), others)), Is.False);
        Assert.That(pruner.ShouldPrune(Context(4, Curve(9, 2.5), others)), Is.True);
    }

    [Test]
    public void ShouldPrune_NaNAtARung_Prunes_AndOthersNaNDoNotCompete()
    {
        var pruner = Pruner(minResource: 1, eta: 2);
        var others = CompleteFlat(1, double.NaN, double.NaN, 2);

        Assert.That(pruner.ShouldPrune(Context(3, Curve(0, double.NaN), others)), Is.True);
        Assert.That(pruner.ShouldPrune(Context(3, Curve(double.NaN), others)), Is.False, "step 0 is before the first rung");
        Assert.That(pruner.ShouldPrune(Context(3, Curve(9, 1.5), others)), Is.False, "n = 2 (2 and 1.5): the best goes on");
    }

    [Test]
    public void ShouldPrune_MinEarlyStoppingRate_MovesTheFirstRung()
    {
        var pruner = new SuccessiveHalvingPruner(new SuccessiveHalvingPrunerOptions { MinResource = 1, ReductionFactor = 4, MinEarlyStoppingRate = 1 });
        var others = CompleteFlat(20, 1, 2, 3, 4, 5);

        Assert.That(pruner.ShouldPrune(Context(5, Flat(100, 1), others)), Is.False, "step 1 is no rung");
        Assert.That(pruner.ShouldPrune(Context(5, Flat(100, 3), others)), Is.False);
        Assert.That(pruner.ShouldPrune(Context(5, Flat(100, 4), others)), Is.True, "the first rung is at 4");
    }

    [Test]
    public void ShouldPrune_ReportCrossingRungs_IsJudgedAtEach()
    {
        // η = 4, rungs at 1 and 4. Trial 0 reached both with 1; seven others reached only rung 1, with 50 and more.
        var others = new List<TrialInfo> { Complete(0, Flat(1, 20)) };
        others.AddRange(new[] { 50.0, 60, 70, 80, 90, 95, 99 }.Select((v, i) => Trial(i + 1, TrialState.Pruned, Flat(v, 1))));
        var pruner = Pruner(minResource: 1, eta: 4);

        // At rung 1, n = 9: the best 9 / 4 = 2 go on, so 2 passes; at rung 4, n = 2: only the best, and 1 beats 2.
        Assert.That(pruner.ShouldPrune(Context(8, new Dictionary<long, double> { [3] = 2 }, others)), Is.False, "a first report at step 3 crosses rung 1 only");
        Assert.That(pruner.ShouldPrune(Context(8, new Dictionary<long, double> { [5] = 2 }, others)), Is.True, "a first report at step 5 crosses rungs 1 and 4");
        Assert.That(pruner.ShouldPrune(Context(8, new Dictionary<long, double> { [5] = 0.5 }, others)), Is.False);
    }

    [Test]
    public void ShouldPrune_AutoMinResource_WaitsForACompleteTrial()
    {
        var pruner = new SuccessiveHalvingPruner();
        var running = new List<TrialInfo> { Trial(0, TrialState.Running, Flat(1, 500)) };

        Assert.That(pruner.ShouldPrune(Context(1, Flat(100, 10), running)), Is.False, "no Complete trial yet");

        // A Complete trial that reported up to step 399: min resource 3, rungs at 3, 12, 48.
        var withComplete = new List<TrialInfo> { Complete(0, Flat(1, 399)) };
        Assert.That(pruner.ShouldPrune(Context(1, Flat(100, 2), withComplete)), Is.False, "step 2");
        Assert.That(pruner.ShouldPrune(Context(1, Flat(100, 3), withComplete)), Is.True, "step 3");
    }

    [Test]
    public void EstimateMinResource_IsTheFirstCompleteTrialsLastStepOver100()
    {
        var t0 = DateTimeOffset.UnixEpoch;

        Assert.That(SuccessiveHalvingPruner.EstimateMinResource([Complete(0, Flat(1, 99))], 9), Is.EqualTo(1));
        Assert.That(SuccessiveHalvingPruner.EstimateMinResource([Complete(0, Flat(1, 250))], 9), Is.EqualTo(2));
        Assert.That(SuccessiveHalvingPruner.EstimateMinResource([Complete(0, Flat(1, 200), t0.AddHours(1)), Complete(1, Flat(1, 800), t0)], 9), Is.EqualTo(8), "the earliest to end");
        Assert.That(SuccessiveHalvingPruner.EstimateMinResource([Complete(1, Flat(1, 800)), Complete(0, Flat(1, 200))], 9), Is.EqualTo(2), "no end times: the lowest number");
        Assert.That(SuccessiveHalvingPruner.EstimateMinResource([Trial(0, TrialState.Pruned, Flat(1, 900)), Complete(1, Flat(1, 300))], 9), Is.EqualTo(3), "only Complete trials");
        Assert.That(SuccessiveHalvingPruner.EstimateMinResource([Trial(0, TrialState.Running, Flat(1, 900))], 9), Is.Null);
    }

    [Test]
    public void ShouldPrune_BootstrapCount_PrunesTheFirstTrialsAtEachRung()
    {
        var pruner = new SuccessiveHalvingPruner(new SuccessiveHalvingPrunerOptions { MinResource = 1, ReductionFactor = 2, BootstrapCount = 2 });

        Assert.That(pruner.ShouldPrune(Context(0, Curve(9, 1), [])), Is.True, "first at the rung");
        Assert.That(pruner.ShouldPrune(Context(1, Curve(9, 1), CompleteFlat(1, 5))), Is.True, "second at the rung, though the best");
        Assert.That(pruner.ShouldPrune(Context(2, Curve(9, 1), CompleteFlat(1, 5, 6))), Is.False, "third: judged, and the best");
        Assert.That(pruner.ShouldPrune(Context(2, Curve(9, 5.5), CompleteFlat(1, 5, 6))), Is.True, "third: judged, and not among the best 1");
    }

    private static SuccessiveHalvingPruner Pruner(int minResource, int eta)
        => new(new SuccessiveHalvingPrunerOptions { MinResource = minResource, ReductionFactor = eta });
}
