using System.Globalization;

namespace MlOps.Sdk.Search;

/// <summary>
/// The range a parameter is drawn from. A sampler works on a parameter's <em>internal value</em>, a <see cref="double"/>:
/// the value itself for <see cref="FloatDistribution"/> and <see cref="IntDistribution"/> (not its logarithm: a sampler
/// transforms log-scale ranges itself), the index of the choice for <see cref="CategoricalDistribution"/>.
/// </summary>
/// <remarks>Distributions are immutable and compare by value: a parameter keeps one distribution within a trial.</remarks>
public abstract class ParameterDistribution : IEquatable<ParameterDistribution>
{
    private protected ParameterDistribution()
    {
    }

    /// <summary>Gets a value indicating whether the range holds a single value.</summary>
    public abstract bool IsSingle { get; }

    /// <summary>Gets a value indicating whether an internal value lies in the range (on its grid, for a stepped one).</summary>
    /// <param name="internalValue">The internal value.</param>
    /// <returns><see langword="true"/> when it does.</returns>
    public abstract bool Contains(double internalValue);

    /// <summary>Converts an internal value to the value the objective sees (a <see cref="double"/>, an <see cref="int"/> or a choice).</summary>
    /// <param name="internalValue">The internal value.</param>
    /// <returns>The value.</returns>
    public abstract object ToExternal(double internalValue);

    /// <summary>Rounds an internal value into the range (clipped, on the step grid; a categorical index rounded and clipped).</summary>
    /// <param name="internalValue">A value a sampler computed.</param>
    /// <returns>The nearest value the range holds.</returns>
    public abstract double Clamp(double internalValue);

    /// <inheritdoc />
    public abstract bool Equals(ParameterDistribution? other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ParameterDistribution other && Equals(other);

    /// <inheritdoc />
    public abstract override int GetHashCode();

    private protected static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A real-valued range, linear or log-scale, optionally on a grid of steps.</summary>
public sealed class FloatDistribution : ParameterDistribution
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="low">The smallest value.</param>
    /// <param name="high">The largest value (included). With a step, lowered to the last grid point at or below it.</param>
    /// <param name="log">Whether values are drawn on a log scale (then <paramref name="low"/> must be above 0).</param>
    /// <param name="step">The grid spacing from <paramref name="low"/>, or <see langword="null"/> for a continuous range; not with <paramref name="log"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not finite, <paramref name="low"/> is above <paramref name="high"/>, <paramref name="low"/> is not above 0 on a log scale, or the step is not above 0.</exception>
    /// <exception cref="ArgumentException">Both a step and a log scale are given.</exception>
    public FloatDistribution(double low, double high, bool log = false, double? step = null)
    {
        if (!double.IsFinite(low))
        {
            throw new ArgumentOutOfRangeException(nameof(low), low, $"The low bound must be a finite number, not {Format(low)}.");
        }

        if (!double.IsFinite(high))
        {
            throw new ArgumentOutOfRangeException(nameof(high), high, $"The high bound must be a finite number, not {Format(high)}.");
        }

        if (low > high)
        {
            throw new ArgumentOutOfRangeException(nameof(low), low, $"The low bound ({Format(low)}) is above the high bound ({Format(high)}).");
        }

        if (log && low <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(low), low, $"A log-scale range needs a low bound above 0, not {Format(low)}.");
        }

        if (!double.IsFinite(high - low))
        {
            throw new ArgumentOutOfRangeException(nameof(high), high, $"The range [{Format(low)}, {Format(high)}] is wider than a double can hold.");
        }

        if (step is { } s)
        {
            if (!double.IsFinite(s) || s <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(step), s, $"The step must be a finite number above 0, not {Format(s)}.");
            }

            if (log)
            {
                throw new ArgumentException("A range cannot have both a step and a log scale.", nameof(step));
            }

            // The last grid point at or below high (0 to 0.3 by 0.1 ends at 0.3, not at 0.30000000000000004).
            high = Math.Min(low + (Math.Floor(((high - low) / s) + 1e-9) * s), high);
        }

        Low = low;
        High = high;
        Log = log;
        Step = step;
    }

    /// <summary>Gets the smallest value.</summary>
    public double Low { get; }

    /// <summary>Gets the largest value.</summary>
    public double High { get; }

    /// <summary>Gets a value indicating whether values are drawn on a log scale.</summary>
    public bool Log { get; }

    /// <summary>Gets the grid spacing, or <see langword="null"/> for a continuous range.</summary>
    public double? Step { get; }

    /// <inheritdoc />
    public override bool IsSingle => Low == High;

    /// <inheritdoc />
    public override bool Contains(double internalValue)
    {
        if (double.IsNaN(internalValue) || internalValue < Low || internalValue > High)
        {
            return false;
        }

        if (Step is not { } step)
        {
            return true;
        }

        var k = (internalValue - Low) / step;
        return Math.Abs(k - Math.Round(k)) < 1e-8;
    }

    /// <inheritdoc />
    public override object ToExternal(double internalValue) => internalValue;

    /// <inheritdoc />
    public override double Clamp(double internalValue)
    {
        if (double.IsNaN(internalValue))
        {
            return Low;
        }

        if (Step is { } step)
        {
            internalValue = Low + (Math.Round((internalValue - Low) / step) * step);
        }

        return Math.Clamp(internalValue, Low, High);
    }

    /// <inheritdoc />
    public override bool Equals(ParameterDistribution? other)
        => other is FloatDistribution f && f.Low == Low && f.High == High && f.Log == Log && f.Step == Step;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Low, High, Log, Step);

    /// <inheritdoc />
    public override string ToString()
        => $"float [{Format(Low)}, {Format(High)}]{(Log ? " log" : string.Empty)}{(Step is { } s ? $" step {Format(s)}" : string.Empty)}";
}

/// <summary>An integer range, linear or log-scale, with a step.</summary>
public sealed class IntDistribution : ParameterDistribution
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="low">The smallest value.</param>
    /// <param name="high">The largest value (included); lowered to the last step at or below it.</param>
    /// <param name="log">Whether values are drawn on a log scale (then <paramref name="low"/> must be at least 1 and the step 1).</param>
    /// <param name="step">The spacing from <paramref name="low"/>: at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="low"/> is above <paramref name="high"/>, <paramref name="low"/> is below 1 on a log scale, or the step is below 1.</exception>
    /// <exception cref="ArgumentException">A log scale is given with a step other than 1.</exception>
    public IntDistribution(int low, int high, bool log = false, int step = 1)
    {
        if (low > high)
        {
            throw new ArgumentOutOfRangeException(nameof(low), low, $"The low bound ({low}) is above the high bound ({high}).");
        }

        if (log && low < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(low), low, $"A log-scale integer range needs a low bound of at least 1, not {low}.");
        }

        if (step < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"The step must be at least 1, not {step}.");
        }

        if (log && step != 1)
        {
            throw new ArgumentException($"A log-scale integer range must have step 1, not {step}.", nameof(step));
        }

        Low = low;
        High = (int)(low + ((((long)high - low) / step) * step));
        Log = log;
        Step = step;
    }

    /// <summary>Gets the smallest value.</summary>
    public int Low { get; }

    /// <summary>Gets the largest value.</summary>
    public int High { get; }

    /// <summary>Gets a value indicating whether values are drawn on a log scale.</summary>
    public bool Log { get; }

    /// <summary>Gets the spacing.</summary>
    public int Step { get; }

    /// <inheritdoc />
    public override bool IsSingle => Low == High;

    /// <inheritdoc />
    public override bool Contains(double internalValue)
        => internalValue >= Low && internalValue <= High && internalValue == Math.Floor(internalValue) && ((long)internalValue - Low) % Step == 0;

    /// <inheritdoc />
    public override object ToExternal(double internalValue) => (int)internalValue;

    /// <inheritdoc />
    public override double Clamp(double internalValue)
    {
        if (double.IsNaN(internalValue))
        {
            return Low;
        }

        var snapped = Low + (Math.Round((internalValue - Low) / Step) * Step);
        return Math.Clamp(snapped, Low, High);
    }

    /// <inheritdoc />
    public override bool Equals(ParameterDistribution? other)
        => other is IntDistribution i && i.Low == Low && i.High == High && i.Log == Log && i.Step == Step;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Low, High, Log, Step);

    /// <inheritdoc />
    public override string ToString() => $"int [{Low}, {High}]{(Log ? " log" : string.Empty)}{(Step != 1 ? $" step {Step}" : string.Empty)}";
}

/// <summary>A choice among values, kept as their invariant-culture text; the internal value is the choice's index.</summary>
public sealed class CategoricalDistribution : ParameterDistribution
{
    private readonly string[] _choices;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="choices">The choices, as text (numbers in the invariant culture, <c>null</c> as "null"); at least one, no two alike.</param>
    /// <exception cref="ArgumentNullException"><paramref name="choices"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="choices"/> is empty or holds a value twice.</exception>
    public CategoricalDistribution(IEnumerable<string> choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        _choices = [.. choices];
        if (_choices.Length == 0)
        {
            throw new ArgumentException("A categorical parameter needs at least one choice; the list is empty.", nameof(choices));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var choice in _choices)
        {
            if (choice is null)
            {
                throw new ArgumentException("A categorical choice's text must not be null (use \"null\").", nameof(choices));
            }

            if (!seen.Add(choice))
            {
                throw new ArgumentException($"The categorical choice '{choice}' is listed twice.", nameof(choices));
            }
        }
    }

    /// <summary>Gets the choices, as text.</summary>
    public IReadOnlyList<string> Choices => _choices;

    /// <inheritdoc />
    public override bool IsSingle => _choices.Length == 1;

    /// <inheritdoc />
    public override bool Contains(double internalValue)
        => internalValue >= 0 && internalValue < _choices.Length && internalValue == Math.Floor(internalValue);

    /// <inheritdoc />
    public override object ToExternal(double internalValue) => _choices[(int)internalValue];

    /// <inheritdoc />
    public override double Clamp(double internalValue)
        => double.IsNaN(internalValue) ? 0 : Math.Clamp(Math.Round(internalValue), 0, _choices.Length - 1);

    /// <summary>Gets the index of a choice's text.</summary>
    /// <param name="choice">The text.</param>
    /// <returns>Its index, or -1 when it is not a choice.</returns>
    public int IndexOf(string choice) => Array.IndexOf(_choices, choice);

    /// <inheritdoc />
    public override bool Equals(ParameterDistribution? other)
        => other is CategoricalDistribution c && c._choices.AsSpan().SequenceEqual(_choices);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var choice in _choices)
        {
            hash.Add(choice, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => $"categorical [{string.Join(", ", _choices)}]";
}
