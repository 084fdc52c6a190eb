using System.Globalization;
using System.Text;

namespace MlOps.Sdk.Tracking;

/// <summary>Where a <see cref="RunField"/> is read from.</summary>
internal enum RunFieldSource
{
    /// <summary>A parameter (<c>params.</c>).</summary>
    Parameter,

    /// <summary>A tag (<c>tags.</c>).</summary>
    Tag,

    /// <summary>The latest value of a metric (<c>metrics.</c>).</summary>
    Metric,

    /// <summary>A built-in attribute (<c>attributes.</c>).</summary>
    Attribute,
}

/// <summary>How the values of a <see cref="RunField"/> compare.</summary>
internal enum RunValueKind
{
    /// <summary>Strings; numerically when both sides are numbers (params, tags, text attributes).</summary>
    Text,

    /// <summary>Numbers (metrics, <c>duration</c>).</summary>
    Number,

    /// <summary>Instants (<c>start_time</c>, <c>end_time</c>).</summary>
    Time,

    /// <summary>A run status name, ignoring case (<c>status</c>).</summary>
    Status,
}

/// <summary>A field of a run named in a filter or ordering, and how to read it through <see cref="IRunFields"/>.</summary>
internal sealed class RunField
{
    private const long UnixEpochTicks = 621_355_968_000_000_000;
    private const long MinUnixMilliseconds = -62_135_596_800_000;
    private const long MaxUnixMilliseconds = 253_402_300_799_999;

    private static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mmK",
        "yyyy-MM-dd HH:mm:ssK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
    ];

    private static readonly Dictionary<string, RunFieldSource> Prefixes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["params"] = RunFieldSource.Parameter,
        ["param"] = RunFieldSource.Parameter,
        ["parameters"] = RunFieldSource.Parameter,
        ["metrics"] = RunFieldSource.Metric,
        ["metric"] = RunFieldSource.Metric,
        ["tags"] = RunFieldSource.Tag,
        ["tag"] = RunFieldSource.Tag,
        ["attributes"] = RunFieldSource.Attribute,
        ["attribute"] = RunFieldSource.Attribute,
        ["attr"] = RunFieldSource.Attribute,
    };

    private static readonly Dictionary<string, RunField> Attributes = new[]
    {
        new RunField(RunFieldSource.Attribute, "run_id", RunValueKind.Text),
        new RunField(RunFieldSource.Attribute, "name", RunValueKind.Text),
        new RunField(RunFieldSource.Attribute, "experiment", RunValueKind.Text),
        new RunField(RunFieldSource.Attribute, "status", RunValueKind.Status),
        new RunField(RunFieldSource.Attribute, "user", RunValueKind.Text),
        new RunField(RunFieldSource.Attribute, "machine", RunValueKind.Text),
        new RunField(RunFieldSource.Attribute, "commit", RunValueKind.Text),
        new RunField(RunFieldSource.Attribute, "branch", RunValueKind.Text),
        new RunField(RunFieldSource.Attribute, "environment", RunValueKind.Text),
        new RunField(RunFieldSource.Attribute, "parent_run_id", RunValueKind.Text),
        new RunField(RunFieldSource.Attribute, "start_time", RunValueKind.Time),
        new RunField(RunFieldSource.Attribute, "end_time", RunValueKind.Time),
        new RunField(RunFieldSource.Attribute, "duration", RunValueKind.Number),
    }.ToDictionary(field => field.Key, StringComparer.OrdinalIgnoreCase);

    /// <summary>Initializes a parameter, tag or metric field.</summary>
    public RunField(RunFieldSource source, string key)
        : this(source, key, source == RunFieldSource.Metric ? RunValueKind.Number : RunValueKind.Text)
    {
    }

    private RunField(RunFieldSource source, string key, RunValueKind valueKind)
    {
        Source = source;
        Key = key;
        ValueKind = valueKind;
    }

    /// <summary>Gets the status names, in their canonical spelling.</summary>
    public static string[] StatusNames { get; } = ["Running", "Finished", "Failed", "Killed", "Crashed"];

    /// <summary>Gets the attribute names, in lower case.</summary>
    public static IEnumerable<string> AttributeNames => Attributes.Keys;

    /// <summary>Gets where the field is read from.</summary>
    public RunFieldSource Source { get; }

    /// <summary>Gets the key: case-sensitive for params, tags and metrics, the lower-case name for attributes.</summary>
    public string Key { get; }

    /// <summary>Gets how the field's values compare.</summary>
    public RunValueKind ValueKind { get; }

    /// <summary>Finds the source a prefix (without its dot) names, ignoring case.</summary>
    public static bool TryGetSource(string prefix, out RunFieldSource source) => Prefixes.TryGetValue(prefix, out source);

    /// <summary>Finds an attribute by name, ignoring case.</summary>
    public static bool TryGetAttribute(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RunField? field)
        => Attributes.TryGetValue(name, out field);

    /// <summary>Parses a string as a finite number in the invariant culture, the way text values compare numerically.</summary>
    public static bool TryParseNumber(string text, out double value)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>Parses an ISO 8601 date or date and time; without an offset it is UTC.</summary>
    public static bool TryParseTime(string text, out long utcTicks)
    {
        var parsed = DateTimeOffset.TryParseExact(text, IsoFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time);
        utcTicks = parsed ? time.UtcTicks : 0;
        return parsed;
    }

    /// <summary>Converts Unix milliseconds to UTC ticks, when they are within the range of <see cref="DateTimeOffset"/>.</summary>
    public static bool TryFromUnixMilliseconds(double milliseconds, out long utcTicks)
    {
        if (!double.IsFinite(milliseconds) || milliseconds < MinUnixMilliseconds || milliseconds > MaxUnixMilliseconds)
        {
            utcTicks = 0;
            return false;
        }

        utcTicks = UnixEpochTicks + (long)Math.Round(milliseconds * TimeSpan.TicksPerMillisecond);
        return true;
    }

    /// <summary>Reads the field of a run; a missing parameter, tag or metric, or an unset attribute, reads as missing.</summary>
    public RunFieldValue Read(IRunFields run)
    {
        switch (Source)
        {
            case RunFieldSource.Parameter:
                return run.TryGetParameter(Key, out var parameter) && parameter is not null ? RunFieldValue.FromText(parameter) : default;
            case RunFieldSource.Tag:
                return run.TryGetTag(Key, out var tag) && tag is not null ? RunFieldValue.FromText(tag) : default;
            case RunFieldSource.Metric:
                return run.TryGetMetric(Key, out var metric) ? RunFieldValue.FromNumber(metric) : default;
            default:
                return run.TryGetAttribute(Key, out var attribute) && attribute is not null ? FromAttribute(attribute) : default;
        }
    }

    /// <summary>Returns the field as written in a normalized filter: canonical prefix, key quoted only when it must be.</summary>
    public override string ToString()
    {
        var prefix = Source switch
        {
            RunFieldSource.Parameter => "params.",
            RunFieldSource.Tag => "tags.",
            RunFieldSource.Metric => "metrics.",
            _ => "attributes.",
        };
        var bare = Key.Length > 0 && Key.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or ':');
        return bare ? prefix + Key : prefix + "`" + Key.Replace("`", "``", StringComparison.Ordinal) + "`";
    }

    /// <summary>Converts an attribute value to the field's kind; a value of an unexpected type reads as missing.</summary>
    private RunFieldValue FromAttribute(object value)
    {
        switch (ValueKind)
        {
            case RunValueKind.Number:
                return value switch
                {
                    double d => RunFieldValue.FromNumber(d),
                    float f => RunFieldValue.FromNumber(f),
                    long l => RunFieldValue.FromNumber(l),
                    int i => RunFieldValue.FromNumber(i),
                    decimal m => RunFieldValue.FromNumber((double)m),
                    TimeSpan t => RunFieldValue.FromNumber(t.TotalSeconds),
                    _ => default,
                };
            case RunValueKind.Time:
                long ticks;
                return value switch
                {
                    DateTimeOffset time => RunFieldValue.FromTicks(time.UtcTicks),
                    DateTime time => RunFieldValue.FromTicks((time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time).ToUniversalTime().Ticks),
                    long ms when TryFromUnixMilliseconds(ms, out ticks) => RunFieldValue.FromTicks(ticks),
                    double ms when TryFromUnixMilliseconds(ms, out ticks) => RunFieldValue.FromTicks(ticks),
                    string text when TryParseTime(text, out ticks) => RunFieldValue.FromTicks(ticks),
                    _ => default,
                };
            default:
                var converted = value as string ?? Convert.ToString(value, CultureInfo.InvariantCulture);
                return converted is null ? default : RunFieldValue.FromText(converted);
        }
    }
}

/// <summary>The value of a <see cref="RunField"/> in one run, or missing (<see langword="default"/>).</summary>
internal readonly struct RunFieldValue
{
    private readonly string? _text;

    private RunFieldValue(double number, long ticks, string? text)
    {
        IsPresent = true;
        Number = number;
        Ticks = ticks;
        _text = text;
    }

    /// <summary>Gets a value indicating whether the run has the field.</summary>
    public bool IsPresent { get; }

    /// <summary>Gets the number, for a <see cref="RunValueKind.Number"/> field.</summary>
    public double Number { get; }

    /// <summary>Gets the instant in UTC ticks, for a <see cref="RunValueKind.Time"/> field.</summary>
    public long Ticks { get; }

    /// <summary>Gets the string, for a <see cref="RunValueKind.Text"/> or <see cref="RunValueKind.Status"/> field.</summary>
    public string Text => _text ?? string.Empty;

    public static RunFieldValue FromNumber(double number) => new(number, 0, null);

    public static RunFieldValue FromTicks(long ticks) => new(double.NaN, ticks, null);

    public static RunFieldValue FromText(string text) => new(double.NaN, 0, text);
}
