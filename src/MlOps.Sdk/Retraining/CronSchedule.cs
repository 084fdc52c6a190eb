using System.Globalization;

namespace MlOps.Sdk.Retraining;

/// <summary>
/// A five-field cron expression (minute hour day-of-month month day-of-week, in UTC): numbers, <c>*</c>, ranges
/// <c>a-b</c>, steps <c>*/n</c> and <c>a-b/n</c>, and lists <c>a,b</c>; day of week 0-7 with 0 and 7 both Sunday. When
/// both day fields are restricted, a day matching either fires (as cron does).
/// </summary>
public sealed class CronSchedule
{
    private readonly bool[] _minutes;
    private readonly bool[] _hours;
    private readonly bool[] _days;
    private readonly bool[] _months;
    private readonly bool[] _weekdays;
    private readonly bool _daysRestricted;
    private readonly bool _weekdaysRestricted;

    private CronSchedule(string expression, bool[][] fields, bool daysRestricted, bool weekdaysRestricted)
    {
        Expression = expression;
        (_minutes, _hours, _days, _months, _weekdays) = (fields[0], fields[1], fields[2], fields[3], fields[4]);
        _daysRestricted = daysRestricted;
        _weekdaysRestricted = weekdaysRestricted;
    }

    /// <summary>Gets the expression.</summary>
    public string Expression { get; }

    /// <summary>Parses an expression.</summary>
    /// <param name="expression">Five fields: <c>0 3 * * 1</c> is Mondays at 03:00 UTC.</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="FormatException">The expression is not five valid fields; the message names the field.</exception>
    public static CronSchedule Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var parts = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 5)
        {
            throw new FormatException($"The cron expression '{expression}' has {parts.Length} fields; it needs five: minute hour day-of-month month day-of-week.");
        }

        string[] names = ["minute", "hour", "day of month", "month", "day of week"];
        (int Low, int High)[] ranges = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];
        var fields = new bool[5][];
        for (var i = 0; i < 5; i++)
        {
            fields[i] = ParseField(expression, parts[i], names[i], ranges[i].Low, ranges[i].High);
        }

        fields[4][0] |= fields[4][7]; // 7 is Sunday too
        // As cron does: a day field that starts with '*' (even '*/2') is unrestricted, and then both must match.
        return new CronSchedule(expression, fields, !parts[2].StartsWith('*'), !parts[4].StartsWith('*'));
    }

    /// <summary>The latest moment at or before <paramref name="moment"/> the schedule fires (to the minute), within five years.</summary>
    /// <param name="moment">The moment.</param>
    /// <returns>The occurrence, or <see langword="null"/> when there is none in those five years (February 30th).</returns>
    public DateTimeOffset? GetPreviousOccurrence(DateTimeOffset moment)
    {
        var utc = moment.ToUniversalTime();
        var day = new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 5 * 366; i++, day = day.AddDays(-1))
        {
            if (!_months[day.Month] || !DayMatches(day))
            {
                continue;
            }

            var lastHour = i == 0 ? utc.Hour : 23;
            for (var hour = lastHour; hour >= 0; hour--)
            {
                if (!_hours[hour])
                {
                    continue;
                }

                var lastMinute = i == 0 && hour == utc.Hour ? utc.Minute : 59;
                for (var minute = lastMinute; minute >= 0; minute--)
                {
                    if (_minutes[minute])
                    {
                        return day.AddHours(hour).AddMinutes(minute);
                    }
                }
            }
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => Expression;

    private bool DayMatches(DateTimeOffset day)
    {
        var dom = _days[day.Day];
        var dow = _weekdays[(int)day.DayOfWeek];
        return _daysRestricted && _weekdaysRestricted ? dom || dow : dom && dow;
    }

    private static bool[] ParseField(string expression, string field, string name, int low, int high)
    {
        var set = new bool[high + 1];
        foreach (var item in field.Split(','))
        {
            var (range, step) = item.Split('/') switch
            {
                [var r] => (r, 1),
                [var r, var s] when int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 => (r, n),
                _ => throw Bad(expression, name, item),
            };
            int from, to;
            if (range == "*")
            {
                (from, to) = (low, high);
            }
            else if (range.Split('-') is [var a, var b] && int.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out from) && int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out to))
            {
            }
            else if (int.TryParse(range, NumberStyles.None, CultureInfo.InvariantCulture, out from))
            {
                to = step > 1 ? high : from;
            }
            else
            {
                throw Bad(expression, name, item);
            }

            if (from < low || to > high || from > to)
            {
                throw new FormatException($"The {name} field of the cron expression '{expression}' has '{item}', outside {low}-{high}.");
            }

            for (var v = from; v <= to; v += step)
            {
                set[v] = true;
            }
        }

        return set;
    }

    private static FormatException Bad(string expression, string name, string item)
        => new($"The {name} field of the cron expression '{expression}' has '{item}', which is not a number, '*', a range a-b, a step /n or a list.");
}
