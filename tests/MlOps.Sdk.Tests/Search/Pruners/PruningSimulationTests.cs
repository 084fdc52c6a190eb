using MlOps.Sdk.Search;

namespace MlOps.Sdk.Tests.Search.Pruners;

/// <summary>
/// Pruners on synthetic learning curves (see <see cref="LearningCurveStudy"/>): the same trials run with and without the
/// pruner, comparing the steps spent and the best value found.
/// </summary>
public sealed class PruningSimulationTests
{
    private const int Trials = 80;

    private static IEnumerable<TestCaseData> Pruners()
    {
        foreach (var seed in new[] { 1, 2, 3 })
        {
            yield return new TestCaseData((Func<Pruner>)(() => new MedianPruner()), seed).SetArgDisplayNames("Median", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
            yield return new TestCaseData((Func<Pruner>)(() => new SuccessiveHalvingPruner()), seed).SetArgDisplayNames("SuccessiveHalving", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
            yield return new TestCaseData((Func<Pruner>)(() => new HyperbandPruner(new HyperbandPrunerOptions { MaxResource = LearningCurveStudy.Steps })), seed).SetArgDisplayNames("Hyperband", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <remarks>
    /// "Close" is judged two ways. At equal compute: the steps the pruned search spent would have run only the first
    /// ⌈steps / 100⌉ trials to the end, and the pruned search must do at least as well as the best of those (else pruning
    /// is not worth it). In absolute terms: its best must be among the best 5 % of the 80 trials (at most 3 better), the
    /// quantile a random search of 20 full trials reaches on average; pruning may lose the single best trial to noise at
    /// an early rung, but not the top of the distribution.
    /// </remarks>
    [TestCaseSource(nameof(Pruners))]
    public void Pruner_SavesMostOfTheStepsAndKeepsTheBest(Func<Pruner> create, int seed)
    {
        var without = LearningCurveStudy.Run(null, Trials, seed);
        var with = LearningCurveStudy.Run(create(), Trials, seed);

        var saving = 1 - ((double)with.StepsRun / without.StepsRun);
        var rank = without.Finals.Count(f => f < with.Best);
        var equalBudgetTrials = (with.StepsRun + LearningCurveStudy.Steps - 1) / LearningCurveStudy.Steps;
        var equalBudgetBest = without.Finals.Take(equalBudgetTrials).Min();
        TestContext.Out.WriteLine(
            $"saving {saving:P1}; best {with.Best:F4} (better trials: {rank}) vs {without.Best:F4} without pruning, {equalBudgetBest:F4} at equal compute ({equalBudgetTrials} trials); the best trial ({without.TrueBestNumber}) was {with.Trials[without.TrueBestNumber].State}");

        Assert.That(without.StepsRun, Is.EqualTo(Trials * LearningCurveStudy.Steps));
        Assert.That(saving, Is.GreaterThanOrEqualTo(0.4));
        Assert.That(with.Best, Is.LessThanOrEqualTo(equalBudgetBest));
        Assert.That(rank, Is.LessThanOrEqualTo(3));
    }

    [Test]
    public void Pruners_CalledFromManyThreads_AnswerAsOneAtATime()
    {
        var trials = LearningCurveStudy.Run(null, 40, seed: 4).Trials;
        var contexts = trials
            .SelectMany(t => new long[] { 1, 4, 9, 16, 27, 50, 99 }.Select(step => new PruningContext(
                "threads",
                StudyDirection.Minimize,
                t.Number,
                t.IntermediateValues.Where(v => v.Key <= step).ToDictionary(),
                [.. trials.Where(o => o.Number != t.Number)])))
            .ToList();
        Pruner[] pruners = [new MedianPruner(), new PercentilePruner(), new SuccessiveHalvingPruner(), new HyperbandPruner()];

        foreach (var pruner in pruners)
        {
            var oneAtATime = contexts.Select(pruner.ShouldPrune).ToArray();
            var parallel = new bool[contexts.Count];
            Parallel.For(0, contexts.Count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => parallel[i] = pruner.ShouldPrune(contexts[i]));

            Assert.That(parallel, Is.EqualTo(oneAtATime), pruner.GetType().Name);
            Assert.That(oneAtATime, Has.Some.True.And.Some.False, pruner.GetType().Name);
        }
    }
}
