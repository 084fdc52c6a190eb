namespace MlOps.Sdk.Tracking;

/// <summary>
/// A parsed run-search order: a comma-separated list of fields, each optionally followed by <c>ASC</c> (the default)
/// or <c>DESC</c>, such as <c>metrics.auc DESC, params.lr, attributes.start_time ASC</c>.
/// </summary>
/// <remarks>
/// <para>
/// Fields are written as in <see cref="RunFilter"/> (<c>params.</c>, <c>metrics.</c>, <c>tags.</c>,
/// <c>attributes.</c> and their aliases); keywords are case-insensitive. An empty or white-space order is
/// <c>attributes.start_time DESC</c>: newest first.
/// </para>
/// <para>
/// Runs are compared by the first field, then by the next one where they tie, and finally by <c>run_id</c>
/// ascending (ordinal), so the order is total and the same on every call. A run without the field (a missing
/// parameter, tag or metric, an unset attribute) sorts after every run that has it, in both directions; a NaN metric
/// sorts after every number and before the missing, in both directions.
/// </para>
/// <para>
/// Metrics and <c>duration</c> compare as numbers, <c>start_time</c> and <c>end_time</c> as instants, <c>status</c> by
/// name ignoring case. Parameters, tags and text attributes compare as numbers when both are finite numbers in the
/// invariant culture (<c>"9"</c> before <c>"10"</c>) and ordinally (case-sensitive) when neither is; so that the order
/// stays consistent, in ascending order every number comes before every other string (<c>DESC</c> reverses this),
/// and numerically equal strings (<c>"1"</c>, <c>"1.0"</c>) are ordered ordinally.
/// </para>
/// <para>An ordering is immutable and thread-safe; <see cref="Parse"/> throws <see cref="InvalidRunQueryException"/>
/// naming the position of a syntax error, an unknown field prefix or an unknown attribute.</para>
/// </remarks>
internal sealed class RunOrdering : IComparer<IRunFields?>
{
    private static readonly RunField RunId = Attribute("run_id");
    private static readonly RunField StartTime = Attribute("start_time");

    private readonly SortKey[] _keys;

    private RunOrdering(SortKey[] keys)
    {
        _keys = keys;
    }

    /// <summary>Gets the order used when none is given: <c>attributes.start_time DESC</c>, newest first.</summary>
    internal static RunOrdering Default { get; } = new([new SortKey(StartTime, Descending: true)]);

    /// <summary>Parses an order.</summary>
    /// <param name="text">The order; <see langword="null"/>, empty or white space for <see cref="Default"/>.</param>
    /// <returns>The parsed order.</returns>
    /// <exception cref="InvalidRunQueryException">The text is not a valid order.</exception>
    internal static RunOrdering Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Default;
        }

        var lexer = new RunQueryLexer(text, "ordering");
        var keys = new List<SortKey>();
        var token = lexer.Next();
        while (true)
        {
            if (token.Kind != RunQueryTokenKind.Field)
            {
                throw lexer.ErrorExpectingField(token, keys.Count == 0 ? "expected a field such as metrics.auc" : "expected a field after ','");
            }

            var field = lexer.ResolveField(token);
            token = lexer.Next();
            var hasDirection = IsWord(token, "ASC") || IsWord(token, "DESC");
            keys.Add(new SortKey(field, IsWord(token, "DESC")));
            if (hasDirection)
            {
                token = lexer.Next();
            }

            if (token.Kind == RunQueryTokenKind.End)
            {
                return new RunOrdering([.. keys]);
            }

            if (token.Kind != RunQueryTokenKind.Comma)
            {
                var expected = hasDirection ? "',' or the end of the ordering" : "ASC, DESC, ',' or the end of the ordering";
                throw lexer.Error(token.Position, $"unexpected {lexer.Describe(token)}; expected {expected}");
            }

            token = lexer.Next();
        }
    }

    /// <summary>Compares two runs.</summary>
    /// <param name="a">The first run.</param>
    /// <param name="b">The second run.</param>
    /// <returns>Negative when <paramref name="a"/> comes first, positive when <paramref name="b"/> does, 0 only when
    /// both have the same run id (or none) and tie on every field.</returns>
    internal int Compare(IRunFields a, IRunFields b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        foreach (var key in _keys)
        {
            var comparison = CompareKey(key, a, b);
            if (comparison != 0)
            {
                return comparison;
            }
        }

        return CompareRunIds(a, b);
    }

    /// <inheritdoc />
    int IComparer<IRunFields?>.Compare(IRunFields? x, IRunFields? y)
        => x is null ? (y is null ? 0 : -1) : y is null ? 1 : Compare(x, y);

    /// <summary>Returns the normalized form of the order, with every direction written.</summary>
    /// <returns>For example <c>metrics.auc DESC, params.lr ASC</c>.</returns>
    public override string ToString() => string.Join(", ", _keys.Select(key => $"{key.Field} {(key.Descending ? "DESC" : "ASC")}"));

    private static RunField Attribute(string name)
        => RunField.TryGetAttribute(name, out var attribute) ? attribute : throw new InvalidOperationException($"'{name}' is not an attribute.");

    private static bool IsWord(RunQueryToken token, string keyword)
        => token.Kind == RunQueryTokenKind.Word && string.Equals(token.Text, keyword, StringComparison.OrdinalIgnoreCase);

    private static int CompareKey(SortKey key, IRunFields a, IRunFields b)
    {
        var x = key.Field.Read(a);
        var y = key.Field.Read(b);
        if (!x.IsPresent || !y.IsPresent)
        {
            return x.IsPresent == y.IsPresent ? 0 : x.IsPresent ? -1 : 1;
        }

        if (key.Field.ValueKind == RunValueKind.Number && (double.IsNaN(x.Number) || double.IsNaN(y.Number)))
        {
            return double.IsNaN(x.Number) == double.IsNaN(y.Number) ? 0 : double.IsNaN(x.Number) ? 1 : -1;
        }

        var comparison = Math.Sign(key.Field.ValueKind switch
        {
            RunValueKind.Number => x.Number.CompareTo(y.Number),
            RunValueKind.Time => x.Ticks.CompareTo(y.Ticks),
            RunValueKind.Status => string.Compare(x.Text, y.Text, StringComparison.OrdinalIgnoreCase),
            _ => CompareText(x.Text, y.Text),
        });
        return key.Descending ? -comparison : comparison;
    }

    private static int CompareText(string x, string y)
    {
        var xIsNumber = RunField.TryParseNumber(x, out var xNumber);
        var yIsNumber = RunField.TryParseNumber(y, out var yNumber);
        if (xIsNumber != yIsNumber)
        {
            return xIsNumber ? -1 : 1;
        }

        var comparison = xIsNumber ? xNumber.CompareTo(yNumber) : 0;
        return comparison != 0 ? comparison : string.CompareOrdinal(x, y);
    }

    private static int CompareRunIds(IRunFields a, IRunFields b)
    {
        var x = RunId.Read(a);
        var y = RunId.Read(b);
        if (!x.IsPresent || !y.IsPresent)
        {
            return x.IsPresent == y.IsPresent ? 0 : x.IsPresent ? -1 : 1;
        }

        return string.CompareOrdinal(x.Text, y.Text);
    }

    /// <summary>One field of the order and its direction.</summary>
    private readonly record struct SortKey(RunField Field, bool Descending);
}
