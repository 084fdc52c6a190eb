using MlOps.Sdk.Search;

namespace MlOps.Sdk.Tests.Search.Pruners;

/// <summary>
/// A small sequential driver standing in for the study machinery: random parameters, a synthetic learning curve reported
/// step by step, the pruner asked after every report, the trial told Complete or Pruned. A trial's parameters and curve
/// depend only on the seed and its number, so runs with and without a pruner evaluate the same trials.
/// </summary>
internal static class LearningCurveStudy
{
    public const int Steps = 100;

    private static readonly Dictionary<string, ParameterDistribution> Space = new()
    {
        ["x"] = new FloatDistribution(-3, 3),
        ["y"] = new FloatDistribution(-3, 3),
        ["lr"] = new FloatDistribution(1e-4, 1, log: true),
    };

    public static Outcome Run(Pruner? pruner, int trials, int seed, string study = "curves")
    {
        var done = new List<TrialInfo>();
        var stepsRun = 0;
        var finals = new double[trials];
        for (var number = 0; number < trials; number++)
        {
            var (parameters, curve) = Draw(seed, number);
            finals[number] = curve[Steps];
            var reported = new SortedList<long, double>();
            var pruned = false;
            for (var step = 1; step <= Steps; step++)
            {
                reported[step] = curve[step];
                stepsRun++;
                if (pruner is not null && pruner.ShouldPrune(new PruningContext(study, StudyDirection.Minimize, number, reported, done)))
                {
                    pruned = true;
                    break;
                }
            }

            done.Add(new TrialInfo(number, pruned ? TrialState.Pruned : TrialState.Complete, Space, parameters, pruned ? null : curve[Steps], reported));
        }

        return new Outcome(done, stepsRun, finals);
    }

    /// <summary>
    /// The trial's parameters and its curve at steps 0..100: the final loss f = (x − 1)² + (y + 1)² / 2 + (log10 lr + 2)²
    /// plus noise, approached as f + a·e^(−t/τ) with a trial-specific height a and pace τ and a little noise per step,
    /// so that early values rank trials only roughly as their final values do.
    /// </summary>
    private static (Dictionary<string, double> Parameters, double[] Curve) Draw(int seed, int number)
    {
        var random = new Random((seed * 100_003) + number);
        var x = -3 + (6 * random.NextDouble());
        var y = -3 + (6 * random.NextDouble());
        var lr = Math.Pow(10, -4 + (4 * random.NextDouble()));
        var final = ((x - 1) * (x - 1)) + ((y + 1) * (y + 1) / 2) + Math.Pow(Math.Log10(lr) + 2, 2) + (0.05 * Gaussian(random));
        var height = 4 + (4 * random.NextDouble());
        var pace = 5 + (25 * random.NextDouble());
        var curve = new double[Steps + 1];
        for (var t = 0; t <= Steps; t++)
        {
            curve[t] = final + (height * Math.Exp(-t / pace)) + (t == Steps ? 0 : 0.05 * Gaussian(random));
        }

        return (new Dictionary<string, double> { ["x"] = x, ["y"] = y, ["lr"] = lr }, curve);
    }

    private static double Gaussian(Random random)
        => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    public sealed record Outcome(IReadOnlyList<TrialInfo> Trials, int StepsRun, double[] Finals)
    {
        /// <summary>Gets the best value of the trials that completed.</summary>
        public double Best => Trials.Where(t => t.State == TrialState.Complete).Min(t => t.Value!.Value);

        /// <summary>Gets the number of the trial with the best final value, had every trial run to the end.</summary>
        public int TrueBestNumber => Array.IndexOf(Finals, Finals.Min());
    }
}
