using System.Globalization;

namespace MlOps.Sdk.Tracking;

/// <summary>
/// A run-search filter or ordering could not be parsed: it has a syntax error, names an unknown field, or compares a
/// field with a value it cannot be compared with (for example a metric with a string).
/// </summary>
/// <remarks>
/// The message quotes the text and names the 0-based character <see cref="Position"/> of the problem, for example
/// <c>Invalid run filter at position 12: expected a value after '&gt;', found 'AND' in "params.lr &gt; AND metrics.auc &gt; 0.9"</c>.
/// The error is raised when the text is parsed, before any run is read, so a query that parses can be evaluated
/// against any run without failing.
/// </remarks>
public class InvalidRunQueryException : MlOpsException
{
    /// <summary>Texts longer than this are shown in the message as a window around the position.</summary>
    private const int MaxQuotedLength = 120;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="query">The text that could not be parsed.</param>
    /// <param name="position">The 0-based character index of the problem in <paramref name="query"/>; the length of the
    /// text when the problem is that it ends too early.</param>
    /// <param name="reason">What is wrong at <paramref name="position"/>, for example <c>expected a value after '&gt;'</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> or <paramref name="reason"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative or past the end of <paramref name="query"/>.</exception>
    public InvalidRunQueryException(string query, int position, string reason)
        : this("query", query, position, reason)
    {
    }

    /// <summary>Initializes a new instance for one clause of a query ("filter" or "ordering").</summary>
    internal InvalidRunQueryException(string clause, string query, int position, string reason)
        : base(FormatMessage(clause, query, position, reason))
    {
        Query = query;
        Position = position;
    }

    /// <summary>Gets the text that could not be parsed.</summary>
    public string Query { get; }

    /// <summary>Gets the 0-based character index of the problem in <see cref="Query"/>.</summary>
    /// <value>Between 0 and the length of <see cref="Query"/>; equal to the length when the text ends too early (an
    /// unclosed parenthesis, a missing value).</value>
    public int Position { get; }

    private static string FormatMessage(string clause, string query, int position, string reason)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(position, query.Length);
        return string.Create(CultureInfo.InvariantCulture, $"Invalid run {clause} at position {position}: {reason} in \"{Quote(query, position)}\"");
    }

    /// <summary>Shows a long text as a window around the position, so that messages stay one readable line.</summary>
    private static string Quote(string query, int position)
    {
        if (query.Length <= MaxQuotedLength)
        {
            return query;
        }

        var start = Math.Max(0, position - (MaxQuotedLength / 2));
        var end = Math.Min(query.Length, start + MaxQuotedLength);
        start = Math.Max(0, end - MaxQuotedLength);
        return (start > 0 ? "..." : string.Empty) + query[start..end] + (end < query.Length ? "..." : string.Empty);
    }
}
