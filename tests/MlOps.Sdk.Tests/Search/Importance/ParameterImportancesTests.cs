using MlOps.Sdk.Search;

namespace MlOps.Sdk.Tests.Search.Importance;

public sealed class ParameterImportancesTests
{
    private static readonly FloatDistribution Unit = new(0, 1);

    [Test]
    public void Evaluate_StrongWeakAndNoEffect_OrdersThem()
    {
        var trials = Trials(300, seed: 1, r => new() { ["x1"] = r.NextDouble(), ["x2"] = r.NextDouble(), ["x3"] = r.NextDouble() }, p => (10 * p["x1"]) + (2 * p["x2"]));

        var importances = ParameterImportances.Evaluate(trials, StudyDirection.Minimize);

        Assert.That(importances.Select(p => p.Key), Is.EqualTo(new[] { "x1", "x2", "x3" }));
        Assert.That(importances.Sum(p => p.Value), Is.EqualTo(1).Within(1e-9));
        Assert.That(importances[0].Value, Is.GreaterThan(0.8));
        Assert.That(importances[2].Value, Is.LessThan(0.05));
    }

    [Test]
    public void Evaluate_CategoricalParameter_SumsItsChoicesBack()
    {
        var optimizer = new CategoricalDistribution(["sgd", "adam", "rmsprop", "lbfgs"]);
        var effect = new[] { 0.0, 5.0, 1.0, 0.0 };
        var distributions = new Dictionary<string, ParameterDistribution> { ["optimizer"] = optimizer, ["x"] = Unit, ["noise"] = Unit };
        var trials = Trials(300, seed: 2, r => new() { ["optimizer"] = r.Next(4), ["x"] = r.NextDouble(), ["noise"] = r.NextDouble() }, p => effect[(int)p["optimizer"]] + p["x"], distributions);

        var importances = ParameterImportances.Evaluate(trials, StudyDirection.Minimize);

        Assert.That(importances.Select(p => p.Key), Is.EqualTo(new[] { "optimizer", "x", "noise" }));
        Assert.That(importances[0].Value, Is.GreaterThan(0.7));
    }

    [Test]
    public void Evaluate_LogScaleAndIntParameters_AreUsed()
    {
        var distributions = new Dictionary<string, ParameterDistribution>
        {
            ["lr"] = new FloatDistribution(1e-5, 1e-1, log: true),
            ["layers"] = new IntDistribution(1, 8),
            ["width"] = new IntDistribution(16, 1024, log: true),
        };
        var trials = Trials(
            300,
            seed: 3,
            r => new() { ["lr"] = Math.Pow(10, -5 + (4 * r.NextDouble())), ["layers"] = 1 + r.Next(8), ["width"] = Math.Round(Math.Pow(2, 4 + (6 * r.NextDouble()))) },
            p => Math.Pow(Math.Log10(p["lr"]) + 3, 2) + (0.2 * p["layers"]),
            distributions);

        var importances = ParameterImportances.Evaluate(trials, StudyDirection.Maximize);

        Assert.That(importances.Select(p => p.Key), Is.EqualTo(new[] { "lr", "layers", "width" }));
        Assert.That(importances[2].Value, Is.LessThan(0.05));
    }

    [Test]
    public void Evaluate_SameSeed_SameImportances_OtherSeed_OtherForest()
    {
        var trials = Trials(100, seed: 4, r => new() { ["a"] = r.NextDouble(), ["b"] = r.NextDouble() }, p => p["a"] + (0.5 * p["b"]) + (0.3 * Math.Sin(20 * p["b"])));

        var first = ParameterImportances.Evaluate(trials, StudyDirection.Minimize, seed: 7);
        var again = ParameterImportances.Evaluate(trials, StudyDirection.Minimize, seed: 7);
        var other = ParameterImportances.Evaluate(trials, StudyDirection.Minimize, seed: 8);

        Assert.That(again, Is.EqualTo(first));
        Assert.That(other.Select(p => p.Value), Is.Not.EqualTo(first.Select(p => p.Value)));
    }

    [Test]
    public void Evaluate_Direction_DoesNotChangeTheImportances()
    {
        var trials = Trials(100, seed: 5, r => new() { ["a"] = r.NextDouble(), ["b"] = r.NextDouble() }, p => (3 * p["a"]) + p["b"]);

        Assert.That(
            ParameterImportances.Evaluate(trials, StudyDirection.Maximize).Select(p => p.Value),
            Is.EqualTo(ParameterImportances.Evaluate(trials, StudyDirection.Minimize).Select(p => p.Value)).Within(1e-9));
    }

    [Test]
    public void Evaluate_FewerThanTwoCompleteTrials_IsEmpty()
    {
        var one = Trials(1, seed: 6, r => new() { ["a"] = r.NextDouble() }, p => p["a"]);
        var others = Enumerable.Range(1, 5).Select(n => new TrialInfo(n, TrialState.Running, One("a"), new Dictionary<string, double> { ["a"] = 0.5 })).ToList();
        var notFinite = new TrialInfo(9, TrialState.Complete, One("a"), new Dictionary<string, double> { ["a"] = 0.5 }, double.NaN);

        Assert.That(ParameterImportances.Evaluate([], StudyDirection.Minimize), Is.Empty);
        Assert.That(ParameterImportances.Evaluate(one, StudyDirection.Minimize), Is.Empty);
        Assert.That(ParameterImportances.Evaluate([.. one, .. others, notFinite], StudyDirection.Minimize), Is.Empty);
    }

    [Test]
    public void Evaluate_ParametersNotInEveryCompleteTrialOrWithAnotherDistribution_AreLeftOut()
    {
        var trials = Trials(50, seed: 7, r => new() { ["a"] = r.NextDouble(), ["b"] = r.NextDouble(), ["c"] = r.NextDouble() }, p => p["a"] + p["b"] + p["c"]);
        var wide = new Dictionary<string, ParameterDistribution> { ["a"] = Unit, ["b"] = new FloatDistribution(0, 2), ["d"] = Unit };
        trials.Add(new TrialInfo(50, TrialState.Complete, wide, new Dictionary<string, double> { ["a"] = 0.5, ["b"] = 1.5, ["d"] = 0.5 }, 1));
        trials.Add(new TrialInfo(51, TrialState.Pruned, One("z"), new Dictionary<string, double> { ["z"] = 0.5 }));

        var importances = ParameterImportances.Evaluate(trials, StudyDirection.Minimize);

        Assert.That(importances.Select(p => p.Key), Is.EqualTo(new[] { "a" }));
        Assert.That(importances[0].Value, Is.EqualTo(1));
    }

    [Test]
    public void Evaluate_ValuesThatDoNotVary_GiveEqualShares()
    {
        var trials = Trials(20, seed: 8, r => new() { ["a"] = r.NextDouble(), ["b"] = r.NextDouble() }, _ => 3);

        var importances = ParameterImportances.Evaluate(trials, StudyDirection.Minimize);

        Assert.That(importances.Select(p => p.Value), Is.EqualTo(new[] { 0.5, 0.5 }));
    }

    [Test]
    public void Evaluate_AThousandTrialsOfTenParameters_RanksThemByTheirWeight()
    {
        // Its speed is a benchmark figure (importances_ms_1000_trials_10_params in build/bench.sh), not a timed test.
        var names = Enumerable.Range(0, 10).Select(i => $"p{i}").ToArray();
        var trials = Trials(1000, seed: 9, r => names.ToDictionary(n => n, _ => r.NextDouble()), p => names.Select((n, i) => p[n] * (i + 1)).Sum());

        var importances = ParameterImportances.Evaluate(trials, StudyDirection.Minimize);

        Assert.That(importances[0].Key, Is.EqualTo("p9"));
        Assert.That(importances[^1].Key, Is.EqualTo("p0"));
    }

    private static Dictionary<string, ParameterDistribution> One(string name) => new() { [name] = Unit };

    private static List<TrialInfo> Trials(
        int count,
        int seed,
        Func<Random, Dictionary<string, double>> parameters,
        Func<Dictionary<string, double>, double> objective,
        Dictionary<string, ParameterDistribution>? distributions = null)
    {
        var random = new Random(seed);
        var trials = new List<TrialInfo>();
        for (var n = 0; n < count; n++)
        {
            var p = parameters(random);
            trials.Add(new TrialInfo(n, TrialState.Complete, distributions ?? p.Keys.ToDictionary(k => k, _ => (ParameterDistribution)Unit), p, objective(p)));
        }

        return trials;
    }
}
