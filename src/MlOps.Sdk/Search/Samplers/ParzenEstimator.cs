using System.Runtime.CompilerServices;
namespace MlOps.Sdk.Search;

/// <summary>
/// A parameter's range as TPE models it: the log of the value on a log scale, the value otherwise; integers and stepped
/// floats keep their step (their kernels give the mass of a step's cell); a log-scale integer is continuous over
/// [log(low - 0.5), log(high + 0.5)] and rounded back.
/// </summary>
internal readonly struct ParzenSpace
{
    public ParzenSpace(ParameterDistribution distribution)
    {
        Distribution = distribution;
        switch (distribution)
        {
            case FloatDistribution { Log: true } f:
                Low = Math.Log(f.Low);
                High = Math.Log(f.High);
                Log = true;
                break;
            case FloatDistribution f:
                Low = f.Low;
                High = f.High;
                Step = f.Step ?? 0;
                break;
            case IntDistribution { Log: true } i:
                Low = Math.Log(i.Low - 0.5);
                High = Math.Log(i.High + 0.5);
                Log = true;
                break;
            case IntDistribution i:
                Low = i.Low;
                High = i.High;
                Step = i.Step;
                break;
            case CategoricalDistribution c:
                ChoiceCount = c.Choices.Count;
                break;
            default:
                throw new ArgumentException($"The distribution {distribution} is not one TPE knows.", nameof(distribution));
        }
    }

    public ParameterDistribution Distribution { get; }

    /// <summary>Gets the low end (transformed; a grid's first point for a stepped range).</summary>
    public double Low { get; }

    /// <summary>Gets the high end (transformed; a grid's last point for a stepped range).</summary>
    public double High { get; }

    /// <summary>Gets the step, 0 for a continuous range.</summary>
    public double Step { get; }

    public bool Log { get; }

    /// <summary>Gets the number of choices of a categorical parameter, 0 for a numeric one.</summary>
    public int ChoiceCount { get; }

    public bool IsCategorical => ChoiceCount > 0;

    public double Transform(double internalValue) => Log ? Math.Log(internalValue) : internalValue;

    public double Untransform(double value) => Distribution.Clamp(Log ? Math.Exp(value) : value);
}

/// <summary>
/// Optuna's Parzen estimator: one kernel per observation plus a prior kernel, weighted; in several dimensions a kernel is
/// the product of one kernel per dimension (the same observation in each). Built for one sampling call and thrown away,
/// so it needs no locking.
/// </summary>
internal sealed class ParzenEstimator
{
    private readonly double[] _logWeights;
    private readonly double[] _cumulative;
    private readonly ParzenDimension[] _dimensions;

    // observations: per dimension, the transformed values of the count observations, oldest first.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ParzenEstimator(double[][] observations, int count, ParzenSpace[] spaces, TpeSamplerOptions options)
    {
        var weights = new double[count + 1];
        if (count > 0)
        {
            var given = options.Weights is { } custom ? custom(count) : TpeSampler.DefaultWeights(count);
            if (given is null || given.Count != count)
            {
                throw new InvalidOperationException($"The TPE weights function returned {given?.Count ?? 0} weights for {count} trials.");
            }

            for (var i = 0; i < count; i++)
            {
                if (!double.IsFinite(given[i]) || given[i] < 0)
                {
                    throw new InvalidOperationException($"The TPE weights function returned {given[i]} for a trial; weights must be finite and not negative.");
                }

                weights[i] = given[i];
            }

            weights[count] = options.PriorWeight;
        }
        else
        {
            weights[0] = 1.0;
        }

        var total = 0.0;
        foreach (var w in weights)
        {
            total += w;
        }

        _logWeights = new double[weights.Length];
        _cumulative = new double[weights.Length];
        var running = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] /= total;
            _logWeights[i] = Math.Log(weights[i]);
            running += weights[i];
            _cumulative[i] = running;
        }

        _dimensions = new ParzenDimension[spaces.Length];
        var multivariateDimensions = spaces.Length > 1 ? spaces.Length : 0;
        for (var d = 0; d < spaces.Length; d++)
        {
            _dimensions[d] = spaces[d].IsCategorical
                ? new CategoricalDimension(observations[d], count, spaces[d].ChoiceCount, options.PriorWeight, weights)
                : new NumericDimension(observations[d], count, spaces[d], options, multivariateDimensions, weights);
        }
    }

    public int KernelCount => _logWeights.Length;

    /// <summary>Draws one point: a kernel by weight, then a value from that kernel in each dimension (transformed; a stepped value on its grid).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Sample(ref SearchRandom random, Span<double> point)
    {
        var u = random.NextDouble();
        var kernel = Array.BinarySearch(_cumulative, u);
        kernel = kernel < 0 ? ~kernel : kernel;
        kernel = Math.Min(kernel, _cumulative.Length - 1);
        for (var d = 0; d < _dimensions.Length; d++)
        {
            point[d] = _dimensions[d].Sample(kernel, ref random);
        }
    }

    /// <summary>The log density at a point; <paramref name="scratch"/> holds at least <see cref="KernelCount"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double LogDensity(ReadOnlySpan<double> point, Span<double> scratch)
    {
        if (_dimensions.Length == 1)
        {
            return _dimensions[0].LogMixtureDensity(point[0]);
        }

        var perKernel = scratch[.._logWeights.Length];
        _logWeights.CopyTo(perKernel);
        for (var d = 0; d < _dimensions.Length; d++)
        {
            _dimensions[d].AddLogDensity(point[d], perKernel);
        }

        return Gaussian.LogSumExp(perKernel);
    }
}

/// <summary>One dimension of a Parzen estimator: a kernel per observation and the prior kernel last.</summary>
internal abstract class ParzenDimension
{
    /// <summary>Draws from one kernel.</summary>
    public abstract double Sample(int kernel, ref SearchRandom random);

    /// <summary>Adds each kernel's log density at <paramref name="value"/> to <paramref name="perKernel"/>.</summary>
    public abstract void AddLogDensity(double value, Span<double> perKernel);

    /// <summary>The log density of the weighted mixture of this dimension's kernels.</summary>
    public abstract double LogMixtureDensity(double value);
}

/// <summary>Truncated normal kernels (a step's cell mass for a stepped range), with Optuna's bandwidths.</summary>
internal sealed class NumericDimension : ParzenDimension
{
    private const double Epsilon = 1e-12;
    private readonly double[] _mu;
    private readonly double[] _sigma;
    private readonly double[] _invSigma;
    private readonly double[] _logNormalizer;
    private readonly double[] _mixtureCoefficient;
    private readonly double _low;
    private readonly double _high;
    private readonly double _step;
    private readonly double _lower;
    private readonly double _upper;

    // multivariateDimensions: the dimension count of a multivariate estimator (Scott-like bandwidth), 0 for a univariate one (Optuna's neighbour rule).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public NumericDimension(double[] observations, int count, ParzenSpace space, TpeSamplerOptions options, int multivariateDimensions, double[] weights)
    {
        _low = space.Low;
        _high = space.High;
        _step = space.Step;
        _lower = _low - (_step / 2);
        _upper = _high + (_step / 2);
        var range = _high - _low + _step;
        var kernels = count + 1;
        _mu = new double[kernels];
        _sigma = new double[kernels];
        Array.Copy(observations, _mu, count);
        var priorMu = 0.5 * (_low + _high);
        _mu[count] = priorMu;

        if (multivariateDimensions > 0)
        {
            var sigma = 0.2 * Math.Pow(Math.Max(count, 1), -1.0 / (multivariateDimensions + 4)) * range;
            Array.Fill(_sigma, sigma, 0, count);
        }
        else
        {
            NeighbourBandwidths(count, options.ConsiderEndpoints);
        }

        var maxSigma = range;
        var minSigma = options.ConsiderMagicClip ? range / Math.Min(100.0, 1.0 + kernels) : Epsilon;
        for (var k = 0; k < count; k++)
        {
            _sigma[k] = Math.Clamp(_sigma[k], minSigma, Math.Max(minSigma, maxSigma));
        }

        _sigma[count] = range;
        _invSigma = new double[kernels];
        _logNormalizer = new double[kernels];
        _mixtureCoefficient = new double[kernels];
        for (var k = 0; k < kernels; k++)
        {
            var sigma = Math.Max(_sigma[k], Epsilon);
            _sigma[k] = sigma;
            _invSigma[k] = 1.0 / sigma;
            var accept = Math.Max(Gaussian.Mass((_lower - _mu[k]) * _invSigma[k], (_upper - _mu[k]) * _invSigma[k]), 1e-300);
            var logAccept = Math.Log(accept);
            if (_step > 0)
            {
                _logNormalizer[k] = -logAccept;
                _mixtureCoefficient[k] = weights[k] / accept;
            }
            else
            {
                _logNormalizer[k] = -logAccept - Math.Log(sigma) - Gaussian.LogSqrtTwoPi;
                _mixtureCoefficient[k] = weights[k] * Math.Exp(_logNormalizer[k]);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Sample(int kernel, ref SearchRandom random)
    {
        var mu = _mu[kernel];
        var sigma = _sigma[kernel];
        var value = double.NaN;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var x = mu + (sigma * random.NextNormal());
            if (x >= _lower && x <= _upper)
            {
                value = x;
                break;
            }
        }

        if (double.IsNaN(value))
        {
            value = _lower + (random.NextDouble() * (_upper - _lower));
        }

        if (_step > 0)
        {
            value = Math.Clamp(_low + (Math.Round((value - _low) / _step) * _step), _low, _high);
        }

        return value;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void AddLogDensity(double value, Span<double> perKernel)
    {
        var mu = _mu;
        var invSigma = _invSigma;
        var logNormalizer = _logNormalizer;
        if (_step > 0)
        {
            var a = Math.Max(value - (_step / 2), _lower);
            var b = Math.Min(value + (_step / 2), _upper);
            for (var k = 0; k < perKernel.Length; k++)
            {
                perKernel[k] += Math.Log(Gaussian.Mass((a - mu[k]) * invSigma[k], (b - mu[k]) * invSigma[k])) + logNormalizer[k];
            }

            return;
        }

        for (var k = 0; k < perKernel.Length; k++)
        {
            var z = (value - mu[k]) * invSigma[k];
            perKernel[k] += (-0.5 * z * z) + logNormalizer[k];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double LogMixtureDensity(double value)
    {
        var mu = _mu;
        var invSigma = _invSigma;
        var coefficient = _mixtureCoefficient;
        var sum = 0.0;
        if (_step > 0)
        {
            var a = Math.Max(value - (_step / 2), _lower);
            var b = Math.Min(value + (_step / 2), _upper);
            for (var k = 0; k < mu.Length; k++)
            {
                var za = (a - mu[k]) * invSigma[k];
                var zb = (b - mu[k]) * invSigma[k];

                // Beyond 9 standard deviations a kernel's mass is below 1e-18: less than a 1e-12 share of the prior
                // kernel's, which always covers the point. Skipping it saves two error functions.
                if (za < 9 && zb > -9)
                {
                    sum += coefficient[k] * Gaussian.Mass(za, zb);
                }
            }
        }
        else
        {
            for (var k = 0; k < mu.Length; k++)
            {
                // Beyond 9 standard deviations a kernel adds less than a 1e-12 share of what the prior kernel adds.
                var z = (value - mu[k]) * invSigma[k];
                var square = z * z;
                if (square < 81)
                {
                    sum += coefficient[k] * Math.Exp(-0.5 * square);
                }
            }
        }

        return Math.Log(sum);
    }

    /// <summary>Optuna's univariate rule: a kernel is as wide as the larger gap to its neighbours (the prior's centre among them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void NeighbourBandwidths(int count, bool considerEndpoints)
    {
        var n = count + 1;
        var sorted = new double[n];
        var order = new int[n];
        Array.Copy(_mu, sorted, n);
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(sorted, order);
        for (var i = 0; i < n; i++)
        {
            var left = i == 0 ? _low - (_step / 2) : sorted[i - 1];
            var right = i == n - 1 ? _high + (_step / 2) : sorted[i + 1];
            var sigma = Math.Max(sorted[i] - left, right - sorted[i]);
            if (!considerEndpoints && n >= 2)
            {
                if (i == 0)
                {
                    sigma = right - sorted[i];
                }
                else if (i == n - 1)
                {
                    sigma = sorted[i] - left;
                }
            }

            if (order[i] < count)
            {
                _sigma[order[i]] = sigma;
            }
        }
    }
}

/// <summary>Categorical kernels: each puts its observation's choice above a share of the prior weight spread over all choices.</summary>
internal sealed class CategoricalDimension : ParzenDimension
{
    private readonly int[] _observed;
    private readonly int _choices;
    private readonly double _matchProbability;
    private readonly double _logMatch;
    private readonly double _logMiss;
    private readonly double[] _logMixture;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public CategoricalDimension(double[] observations, int count, int choices, double priorWeight, double[] weights)
    {
        _choices = choices;
        _observed = new int[count + 1];
        for (var k = 0; k < count; k++)
        {
            _observed[k] = (int)observations[k];
        }

        _observed[count] = -1;
        var share = priorWeight / (count + 1);
        var rowSum = (choices * share) + 1.0;
        _matchProbability = 1.0 / rowSum;
        _logMatch = Math.Log((share + 1.0) / rowSum);
        _logMiss = Math.Log(share / rowSum);

        var mixture = new double[choices];
        var observedWeight = 0.0;
        for (var k = 0; k < count; k++)
        {
            observedWeight += weights[k];
            mixture[_observed[k]] += weights[k] / rowSum;
        }

        _logMixture = new double[choices];
        for (var c = 0; c < choices; c++)
        {
            _logMixture[c] = Math.Log(mixture[c] + (observedWeight * share / rowSum) + (weights[count] / choices));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Sample(int kernel, ref SearchRandom random)
    {
        var observed = _observed[kernel];
        if (observed >= 0 && random.NextDouble() < _matchProbability)
        {
            return observed;
        }

        return random.NextInt(_choices);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void AddLogDensity(double value, Span<double> perKernel)
    {
        var choice = (int)value;
        var logUniform = -Math.Log(_choices);
        for (var k = 0; k < perKernel.Length; k++)
        {
            var observed = _observed[k];
            perKernel[k] += observed < 0 ? logUniform : observed == choice ? _logMatch : _logMiss;
        }
    }

    public override double LogMixtureDensity(double value) => _logMixture[(int)value];
}
