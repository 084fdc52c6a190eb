using System.Text;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Search;
using static MlOps.Sdk.Tests.Search.Pruners.PrunerTrials;

namespace MlOps.Sdk.Tests.Search.Pruners;

public sealed class HyperbandPrunerTests
{
    [Test]
    public void Crc32_MatchesTheStandardCheckValue()
    {
        Assert.That(Crc32.Compute(Encoding.ASCII.GetBytes("123456789")), Is.EqualTo(0xCBF43926u));
    }

    [TestCase(1, 100, 3, new long[] { 81, 34, 15, 8, 5 })]
    [TestCase(1, 81, 3, new long[] { 81, 34, 15, 8, 5 })]
    [TestCase(1, 80, 3, new long[] { 27, 12, 6, 4 })]
    [TestCase(1, 243, 3, new long[] { 243, 98, 41, 18, 9, 6 })]
    [TestCase(4, 4, 3, new long[] { 1 })]
    [TestCase(1, 1000, 10, new long[] { 1000, 134, 20, 4 })]
    public void Brackets_CountIsFloorLogEtaOfMaxOverMinPlusOne_WithOptunasBudgets(int min, int max, int eta, long[] budgets)
    {
        // Budgets ⌈n·η^s / (s + 1)⌉, s = n − 1 − bracket, worked out by hand.
        var brackets = new HyperbandPruner.Brackets(min, max, eta);

        Assert.That(brackets.Count, Is.EqualTo(budgets.Length));
        Assert.That(brackets.Budgets, Is.EqualTo(budgets));
    }

    [TestCase("study", new[] { 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 1, 0, 1, 0, 0, 1, 0, 2 })]
    [TestCase("mnist-cnn", new[] { 0, 2, 0, 0, 3, 0, 1, 0, 0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 1, 0, 3 })]
    public void BracketOf_IsTheSameAsOptunas(string study, int[] expected)
    {
        // Expected: Optuna's HyperbandPruner._get_bracket_id (binascii.crc32 of "{study}_{number}") for trials 0..23,
        // min resource 1, max resource 100, η = 3, computed with Python.
        var brackets = new HyperbandPruner.Brackets(1, 100, 3);

        Assert.That(Enumerable.Range(0, expected.Length).Select(n => brackets.BracketOf(study, n)), Is.EqualTo(expected));
    }

    [Test]
    public void BracketOf_SpreadsTrialsByBudget()
    {
        var brackets = new HyperbandPruner.Brackets(1, 100, 3);
        const int Trials = 30_000;
        var counts = new int[brackets.Count];
        for (var n = 0; n < Trials; n++)
        {
            counts[brackets.BracketOf("spread", n)]++;
        }

        var total = brackets.Budgets.Sum();
        for (var b = 0; b < brackets.Count; b++)
        {
            Assert.That((double)counts[b] / Trials, Is.EqualTo((double)brackets.Budgets[b] / total).Within(0.02), $"bracket {b}");
        }
    }

    [Test]
    public void BracketOf_IsDeterministic_AndDependsOnTheStudy()
    {
        var one = new HyperbandPruner.Brackets(1, 100, 3);
        var two = new HyperbandPruner.Brackets(1, 100, 3);
        var numbers = Enumerable.Range(0, 200).ToList();

        Assert.That(numbers.Select(n => one.BracketOf("a", n)), Is.EqualTo(numbers.Select(n => two.BracketOf("a", n))));
        Assert.That(numbers.Select(n => one.BracketOf("a", n)), Is.Not.EqualTo(numbers.Select(n => one.BracketOf("b", n))));
    }

    [Test]
    public void ShouldPrune_JudgesAgainstTheSameBracketOnly()
    {
        var pruner = new HyperbandPruner(new HyperbandPrunerOptions { MinResource = 1, MaxResource = 100, ReductionFactor = 3 });
        var brackets = new HyperbandPruner.Brackets(1, 100, 3);
        var inZero = Enumerable.Range(0, 500).Where(n => brackets.BracketOf(StudyName, n) == 0).ToList();
        var elsewhere = Enumerable.Range(0, 500).Where(n => brackets.BracketOf(StudyName, n) != 0).Take(10).ToList();

        // Bracket 0 judges at step 1 (rungs 1, 3, 9, ...). Ten trials of other brackets reported 0.1 there; one of bracket 0 reported 5.
        var others = elsewhere.Select(n => Trial(n, TrialState.Running, Flat(0.1, 1))).ToList();
        others.Add(Trial(inZero[1], TrialState.Running, Flat(5, 1)));
        var trial = inZero[0];

        Assert.That(pruner.ShouldPrune(Context(trial, Curve(9, 1), others)), Is.False, "better than its bracket's only other trial");

        others.Add(Trial(inZero[2], TrialState.Running, Flat(0.5, 1)));
        Assert.That(pruner.ShouldPrune(Context(trial, Curve(9, 1), others)), Is.True, "n = 3, η = 3: only the best of its bracket goes on");
    }

    [Test]
    public void ShouldPrune_ABracketsFirstRung_IsMinResourceTimesEtaToTheBracket()
    {
        var pruner = new HyperbandPruner(new HyperbandPrunerOptions { MinResource = 1, MaxResource = 100, ReductionFactor = 3 });
        var brackets = new HyperbandPruner.Brackets(1, 100, 3);
        var inTwo = Enumerable.Range(0, 500).Where(n => brackets.BracketOf(StudyName, n) == 2).Take(2).ToList();
        var others = new List<TrialInfo> { Complete(inTwo[1], Flat(1, 99)) };

        Assert.That(pruner.ShouldPrune(Context(inTwo[0], Flat(50, 8), others)), Is.False, "bracket 2's first rung is at 9");
        Assert.That(pruner.ShouldPrune(Context(inTwo[0], Flat(50, 9), others)), Is.True);
    }

    [Test]
    public void ShouldPrune_AutoMaxResource_WaitsForACompleteTrial()
    {
        var pruner = new HyperbandPruner();
        var brackets = new HyperbandPruner.Brackets(1, 100, 3);
        var inZero = Enumerable.Range(0, 500).Where(n => brackets.BracketOf(StudyName, n) == 0).Take(2).ToList();
        var running = new List<TrialInfo> { Trial(inZero[1], TrialState.Running, Flat(1, 99)) };
        var complete = new List<TrialInfo> { Complete(inZero[1], Flat(1, 99)) };

        Assert.That(pruner.ResolveBrackets(running, inZero[0]), Is.Null);
        Assert.That(pruner.ShouldPrune(Context(inZero[0], Curve(9, 50), running)), Is.False, "no Complete trial yet");
        Assert.That(pruner.ResolveBrackets(complete, inZero[0])!.Count, Is.EqualTo(5), "last step 99 → max resource 100");
        Assert.That(pruner.ShouldPrune(Context(inZero[0], Curve(9, 50), complete)), Is.True);
    }
}
