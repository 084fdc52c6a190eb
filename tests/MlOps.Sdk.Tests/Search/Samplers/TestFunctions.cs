using MlOps.Sdk.Search;

namespace MlOps.Sdk.Tests.Search.Samplers;

/// <summary>A standard optimization test function on a box, with its known global minimum.</summary>
public sealed record TestFunction(string Name, double Optimum, double[] Low, double[] High, Func<double[], double> Evaluate)
{
    public int Dimensions => Low.Length;

    /// <summary>One float parameter per dimension, named x0, x1, ...</summary>
    public IReadOnlyList<(string Name, ParameterDistribution Distribution)> Space
        => [.. Enumerable.Range(0, Dimensions).Select(i => ($"x{i}", (ParameterDistribution)new FloatDistribution(Low[i], High[i])))];

    public override string ToString() => Name;
}

/// <summary>Branin, Hartmann-6, Styblinski–Tang, Rosenbrock and Ackley (definitions from the Virtual Library of Simulation Experiments, sfu.ca/~ssurjano).</summary>
public static class TestFunctions
{
    private static readonly double[] HartmannAlpha = [1.0, 1.2, 3.0, 3.2];

    private static readonly double[,] HartmannA =
    {
        { 10, 3, 17, 3.5, 1.7, 8 },
        { 0.05, 10, 17, 0.1, 8, 14 },
        { 3, 3.5, 1.7, 10, 17, 8 },
        { 17, 8, 0.05, 10, 0.1, 14 },
    };

    private static readonly double[,] HartmannP =
    {
        { 0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886 },
        { 0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991 },
        { 0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650 },
        { 0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381 },
    };

    /// <summary>Branin on [-5, 10] x [0, 15]: three global minima of 0.397887.</summary>
    public static TestFunction Branin { get; } = new("Branin", 0.397887, [-5, 0], [10, 15], x =>
    {
        const double b = 5.1 / (4 * Math.PI * Math.PI);
        const double c = 5 / Math.PI;
        const double t = 1 / (8 * Math.PI);
        var u = x[1] - (b * x[0] * x[0]) + (c * x[0]) - 6;
        return (u * u) + (10 * (1 - t) * Math.Cos(x[0])) + 10;
    });

    /// <summary>Hartmann-6 on [0, 1]^6: minimum -3.32237.</summary>
    public static TestFunction Hartmann6 { get; } = new("Hartmann-6", -3.32237, new double[6], [1, 1, 1, 1, 1, 1], x =>
    {
        var sum = 0.0;
        for (var i = 0; i < 4; i++)
        {
            var inner = 0.0;
            for (var j = 0; j < 6; j++)
            {
                var d = x[j] - HartmannP[i, j];
                inner += HartmannA[i, j] * d * d;
            }

            sum += HartmannAlpha[i] * Math.Exp(-inner);
        }

        return -sum;
    });

    /// <summary>Styblinski–Tang in 4 dimensions on [-5, 5]^4: minimum -39.16617 per dimension.</summary>
    public static TestFunction StyblinskiTang4 { get; } = new("Styblinski-Tang-4", -39.16617 * 4, [-5, -5, -5, -5], [5, 5, 5, 5], x =>
    {
        var sum = 0.0;
        foreach (var v in x)
        {
            sum += (v * v * v * v) - (16 * v * v) + (5 * v);
        }

        return sum / 2;
    });

    /// <summary>Rosenbrock in 4 dimensions on [-2.048, 2.048]^4: minimum 0 at (1, 1, 1, 1).</summary>
    public static TestFunction Rosenbrock4 { get; } = new("Rosenbrock-4", 0, [-2.048, -2.048, -2.048, -2.048], [2.048, 2.048, 2.048, 2.048], x =>
    {
        var sum = 0.0;
        for (var i = 0; i < x.Length - 1; i++)
        {
            var a = x[i + 1] - (x[i] * x[i]);
            var b = 1 - x[i];
            sum += (100 * a * a) + (b * b);
        }

        return sum;
    });

    /// <summary>Ackley in 5 dimensions on [-32.768, 32.768]^5: minimum 0 at the origin.</summary>
    public static TestFunction Ackley5 { get; } = new("Ackley-5", 0, Enumerable.Repeat(-32.768, 5).ToArray(), Enumerable.Repeat(32.768, 5).ToArray(), x =>
    {
        var squares = 0.0;
        var cosines = 0.0;
        foreach (var v in x)
        {
            squares += v * v;
            cosines += Math.Cos(2 * Math.PI * v);
        }

        return (-20 * Math.Exp(-0.2 * Math.Sqrt(squares / x.Length))) - Math.Exp(cosines / x.Length) + 20 + Math.E;
    });

    public static IReadOnlyList<TestFunction> All { get; } = [Branin, Hartmann6, StyblinskiTang4, Rosenbrock4, Ackley5];
}

/// <summary>
/// Runs a sampler on a search space sequentially, without the study machinery: ask builds a <see cref="SamplingContext"/>
/// from the trials so far and samples (relative first, then the rest one by one, in the order given); tell records a
/// complete <see cref="TrialInfo"/>.
/// </summary>
public static class SamplerDriver
{
    /// <summary>Asks the sampler for trial <paramref name="number"/>'s parameters, in the order of <paramref name="space"/>.</summary>
    public static (Dictionary<string, ParameterDistribution> Distributions, Dictionary<string, double> Values) Ask(
        Sampler sampler, int number, IReadOnlyList<TrialInfo> history, IReadOnlyList<(string Name, ParameterDistribution Distribution)> space, StudyDirection direction = StudyDirection.Minimize)
    {
        var context = new SamplingContext("driver", direction, number, history);
        var relativeSpace = sampler.InferRelativeSearchSpace(context);
        var relative = sampler.SampleRelative(context, relativeSpace);
        var distributions = new Dictionary<string, ParameterDistribution>(StringComparer.Ordinal);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, distribution) in space)
        {
            var value = relative.TryGetValue(name, out var r) && relativeSpace.TryGetValue(name, out var d) && d.Equals(distribution)
                ? r
                : sampler.SampleIndependent(new SamplingContext("driver", direction, number, history, values, distributions), name, distribution);
            distributions[name] = distribution;
            values[name] = value;
        }

        return (distributions, values);
    }

    /// <summary>Runs <paramref name="trials"/> trials of a test function and returns them, complete, in order.</summary>
    public static List<TrialInfo> Run(Sampler sampler, TestFunction function, int trials, StudyDirection direction = StudyDirection.Minimize)
    {
        var history = new List<TrialInfo>(trials);
        var space = function.Space;
        var x = new double[function.Dimensions];
        for (var n = 0; n < trials; n++)
        {
            var (distributions, values) = Ask(sampler, n, history, space, direction);
            for (var i = 0; i < x.Length; i++)
            {
                x[i] = values[space[i].Name];
            }

            var y = function.Evaluate(x);
            history.Add(new TrialInfo(n, TrialState.Complete, distributions, values, direction == StudyDirection.Maximize ? -y : y));
        }

        return history;
    }

    /// <summary>The best (smallest) function value of a run; with <paramref name="direction"/> Maximize the study saw the negated values.</summary>
    public static double Best(IReadOnlyList<TrialInfo> trials, StudyDirection direction = StudyDirection.Minimize)
        => trials.Min(t => direction == StudyDirection.Maximize ? -t.Value!.Value : t.Value!.Value);
}
