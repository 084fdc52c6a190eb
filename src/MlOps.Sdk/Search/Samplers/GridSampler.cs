using System.Globalization;

namespace MlOps.Sdk.Search;

/// <summary>Options of a <see cref="GridSampler"/>.</summary>
public sealed class GridSamplerOptions
{
    /// <summary>Gets or sets the seed of the order the grid's points are visited in.</summary>
    /// <value>Default <see langword="null"/>: a random order, chosen once per sampler.</value>
    public int? Seed { get; set; }
}

/// <summary>
/// Tries every combination of the listed values once, in a seeded random order; the search stops when every point has
/// a finished or running trial.
/// </summary>
/// <remarks>
/// <para>
/// The point a trial gets is chosen when it suggests its first grid parameter, from the trials the study knows then: a
/// point counts as visited when some other trial (in any state) has exactly its values, or when a running trial of this
/// sampler chose it and has suggested only part of it so far (the sampler holds that choice until the trial ends). Among
/// the unvisited points, in the seeded order, the trial takes the one at position <c>trial number mod (unvisited
/// count)</c>, so workers that start trials at the same time with the same view of the study take different points.
/// Once every point is visited, points are reused the same way. Within one process a point is therefore never taken
/// twice while unvisited points remain; workers in other processes see a trial's point once it has suggested all of it.
/// </para>
/// <para>
/// Every suggestion of a trial is consistent with the values the trial already has: a later parameter is taken from a
/// point that agrees with the earlier ones, so a trial always ends on a grid point even if other workers moved on in
/// between.
/// </para>
/// <para>
/// Values are matched by number for float and integer parameters and by their invariant-culture text (<c>null</c> as
/// "null") for categorical ones.
/// </para>
/// </remarks>
public class GridSampler : Sampler
{
    private readonly string[] _names;
    private readonly GridAxis[] _axes;
    private readonly int[] _order;
    private readonly int _pointCount;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Study, int Trial), int> _chosen = [];

    /// <summary>Initializes a new instance.</summary>
    /// <param name="searchSpace">The values to try, by parameter name: at least one parameter, each with at least one value, no value twice.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="searchSpace"/> or one of its lists is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The space is empty, a list is empty or holds a value twice, or the grid has more than <see cref="int.MaxValue"/> points.</exception>
    public GridSampler(IReadOnlyDictionary<string, IReadOnlyList<object?>> searchSpace, GridSamplerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(searchSpace);
        if (searchSpace.Count == 0)
        {
            throw new ArgumentException("A grid needs at least one parameter; the search space is empty.", nameof(searchSpace));
        }

        _names = [.. searchSpace.Keys.Order(StringComparer.Ordinal)];
        _axes = new GridAxis[_names.Length];
        long count = 1;
        for (var i = 0; i < _names.Length; i++)
        {
            var values = searchSpace[_names[i]] ?? throw new ArgumentNullException(nameof(searchSpace), $"The grid's list for '{_names[i]}' is null.");
            _axes[i] = new GridAxis(_names[i], values, nameof(searchSpace));
            count *= values.Count;
            if (count > int.MaxValue)
            {
                throw new ArgumentException($"The grid has more than {int.MaxValue} points.", nameof(searchSpace));
            }
        }

        _pointCount = (int)count;
        Seed = options?.Seed ?? Random.Shared.Next();
        _order = new int[_pointCount];
        for (var i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }

        var random = SearchRandom.FromSeed(Seed);
        for (var i = _order.Length - 1; i > 0; i--)
        {
            var j = random.NextInt(i + 1);
            (_order[i], _order[j]) = (_order[j], _order[i]);
        }
    }

    /// <summary>Gets the seed of the visiting order in use.</summary>
    public int Seed { get; }

    /// <summary>Gets the number of points in the grid.</summary>
    public int PointCount => _pointCount;

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="name"/> is not in the grid, or <paramref name="distribution"/> cannot hold one of its values.</exception>
    public override double SampleIndependent(SamplingContext context, string name, ParameterDistribution distribution)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(distribution);
        var axisIndex = Array.BinarySearch(_names, name, StringComparer.Ordinal);
        if (axisIndex < 0)
        {
            throw new ArgumentException($"The parameter '{name}' is not in the grid (which has {string.Join(", ", _names)}).", nameof(name));
        }

        var axis = _axes[axisIndex];
        var internalValues = axis.ToInternal(distribution, nameof(distribution));
        var point = ChoosePoint(context);
        return internalValues[Coordinate(point, axisIndex)];
    }

    /// <inheritdoc />
    public override bool IsExhausted(SamplingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var covered = new bool[_pointCount];
        var remaining = _pointCount;
        lock (_gate)
        {
            foreach (var trial in context.Trials)
            {
                if (trial.State is TrialState.Complete or TrialState.Pruned or TrialState.Failed or TrialState.Running
                    && TakenPoint(context.StudyName, trial) is var covering && covering >= 0 && !covered[covering])
                {
                    covered[covering] = true;
                    remaining--;
                }
            }
        }

        return remaining == 0;
    }

    /// <summary>The grid point a trial gets, given the study as known now and the values the trial has already.</summary>
    private int ChoosePoint(SamplingContext context)
    {
        // The values this trial has already fix some coordinates; the point must agree with them.
        var fixedCoordinates = FixedCoordinates(context.Parameters, context.Distributions, out var anyFixed);
        lock (_gate)
        {
            var visited = new bool[_pointCount];
            foreach (var trial in context.Trials)
            {
                if (trial.Number == context.TrialNumber)
                {
                    continue;
                }

                if (trial.State != TrialState.Running)
                {
                    // An ended trial holds no point: it has all of its point's values, or it never will.
                    _chosen.Remove((context.StudyName, trial.Number));
                }

                if (TakenPoint(context.StudyName, trial) is var taken && taken >= 0)
                {
                    visited[taken] = true;
                }
            }

            // The trial keeps its point unless another trial has since taken all of it (another worker's) or it left it.
            var key = (context.StudyName, context.TrialNumber);
            if (_chosen.TryGetValue(key, out var held) && !visited[held] && (!anyFixed || Agrees(held, fixedCoordinates)))
            {
                return held;
            }

            var chosen = ChooseFrom(context.TrialNumber, visited, fixedCoordinates, anyFixed);
            _chosen[key] = chosen;
            return chosen;
        }
    }

    /// <summary>Among the points agreeing with the fixed coordinates, the unvisited one (or, when none is left, any one) at the trial number's position.</summary>
    private int ChooseFrom(int trialNumber, bool[] visited, int[] fixedCoordinates, bool anyFixed)
    {
        var unvisited = 0;
        var consistent = 0;
        foreach (var point in _order)
        {
            if (!anyFixed || Agrees(point, fixedCoordinates))
            {
                consistent++;
                if (!visited[point])
                {
                    unvisited++;
                }
            }
        }

        var takeUnvisited = unvisited > 0;
        var target = (int)((uint)trialNumber % (uint)(takeUnvisited ? unvisited : consistent));
        foreach (var point in _order)
        {
            if ((!anyFixed || Agrees(point, fixedCoordinates)) && (!takeUnvisited || !visited[point]) && target-- == 0)
            {
                return point;
            }
        }

        throw new InvalidOperationException("Unreachable: a grid always has a point consistent with the values a trial has.");
    }

    /// <summary>The point a trial has all the values of, else the one it holds; -1 for neither. Call under the gate.</summary>
    private int TakenPoint(string studyName, TrialInfo trial) => PointOf(trial) is var point && point >= 0 ? point : HeldPoint(studyName, trial);

    /// <summary>
    /// The point a running trial of this sampler chose and has suggested only part of, or -1: one it has left (another
    /// worker's trial, an ended one, or one whose values no longer agree with the choice) holds nothing.
    /// </summary>
    private int HeldPoint(string studyName, TrialInfo trial)
    {
        if (trial.State != TrialState.Running || !_chosen.TryGetValue((studyName, trial.Number), out var held))
        {
            return -1;
        }

        var fixedCoordinates = FixedCoordinates(trial.InternalParameters, trial.Distributions, out var anyFixed);
        return !anyFixed || Agrees(held, fixedCoordinates) ? held : -1;
    }

    /// <summary>The grid coordinates some values fix (-1 for an axis they leave open).</summary>
    private int[] FixedCoordinates(IReadOnlyDictionary<string, double> parameters, IReadOnlyDictionary<string, ParameterDistribution> distributions, out bool anyFixed)
    {
        var fixedCoordinates = new int[_axes.Length];
        anyFixed = false;
        for (var i = 0; i < _axes.Length; i++)
        {
            fixedCoordinates[i] = -1;
            if (parameters.TryGetValue(_names[i], out var value) && distributions.TryGetValue(_names[i], out var distribution))
            {
                fixedCoordinates[i] = _axes[i].IndexOf(distribution, value);
                anyFixed |= fixedCoordinates[i] >= 0;
            }
        }

        return fixedCoordinates;
    }

    private bool Agrees(int point, int[] fixedCoordinates)
    {
        for (var i = _axes.Length - 1; i >= 0; i--)
        {
            var coordinate = point % _axes[i].Count;
            point /= _axes[i].Count;
            if (fixedCoordinates[i] >= 0 && fixedCoordinates[i] != coordinate)
            {
                return false;
            }
        }

        return true;
    }

    private int Coordinate(int point, int axisIndex)
    {
        for (var i = _axes.Length - 1; i > axisIndex; i--)
        {
            point /= _axes[i].Count;
        }

        return point % _axes[axisIndex].Count;
    }

    /// <summary>The grid point a trial's parameters form, or -1 when they form none.</summary>
    private int PointOf(TrialInfo trial)
    {
        var point = 0;
        for (var i = 0; i < _axes.Length; i++)
        {
            if (!trial.InternalParameters.TryGetValue(_names[i], out var value) || !trial.Distributions.TryGetValue(_names[i], out var distribution))
            {
                return -1;
            }

            var coordinate = _axes[i].IndexOf(distribution, value);
            if (coordinate < 0)
            {
                return -1;
            }

            point = (point * _axes[i].Count) + coordinate;
        }

        return point;
    }

    /// <summary>One parameter's values, with the keys trials' values are matched by.</summary>
    private sealed class GridAxis
    {
        private readonly string _name;
        private readonly IReadOnlyList<object?> _values;
        private readonly Dictionary<string, int> _byText = new(StringComparer.Ordinal);
        private readonly Dictionary<double, int> _byNumber = [];

        public GridAxis(string name, IReadOnlyList<object?> values, string paramName)
        {
            if (values.Count == 0)
            {
                throw new ArgumentException($"The grid's list for '{name}' is empty; every parameter needs at least one value.", paramName);
            }

            _name = name;
            _values = values;
            for (var i = 0; i < values.Count; i++)
            {
                if (!_byText.TryAdd(Text(values[i]), i) || (TryNumber(values[i], out var number) && !_byNumber.TryAdd(number, i)))
                {
                    throw new ArgumentException($"The grid's list for '{name}' holds the value '{Text(values[i])}' twice.", paramName);
                }
            }
        }

        public int Count => _values.Count;

        public int IndexOf(ParameterDistribution distribution, double internalValue)
        {
            if (distribution is CategoricalDistribution categorical)
            {
                return categorical.Contains(internalValue) && _byText.TryGetValue(categorical.Choices[(int)internalValue], out var index) ? index : -1;
            }

            return _byNumber.TryGetValue(internalValue, out var i) ? i : -1;
        }

        public double[] ToInternal(ParameterDistribution distribution, string paramName)
        {
            var result = new double[_values.Count];
            for (var i = 0; i < result.Length; i++)
            {
                var value = _values[i];
                var internalValue = distribution switch
                {
                    CategoricalDistribution c => c.IndexOf(Text(value)),
                    _ when TryNumber(value, out var number) => number,
                    _ => double.NaN,
                };
                if (double.IsNaN(internalValue) || !distribution.Contains(internalValue))
                {
                    throw new ArgumentException($"The grid value '{Text(value)}' of '{_name}' is not in its distribution {distribution}.", paramName);
                }

                result[i] = internalValue;
            }

            return result;
        }

        /// <summary>A value as a categorical choice's text: the one rule <see cref="Trial.SuggestCategorical{T}"/> uses.</summary>
        private static string Text(object? value) => Tracking.Run.Format(value);

        private static bool TryNumber(object? value, out double number)
        {
            switch (value)
            {
                case double d:
                    number = d;
                    return !double.IsNaN(d);
                case float f:
                    number = f;
                    return !float.IsNaN(f);
                case int or long or short or byte or sbyte or ushort or uint or ulong or decimal:
                    number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                    return true;
                default:
                    number = double.NaN;
                    return false;
            }
        }
    }
}
