using MlOps.Sdk.Search;
using static MlOps.Sdk.Tests.Search.Pruners.PrunerTrials;

namespace MlOps.Sdk.Tests.Search.Pruners;

public sealed class MedianPrunerTests
{
    // Five Complete trials reporting 1, 2, 3, 4 and 5 at steps 0 to 9: the median at any step is 3.
    private static readonly List<TrialInfo> FiveComplete = CompleteFlat(9, 1, 2, 3, 4, 5);

    [TestCase(3.5, true)]
    [TestCase(2.5, false)]
    [TestCase(3.0, false)]
    public void ShouldPrune_BestValueAgainstTheMedianAtTheStep_PrunesOnlyWorse(double value, bool pruned)
    {
        var pruner = new MedianPruner();

        Assert.That(pruner.ShouldPrune(Context(5, Curve(value + 1, value), FiveComplete)), Is.EqualTo(pruned));
    }

    [Test]
    public void ShouldPrune_ABetterValueEarlier_JudgesTheBestSoFar()
    {
        var pruner = new MedianPruner();

        Assert.That(pruner.ShouldPrune(Context(5, Curve(2.0, 10.0, 12.0), FiveComplete)), Is.False);
        Assert.That(pruner.ShouldPrune(Context(5, Curve(3.5, 10.0, 12.0), FiveComplete)), Is.True);
    }

    [Test]
    public void ShouldPrune_ComparesWithTheValuesAtTheSameStep()
    {
        // At step 0 the others report 1..5 (median 3); at step 1 they report 11..15 (median 13).
        var others = Enumerable.Range(0, 5).Select(i => Complete(i, Curve(1 + i, 11 + i))).ToList();
        var pruner = new MedianPruner();

        Assert.That(pruner.ShouldPrune(Context(5, Curve(4), others)), Is.True);
        Assert.That(pruner.ShouldPrune(Context(5, Curve(20, 12), others)), Is.False);
        Assert.That(pruner.ShouldPrune(Context(5, Curve(20, 14), others)), Is.True);
    }

    [Test]
    public void ShouldPrune_FewerCompleteTrialsThanStartupTrials_PrunesNothing()
    {
        var pruner = new MedianPruner(new MedianPrunerOptions { StartupTrials = 5 });
        var four = FiveComplete.Take(4).ToList();

        Assert.That(pruner.ShouldPrune(Context(5, Curve(100), four)), Is.False);
        Assert.That(pruner.ShouldPrune(Context(5, Curve(100), FiveComplete)), Is.True);
        Assert.That(new MedianPruner(new MedianPrunerOptions { StartupTrials = 0 }).ShouldPrune(Context(0, Curve(100), [])), Is.False, "no Complete trial: nothing to compare with");
    }

    [Test]
    public void ShouldPrune_BeforeWarmupSteps_PrunesNothing()
    {
        var pruner = new MedianPruner(new MedianPrunerOptions { WarmupSteps = 3 });

        Assert.That(pruner.ShouldPrune(Context(5, Curve(100, 100, 100), FiveComplete)), Is.False, "step 2");
        Assert.That(pruner.ShouldPrune(Context(5, Curve(100, 100, 100, 100), FiveComplete)), Is.True, "step 3");
    }

    [Test]
    public void ShouldPrune_IntervalSteps_JudgesTheFirstReportOfEachInterval()
    {
        var pruner = new MedianPruner(new MedianPrunerOptions { WarmupSteps = 1, IntervalSteps = 3 });

        // Judging steps are 1, 4, 7, ...
        Assert.That(pruner.ShouldPrune(Context(5, Curve(100, 100), FiveComplete)), Is.True, "step 1");
        Assert.That(pruner.ShouldPrune(Context(5, Curve(100, 100, 100), FiveComplete)), Is.False, "step 2");
        Assert.That(pruner.ShouldPrune(Context(5, Curve(100, 100, 100, 100), FiveComplete)), Is.False, "step 3");
        Assert.That(pruner.ShouldPrune(Context(5, Curve(100, 100, 100, 100, 100), FiveComplete)), Is.True, "step 4");
        Assert.That(pruner.ShouldPrune(Context(5, Curve(100, 100, 100, 100, 100, 100), FiveComplete)), Is.False, "step 5");
        var sparse = new Dictionary<long, double> { [0] = 100, [5] = 100 };
        Assert.That(pruner.ShouldPrune(Context(5, sparse, FiveComplete)), Is.True, "step 5 is the first report past 4");
    }

    [Test]
    public void ShouldPrune_FewerThanMinTrialsReportedAtTheStep_PrunesNothing()
    {
        // Three trials reported up to step 9, two only up to step 4.
        var others = new List<TrialInfo>
        {
            Complete(0, Flat(1, 9)), Complete(1, Flat(2, 9)), Complete(2, Flat(3, 9)), Complete(3, Flat(4, 4)), Complete(4, Flat(5, 4)),
        };
        var pruner = new MedianPruner(new MedianPrunerOptions { MinTrials = 4 });

        Assert.That(pruner.ShouldPrune(Context(5, Flat(100, 4), others)), Is.True, "5 trials at step 4");
        Assert.That(pruner.ShouldPrune(Context(5, Flat(100, 9), others)), Is.False, "3 trials at step 9");
        Assert.That(new MedianPruner(new MedianPrunerOptions { MinTrials = 3 }).ShouldPrune(Context(5, Flat(100, 9), others)), Is.True);
    }

    [TestCase(3.5, false)]
    [TestCase(2.5, true)]
    public void ShouldPrune_Maximize_PrunesSmallerValues(double value, bool pruned)
    {
        var pruner = new MedianPruner();

        Assert.That(pruner.ShouldPrune(Context(5, Curve(value - 1, value), FiveComplete, StudyDirection.Maximize)), Is.EqualTo(pruned));
    }

    [Test]
    public void ShouldPrune_TrialsNotComplete_AreNotCounted()
    {
        var others = new List<TrialInfo>(FiveComplete.Take(4));
        others.AddRange(Enumerable.Range(4, 6).Select(i => Trial(i, i % 2 == 0 ? TrialState.Running : TrialState.Pruned, Flat(0.1, 9))));
        others.Add(Trial(10, TrialState.Failed, Flat(0.1, 9)));
        var pruner = new MedianPruner();

        Assert.That(pruner.ShouldPrune(Context(11, Curve(100), others)), Is.False, "4 Complete trials: still starting up");

        others.Add(Complete(12, Flat(5, 9)));
        Assert.That(pruner.ShouldPrune(Context(11, Curve(2.5), others)), Is.False, "the median of the Complete ones is 3");
        Assert.That(pruner.ShouldPrune(Context(11, Curve(3.5), others)), Is.True);
    }

    [Test]
    public void ShouldPrune_OnlyNaNReported_Prunes()
    {
        var pruner = new MedianPruner();

        Assert.That(pruner.ShouldPrune(Context(5, Curve(double.NaN, double.NaN), FiveComplete)), Is.True);
        Assert.That(pruner.ShouldPrune(Context(5, Curve(2, double.NaN), FiveComplete)), Is.False, "the best value so far leaves the NaN out");
    }

    [Test]
    public void ShouldPrune_OthersReportedNaN_LeavesThemOutOfTheMedian()
    {
        var others = CompleteFlat(0, 1, 2, double.NaN, double.NaN, double.NaN);
        var allNaN = CompleteFlat(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        var pruner = new MedianPruner();

        Assert.That(pruner.ShouldPrune(Context(5, Curve(1.6), others)), Is.True, "the median of 1 and 2 is 1.5");
        Assert.That(pruner.ShouldPrune(Context(5, Curve(1.4), others)), Is.False);
        Assert.That(pruner.ShouldPrune(Context(5, Curve(100), allNaN)), Is.False, "no number to compare with");
    }

    [TestCase(StudyDirection.Minimize, 2.5, true)]
    [TestCase(StudyDirection.Minimize, 1.9, false)]
    [TestCase(StudyDirection.Maximize, 3.9, true)]
    [TestCase(StudyDirection.Maximize, 4.5, false)]
    public void PercentilePruner_KeepsTheBestPercentile(StudyDirection direction, double value, bool pruned)
    {
        // The 25th percentile of 1..5 is 2 (the best quarter when minimizing); the 75th is 4 (when maximizing).
        var pruner = new PercentilePruner(new PercentilePrunerOptions { Percentile = 25 });

        Assert.That(pruner.ShouldPrune(Context(5, Curve(value), FiveComplete, direction)), Is.EqualTo(pruned));
    }

    [Test]
    public void PercentilePruner_InterpolatesBetweenRanks()
    {
        // Values 1, 2, 3, 4: the 50th percentile is 2.5, the 10th 1.3.
        var others = CompleteFlat(0, 4, 1, 3, 2);
        var options = new PercentilePrunerOptions { Percentile = 10, StartupTrials = 4 };

        Assert.That(new PercentilePruner(options).ShouldPrune(Context(4, Curve(1.31), others)), Is.True);
        Assert.That(new PercentilePruner(options).ShouldPrune(Context(4, Curve(1.29), others)), Is.False);
        options.Percentile = 50;
        Assert.That(new PercentilePruner(options).ShouldPrune(Context(4, Curve(2.51), others)), Is.True);
        Assert.That(new MedianPruner(new MedianPrunerOptions { StartupTrials = 4 }).ShouldPrune(Context(4, Curve(2.49), others)), Is.False);
    }
}
