using System.Runtime.CompilerServices;
using MlOps.Sdk.Internal;

namespace MlOps.Sdk.Search;

/// <summary>
/// The Tree-structured Parzen Estimator, as Optuna implements it: finished trials are split into a few good ones and
/// the rest, each group's parameters are modelled by a Parzen estimator (l for the good, g for the rest), and the
/// candidate drawn from l with the best l(x)/g(x) is suggested.
/// </summary>
/// <remarks>
/// <para>
/// Until <see cref="TpeSamplerOptions.StartupTrials"/> trials are complete (or pruned), parameters are drawn as
/// <see cref="RandomSampler"/> with the same seed draws them. Pruned trials rank below every complete one, by the last
/// step they reached and then its value. With <see cref="TpeSamplerOptions.ConstantLiar"/>, running trials join the bad
/// group, so parallel workers do not crowd the current best.
/// </para>
/// <para>
/// One by one (the default), a parameter is modelled from the trials that have it with the same distribution. With
/// <see cref="TpeSamplerOptions.Multivariate"/>, the parameters every complete trial has (with the same distribution)
/// are modelled jointly when a trial starts; others fall back to one by one.
/// </para>
/// <para>
/// Every draw comes from a generator derived from the seed, the trial's number and the parameter's name: the sampler is
/// thread-safe, and with a fixed seed a trial's parameters depend only on the trials it sees.
/// </para>
/// </remarks>
public class TpeSampler : Sampler
{
    private const string RelativeStream = "\0tpe-relative";
    private readonly TpeSamplerOptions _options;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range.</exception>
    public TpeSampler(TpeSamplerOptions? options = null)
    {
        options ??= new TpeSamplerOptions();
        OptionsValidation.ThrowIfInvalid(options);
        _options = new TpeSamplerOptions
        {
            Seed = options.Seed,
            StartupTrials = options.StartupTrials,
            EiCandidates = options.EiCandidates,
            Multivariate = options.Multivariate,
            ConstantLiar = options.ConstantLiar,
            PriorWeight = options.PriorWeight,
            ConsiderMagicClip = options.ConsiderMagicClip,
            ConsiderEndpoints = options.ConsiderEndpoints,
            Gamma = options.Gamma,
            Weights = options.Weights,
        };
        Seed = options.Seed ?? Random.Shared.Next();
    }

    /// <summary>Gets the seed in use (the one given, or the one chosen for an unseeded sampler).</summary>
    public int Seed { get; }

    /// <summary>Optuna's default split: min(ceil(0.1 n), 25) of <paramref name="n"/> finished trials are good.</summary>
    /// <param name="n">The number of finished (complete or pruned) trials.</param>
    /// <returns>How many count as good.</returns>
    public static int DefaultGamma(int n) => Math.Min((int)Math.Ceiling(0.1 * n), 25);

    /// <summary>Optuna's default weights of <paramref name="n"/> trials, oldest first: ones below 25, else a ramp from 1/n to 1 then 25 ones.</summary>
    /// <param name="n">The number of trials.</param>
    /// <returns>The weights.</returns>
    public static double[] DefaultWeights(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var weights = new double[n];
        if (n < 25)
        {
            Array.Fill(weights, 1.0);
            return weights;
        }

        var ramp = n - 25;
        for (var i = 0; i < ramp; i++)
        {
            weights[i] = ramp == 1 ? 1.0 / n : (1.0 / n) + ((1.0 - (1.0 / n)) * i / (ramp - 1));
        }

        Array.Fill(weights, 1.0, ramp, 25);
        return weights;
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, ParameterDistribution> InferRelativeSearchSpace(SamplingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!_options.Multivariate)
        {
            return EmptySpace;
        }

        Dictionary<string, ParameterDistribution>? space = null;
        foreach (var trial in context.Trials)
        {
            if (trial.State != TrialState.Complete)
            {
                continue;
            }

            if (space is null)
            {
                space = new Dictionary<string, ParameterDistribution>(StringComparer.Ordinal);
                foreach (var (name, distribution) in trial.Distributions)
                {
                    if (!distribution.IsSingle && trial.InternalParameters.ContainsKey(name))
                    {
                        space[name] = distribution;
                    }
                }

                continue;
            }

            foreach (var (name, distribution) in space)
            {
                if (!trial.InternalParameters.ContainsKey(name) || !trial.Distributions.TryGetValue(name, out var other) || !SameDistribution(distribution, other))
                {
                    space.Remove(name);
                }
            }
        }

        if (space is null || space.Count == 0)
        {
            return EmptySpace;
        }

        var ordered = new Dictionary<string, ParameterDistribution>(StringComparer.Ordinal);
        foreach (var name in space.Keys.Order(StringComparer.Ordinal))
        {
            ordered[name] = space[name];
        }

        return ordered.AsReadOnly();
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> SampleRelative(SamplingContext context, IReadOnlyDictionary<string, ParameterDistribution> searchSpace)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(searchSpace);
        if (!_options.Multivariate || searchSpace.Count == 0 || FinishedCount(context) < _options.StartupTrials)
        {
            return NoValues;
        }

        var names = new string[searchSpace.Count];
        var spaces = new ParzenSpace[searchSpace.Count];
        var i = 0;
        foreach (var name in searchSpace.Keys.Order(StringComparer.Ordinal))
        {
            names[i] = name;
            spaces[i] = new ParzenSpace(searchSpace[name]);
            i++;
        }

        var random = SearchRandom.For(Seed, context.TrialNumber, RelativeStream);
        var best = Suggest(context, names, spaces, ref random);
        var result = new Dictionary<string, double>(names.Length, StringComparer.Ordinal);
        for (var d = 0; d < names.Length; d++)
        {
            result[names[d]] = spaces[d].Untransform(best[d]);
        }

        return result.AsReadOnly();
    }

    /// <inheritdoc />
    public override double SampleIndependent(SamplingContext context, string name, ParameterDistribution distribution)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(distribution);
        var random = SearchRandom.For(Seed, context.TrialNumber, name);
        if (distribution.IsSingle || FinishedCount(context) < _options.StartupTrials)
        {
            return UniformSampling.Sample(distribution, ref random);
        }

        var spaces = new[] { new ParzenSpace(distribution) };
        var best = Suggest(context, [name], spaces, ref random);
        return spaces[0].Untransform(best[0]);
    }

    private static bool SameDistribution(ParameterDistribution a, ParameterDistribution b) => ReferenceEquals(a, b) || a.Equals(b);

    private static int FinishedCount(SamplingContext context)
    {
        var count = 0;
        var trials = context.Trials;
        for (var i = 0; i < trials.Count; i++)
        {
            if (trials[i].State is TrialState.Complete or TrialState.Pruned)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Builds l and g over the named parameters, draws the candidates from l, and returns the best one (transformed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double[] Suggest(SamplingContext context, string[] names, ParzenSpace[] spaces, ref SearchRandom random)
    {
        var (below, above) = Split(context);
        var good = Estimator(below, names, spaces);
        var bad = Estimator(above, names, spaces);
        var dimensions = names.Length;
        var scratch = new double[Math.Max(good.KernelCount, bad.KernelCount)];
        var candidates = new double[_options.EiCandidates * dimensions];
        var best = new double[dimensions];
        var bestScore = double.NegativeInfinity;
        for (var c = 0; c < _options.EiCandidates; c++)
        {
            var candidate = candidates.AsSpan(c * dimensions, dimensions);
            good.Sample(ref random, candidate);

            // A candidate drawn twice (stepped and categorical values often are) scores the same: the first one stands.
            if (SeenBefore(candidates, c, dimensions))
            {
                continue;
            }

            var score = good.LogDensity(candidate, scratch) - bad.LogDensity(candidate, scratch);
            if (double.IsNaN(score))
            {
                // Both densities vanished (or a numerical accident): never the best, never in the way of a real score.
                score = double.NegativeInfinity;
            }

            if (c == 0 || score > bestScore)
            {
                bestScore = score;
                candidate.CopyTo(best);
            }
        }

        return best;
    }

    private static bool SeenBefore(double[] candidates, int index, int dimensions)
    {
        var candidate = candidates.AsSpan(index * dimensions, dimensions);
        for (var c = 0; c < index; c++)
        {
            if (candidates.AsSpan(c * dimensions, dimensions).SequenceEqual(candidate))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A Parzen estimator over the trials of a group that have every named parameter with its distribution.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ParzenEstimator Estimator(List<TrialInfo> trials, string[] names, ParzenSpace[] spaces)
    {
        var observations = new double[names.Length][];
        for (var d = 0; d < names.Length; d++)
        {
            observations[d] = new double[trials.Count];
        }

        var count = 0;
        foreach (var trial in trials)
        {
            var complete = true;
            for (var d = 0; d < names.Length && complete; d++)
            {
                complete = trial.InternalParameters.TryGetValue(names[d], out var value)
                           && trial.Distributions.TryGetValue(names[d], out var distribution)
                           && SameDistribution(distribution, spaces[d].Distribution);
                if (complete)
                {
                    observations[d][count] = spaces[d].Transform(value);
                }
            }

            if (complete)
            {
                count++;
            }
        }

        return new ParzenEstimator(observations, count, spaces, _options);
    }

    /// <summary>
    /// Optuna's split: the best gamma(n) complete trials are good, topped up with the best pruned ones (furthest step,
    /// then value); the rest, and running trials under a constant liar, are bad. Both groups in number order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (List<TrialInfo> Below, List<TrialInfo> Above) Split(SamplingContext context)
    {
        var sign = context.Direction == StudyDirection.Maximize ? -1.0 : 1.0;
        var complete = new List<(double Score, TrialInfo Trial)>();
        var pruned = new List<(long Step, double Score, TrialInfo Trial)>();
        var above = new List<TrialInfo>();
        foreach (var trial in context.Trials)
        {
            switch (trial.State)
            {
                case TrialState.Complete when trial.Value is { } value && !double.IsNaN(value):
                    complete.Add((sign * value, trial));
                    break;
                case TrialState.Pruned:
                    var (step, reportedValue) = trial.LastReport ?? (long.MinValue, 0.0);
                    var score = double.IsNaN(reportedValue) ? double.PositiveInfinity : sign * reportedValue;
                    pruned.Add((step, score, trial));
                    break;
                case TrialState.Running when _options.ConstantLiar:
                    above.Add(trial);
                    break;
            }
        }

        var n = complete.Count + pruned.Count;
        var goodCount = Math.Clamp(_options.Gamma is { } gamma ? gamma(n) : DefaultGamma(n), 0, n);
        complete.Sort(static (a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : a.Trial.Number.CompareTo(b.Trial.Number));
        pruned.Sort(static (a, b) => a.Step != b.Step ? b.Step.CompareTo(a.Step) : a.Score != b.Score ? a.Score.CompareTo(b.Score) : a.Trial.Number.CompareTo(b.Trial.Number));
        var below = new List<TrialInfo>(goodCount);
        for (var i = 0; i < complete.Count; i++)
        {
            (i < goodCount ? below : above).Add(complete[i].Trial);
        }

        goodCount -= Math.Min(goodCount, complete.Count);
        for (var i = 0; i < pruned.Count; i++)
        {
            (i < goodCount ? below : above).Add(pruned[i].Trial);
        }

        below.Sort(static (a, b) => a.Number.CompareTo(b.Number));
        above.Sort(static (a, b) => a.Number.CompareTo(b.Number));
        return (below, above);
    }
}
