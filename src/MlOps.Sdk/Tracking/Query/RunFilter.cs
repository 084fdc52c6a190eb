using System.Globalization;
using System.Text;

namespace MlOps.Sdk.Tracking;

/// <summary>
/// A parsed run-search filter: a SQL-like condition on a run's parameters, metrics, tags and attributes, such as
/// <c>params.optimizer = 'adam' AND metrics.auc &gt;= 0.9 AND attributes.start_time &gt; '2024-05-01'</c>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Fields.</b> <c>params.&lt;key&gt;</c> (also <c>param.</c>, <c>parameters.</c>), <c>metrics.&lt;key&gt;</c>
/// (also <c>metric.</c>), <c>tags.&lt;key&gt;</c> (also <c>tag.</c>) and <c>attributes.&lt;name&gt;</c> (also
/// <c>attribute.</c>, <c>attr.</c>). Prefixes and attribute names are case-insensitive; parameter, metric and tag keys
/// are case-sensitive. A key is the rest of the word after the first dot, made of letters, digits and
/// <c>_ - . / :</c>, so <c>params.optimizer.lr</c> is the parameter <c>optimizer.lr</c>. Any other key is written in
/// backticks or double quotes, doubling the quote to include it: <c>params.`learning rate`</c> or
/// <c>params."learning rate"</c>. The attributes are <c>run_id</c>, <c>name</c>, <c>experiment</c>, <c>user</c>,
/// <c>machine</c>, <c>commit</c>, <c>branch</c>, <c>environment</c> and <c>parent_run_id</c> (text), <c>status</c>,
/// <c>start_time</c> and <c>end_time</c> (times) and <c>duration</c> (seconds).
/// </para>
/// <para>
/// <b>Conditions.</b> <c>field op value</c> with <c>=</c> (or <c>==</c>), <c>!=</c> (or <c>&lt;&gt;</c>), <c>&lt;</c>,
/// <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>; <c>field [NOT] IN (value, ...)</c>; <c>field [NOT] LIKE 'pattern'</c>;
/// <c>field [NOT] ILIKE 'pattern'</c>; <c>field IS [NOT] NULL</c>. Conditions combine with <c>NOT</c>, <c>AND</c>,
/// <c>OR</c> and parentheses; <c>NOT</c> binds tighter than <c>AND</c> and <c>AND</c> tighter than <c>OR</c>, so
/// <c>a OR b AND c</c> means <c>a OR (b AND c)</c>. Keywords are case-insensitive. A value is a number (<c>10</c>,
/// <c>-0.5</c>, <c>1e-3</c>) or a string in single quotes (<c>'it''s'</c>: a doubled quote is a quote) or double
/// quotes; backslashes in strings are ordinary characters. An empty or white-space filter matches every run.
/// </para>
/// <para>
/// <b>Metrics</b> (the latest value) compare as numbers, and the value must be a number. A NaN metric follows IEEE
/// rules: every comparison with it is false except <c>!=</c> (and so <c>NOT IN</c>), which is true; it is not NULL.
/// </para>
/// <para>
/// <b>Parameters, tags and text attributes</b> are strings. When the value is a number (unquoted) and the stored
/// string is a finite number in the invariant culture (<c>"0.1"</c>, <c>"1e-3"</c>, not <c>"0,1"</c>), they compare
/// as numbers: <c>params.lr &gt; 0.01</c> matches <c>"0.1"</c> and <c>params.epochs = 10</c> matches <c>"10.0"</c>.
/// Otherwise they compare as strings, ordinally and case-sensitively: <c>params.epochs &gt; '9'</c> (a quoted value)
/// does not match <c>"10"</c>, and <c>params.optimizer = 'Adam'</c> does not match <c>"adam"</c>.
/// </para>
/// <para>
/// <b>LIKE</b> matches the whole string against a pattern in which <c>%</c> is any sequence of characters and
/// <c>_</c> exactly one character (one UTF-16 code unit); <c>\%</c>, <c>\_</c> and <c>\\</c> match <c>%</c>, <c>_</c>
/// and <c>\</c> themselves, and a backslash before any other character is an ordinary character. LIKE is
/// case-sensitive; ILIKE ignores case (invariant culture). Both apply to parameters, tags and text attributes only.
/// </para>
/// <para>
/// <b>Attributes.</b> <c>status</c> is compared with <c>=</c>, <c>!=</c>, <c>IN</c> or <c>NOT IN</c> and a status name,
/// ignoring case: <c>Running</c>, <c>Finished</c>, <c>Failed</c>, <c>Killed</c> or <c>Crashed</c>.
/// <c>start_time</c> and <c>end_time</c> compare as instants with an ISO 8601 string (<c>'2024-05-01'</c>,
/// <c>'2024-05-01T12:30:00Z'</c>, <c>'2024-05-01 12:30:00.5+02:00'</c>; without an offset the time is UTC, and a date
/// alone is midnight UTC) or a number of Unix milliseconds (<c>1714566600000</c>). <c>duration</c> is a number of
/// seconds. The other attributes are text, compared like parameters.
/// </para>
/// <para>
/// <b>Missing fields.</b> When the run has no such parameter, tag or metric, or the attribute is not set (for
/// example <c>end_time</c> of a running run), every comparison on the field is false, like SQL NULL: <c>=</c>,
/// <c>!=</c>, <c>&lt;</c>, <c>IN</c>, <c>NOT IN</c>, <c>LIKE</c>, <c>NOT LIKE</c> alike. Only <c>IS NULL</c> is true
/// for a missing field, and <c>IS NOT NULL</c> for a present one. <c>NOT</c> is the plain negation of the condition
/// that follows it, so <c>NOT params.x = 'a'</c> is true for a run without <c>params.x</c>, whereas
/// <c>params.x != 'a'</c> is false for that run.
/// </para>
/// <para>
/// <b>Errors.</b> <see cref="Parse"/> throws <see cref="InvalidRunQueryException"/>, naming the position, for a
/// syntax error (an unknown operator, unbalanced parentheses, an unterminated string, an empty IN list, text after the
/// end of the filter), an unknown field prefix or attribute, a string compared with a numeric field, LIKE on a field
/// that is not text, an unknown status, and NOT or parentheses nested more than 64 deep. A filter that parses never
/// fails when evaluated.
/// </para>
/// <para>
/// A filter is immutable and thread-safe: parse it once and evaluate it with <see cref="Matches"/> on any number of
/// runs, from any number of threads; evaluation allocates nothing beyond what <see cref="IRunFields"/> does.
/// <see cref="ToString"/> prints a normalized form that parses back to an equivalent filter.
/// </para>
/// </remarks>
internal sealed class RunFilter
{
    private readonly Node? _root;

    private RunFilter(Node? root)
    {
        _root = root;
    }

    /// <summary>Gets the filter that matches every run: the empty filter.</summary>
    internal static RunFilter All { get; } = new(null);

    /// <summary>Parses a filter.</summary>
    /// <param name="text">The filter; <see langword="null"/>, empty or white space for <see cref="All"/>.</param>
    /// <returns>The parsed filter.</returns>
    /// <exception cref="InvalidRunQueryException">The text is not a valid filter.</exception>
    internal static RunFilter Parse(string? text)
        => string.IsNullOrWhiteSpace(text) ? All : new RunFilter(new Parser(text).ParseFilter());

    /// <summary>Evaluates the filter on a run.</summary>
    /// <param name="run">The run's fields.</param>
    /// <returns><see langword="true"/> when the run satisfies the filter.</returns>
    internal bool Matches(IRunFields run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return _root is null || _root.Evaluate(run);
    }

    /// <summary>Returns the normalized form of the filter, empty for <see cref="All"/>.</summary>
    /// <returns>The filter with canonical prefixes and operators, upper-case keywords, single-quoted strings and only
    /// the parentheses precedence needs.</returns>
    public override string ToString()
    {
        if (_root is null)
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        _root.Write(builder);
        return builder.ToString();
    }

    private enum CompareOperator
    {
        Equal,
        NotEqual,
        Less,
        LessOrEqual,
        Greater,
        GreaterOrEqual,
    }

    private static string Symbol(CompareOperator op) => op switch
    {
        CompareOperator.Equal => "=",
        CompareOperator.NotEqual => "!=",
        CompareOperator.Less => "<",
        CompareOperator.LessOrEqual => "<=",
        CompareOperator.Greater => ">",
        _ => ">=",
    };

    /// <summary>Compares a present value with a literal, with the rules of the field's kind.</summary>
    private static bool Compare(RunValueKind kind, in RunFieldValue value, CompareOperator op, Literal literal) => kind switch
    {
        RunValueKind.Number => Apply(value.Number, op, literal.Number),
        RunValueKind.Time => Apply(value.Ticks.CompareTo(literal.Ticks), op),
        RunValueKind.Status => Apply(string.Compare(value.Text, literal.Text, StringComparison.OrdinalIgnoreCase), op),
        _ => literal.IsNumber && RunField.TryParseNumber(value.Text, out var number)
            ? Apply(number, op, literal.Number)
            : Apply(string.CompareOrdinal(value.Text, literal.Text), op),
    };

    /// <summary>IEEE comparison: with a NaN operand only <c>!=</c> is true.</summary>
    private static bool Apply(double left, CompareOperator op, double right) => op switch
    {
        CompareOperator.Equal => left == right,
        CompareOperator.NotEqual => left != right,
        CompareOperator.Less => left < right,
        CompareOperator.LessOrEqual => left <= right,
        CompareOperator.Greater => left > right,
        _ => left >= right,
    };

    private static bool Apply(int comparison, CompareOperator op) => op switch
    {
        CompareOperator.Equal => comparison == 0,
        CompareOperator.NotEqual => comparison != 0,
        CompareOperator.Less => comparison < 0,
        CompareOperator.LessOrEqual => comparison <= 0,
        CompareOperator.Greater => comparison > 0,
        _ => comparison >= 0,
    };

    private static void AppendQuoted(StringBuilder builder, string text)
        => builder.Append('\'').Append(text.Replace("'", "''", StringComparison.Ordinal)).Append('\'');

    /// <summary>A value written in the filter, converted at parse time for the field it is compared with.</summary>
    private sealed class Literal
    {
        private Literal(string text, bool isNumber, double number, long ticks)
        {
            Text = text;
            IsNumber = isNumber;
            Number = number;
            Ticks = ticks;
        }

        /// <summary>Gets the string (a status in its canonical spelling), or the number as written.</summary>
        public string Text { get; }

        /// <summary>Gets a value indicating whether the literal was written as a number.</summary>
        public bool IsNumber { get; }

        /// <summary>Gets the number, when <see cref="IsNumber"/>.</summary>
        public double Number { get; }

        /// <summary>Gets the instant in UTC ticks, for a time field.</summary>
        public long Ticks { get; }

        public static Literal ForNumber(string written, double number, long ticks = 0) => new(written, true, number, ticks);

        public static Literal ForString(string text, long ticks = 0) => new(text, false, double.NaN, ticks);

        public void Write(StringBuilder builder)
        {
            if (IsNumber)
            {
                builder.Append(Text);
            }
            else
            {
                AppendQuoted(builder, Text);
            }
        }
    }

    /// <summary>A LIKE pattern compiled to literal characters and wildcards.</summary>
    private sealed class LikePattern
    {
        private const char Exact = 'E';
        private const char AnyOne = '_';
        private const char AnySequence = '%';

        private readonly char[] _kinds;
        private readonly char[] _characters;
        private readonly bool _ignoreCase;

        public LikePattern(string source, bool ignoreCase)
        {
            Source = source;
            _ignoreCase = ignoreCase;
            var kinds = new List<char>(source.Length);
            var characters = new List<char>(source.Length);
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                if (c == '\\' && i + 1 < source.Length && source[i + 1] is '%' or '_' or '\\')
                {
                    kinds.Add(Exact);
                    characters.Add(source[++i]);
                }
                else if (c is '%' or '_')
                {
                    // Consecutive '%' match what one does; dropping the repeats keeps the matcher linear.
                    if (c == '%' && kinds.Count > 0 && kinds[^1] == AnySequence)
                    {
                        continue;
                    }

                    kinds.Add(c == '%' ? AnySequence : AnyOne);
                    characters.Add(c);
                }
                else
                {
                    kinds.Add(Exact);
                    characters.Add(ignoreCase ? char.ToUpperInvariant(c) : c);
                }
            }

            _kinds = [.. kinds];
            _characters = [.. characters];
        }

        /// <summary>Gets the pattern as written.</summary>
        public string Source { get; }

        /// <summary>Matches the whole text, backtracking only to the last '%' (linear for most patterns, never exponential).</summary>
        public bool IsMatch(string text)
        {
            int t = 0, p = 0, star = -1, starText = 0;
            while (t < text.Length)
            {
                if (p < _kinds.Length && (_kinds[p] == AnyOne || (_kinds[p] == Exact && Same(_characters[p], text[t]))))
                {
                    t++;
                    p++;
                }
                else if (p < _kinds.Length && _kinds[p] == AnySequence)
                {
                    star = p++;
                    starText = t;
                }
                else if (star >= 0)
                {
                    p = star + 1;
                    t = ++starText;
                }
                else
                {
                    return false;
                }
            }

            while (p < _kinds.Length && _kinds[p] == AnySequence)
            {
                p++;
            }

            return p == _kinds.Length;
        }

        private bool Same(char patternCharacter, char textCharacter)
            => patternCharacter == (_ignoreCase ? char.ToUpperInvariant(textCharacter) : textCharacter);
    }

    private abstract class Node
    {
        protected const int OrPrecedence = 1;
        protected const int AndPrecedence = 2;
        protected const int NotPrecedence = 3;
        protected const int ConditionPrecedence = 4;

        public virtual int Precedence => ConditionPrecedence;

        public abstract bool Evaluate(IRunFields run);

        public abstract void Write(StringBuilder builder);

        protected static void WriteOperand(StringBuilder builder, Node operand, int precedence)
        {
            if (operand.Precedence < precedence)
            {
                builder.Append('(');
                operand.Write(builder);
                builder.Append(')');
            }
            else
            {
                operand.Write(builder);
            }
        }
    }

    private sealed class OrNode(Node[] operands) : Node
    {
        private readonly Node[] _operands = operands;

        public override int Precedence => OrPrecedence;

        public IReadOnlyList<Node> Operands => _operands;

        public override bool Evaluate(IRunFields run)
        {
            foreach (var operand in _operands)
            {
                if (operand.Evaluate(run))
                {
                    return true;
                }
            }

            return false;
        }

        public override void Write(StringBuilder builder)
        {
            for (var i = 0; i < _operands.Length; i++)
            {
                builder.Append(i == 0 ? string.Empty : " OR ");
                WriteOperand(builder, _operands[i], OrPrecedence);
            }
        }
    }

    private sealed class AndNode(Node[] operands) : Node
    {
        private readonly Node[] _operands = operands;

        public override int Precedence => AndPrecedence;

        public IReadOnlyList<Node> Operands => _operands;

        public override bool Evaluate(IRunFields run)
        {
            foreach (var operand in _operands)
            {
                if (!operand.Evaluate(run))
                {
                    return false;
                }
            }

            return true;
        }

        public override void Write(StringBuilder builder)
        {
            for (var i = 0; i < _operands.Length; i++)
            {
                builder.Append(i == 0 ? string.Empty : " AND ");
                WriteOperand(builder, _operands[i], AndPrecedence);
            }
        }
    }

    private sealed class NotNode(Node operand) : Node
    {
        private readonly Node _operand = operand;

        public override int Precedence => NotPrecedence;

        public override bool Evaluate(IRunFields run) => !_operand.Evaluate(run);

        public override void Write(StringBuilder builder)
        {
            builder.Append("NOT ");
            WriteOperand(builder, _operand, NotPrecedence);
        }
    }

    private sealed class CompareNode(RunField field, CompareOperator op, Literal literal) : Node
    {
        private readonly RunField _field = field;
        private readonly CompareOperator _operator = op;
        private readonly Literal _literal = literal;

        public override bool Evaluate(IRunFields run)
        {
            var value = _field.Read(run);
            return value.IsPresent && Compare(_field.ValueKind, value, _operator, _literal);
        }

        public override void Write(StringBuilder builder)
        {
            builder.Append(_field.ToString()).Append(' ').Append(Symbol(_operator)).Append(' ');
            _literal.Write(builder);
        }
    }

    private sealed class InNode(RunField field, Literal[] values, bool negated) : Node
    {
        private readonly RunField _field = field;
        private readonly Literal[] _values = values;
        private readonly bool _negated = negated;

        public override bool Evaluate(IRunFields run)
        {
            var value = _field.Read(run);
            if (!value.IsPresent)
            {
                return false;
            }

            foreach (var literal in _values)
            {
                if (Compare(_field.ValueKind, value, CompareOperator.Equal, literal))
                {
                    return !_negated;
                }
            }

            return _negated;
        }

        public override void Write(StringBuilder builder)
        {
            builder.Append(_field.ToString()).Append(_negated ? " NOT IN (" : " IN (");
            for (var i = 0; i < _values.Length; i++)
            {
                builder.Append(i == 0 ? string.Empty : ", ");
                _values[i].Write(builder);
            }

            builder.Append(')');
        }
    }

    private sealed class LikeNode(RunField field, LikePattern pattern, bool ignoreCase, bool negated) : Node
    {
        private readonly RunField _field = field;
        private readonly LikePattern _pattern = pattern;
        private readonly bool _ignoreCase = ignoreCase;
        private readonly bool _negated = negated;

        public override bool Evaluate(IRunFields run)
        {
            var value = _field.Read(run);
            return value.IsPresent && _pattern.IsMatch(value.Text) != _negated;
        }

        public override void Write(StringBuilder builder)
        {
            builder.Append(_field.ToString()).Append(_negated ? " NOT " : " ").Append(_ignoreCase ? "ILIKE " : "LIKE ");
            AppendQuoted(builder, _pattern.Source);
        }
    }

    private sealed class IsNullNode(RunField field, bool negated) : Node
    {
        private readonly RunField _field = field;
        private readonly bool _negated = negated;

        public override bool Evaluate(IRunFields run) => _field.Read(run).IsPresent == _negated;

        public override void Write(StringBuilder builder)
            => builder.Append(_field.ToString()).Append(_negated ? " IS NOT NULL" : " IS NULL");
    }

    /// <summary>Recursive descent over <see cref="RunQueryLexer"/> tokens, one token of look-ahead.</summary>
    private sealed class Parser
    {
        /// <summary>How deeply parentheses and NOTs may nest, so that hostile input cannot exhaust the stack.</summary>
        private const int MaxDepth = 64;

        private readonly RunQueryLexer _lexer;
        private RunQueryToken _current;
        private RunQueryToken? _previous;
        private int _depth;

        public Parser(string text)
        {
            _lexer = new RunQueryLexer(text, "filter");
            _current = _lexer.Next();
        }

        public Node ParseFilter()
        {
            var root = ParseOr();
            if (_current.Kind == RunQueryTokenKind.RightParen)
            {
                throw _lexer.Error(_current.Position, "unexpected ')' with no matching '('");
            }

            if (_current.Kind != RunQueryTokenKind.End)
            {
                throw _lexer.Error(_current.Position, $"unexpected {_lexer.Describe(_current)}; expected AND, OR or the end of the filter");
            }

            return root;
        }

        private Node ParseOr()
        {
            var first = ParseAnd();
            if (!IsKeyword("OR"))
            {
                return first;
            }

            var operands = new List<Node>();
            AddFlattened(operands, first);
            while (IsKeyword("OR"))
            {
                Advance();
                AddFlattened(operands, ParseAnd());
            }

            return new OrNode([.. operands]);

            static void AddFlattened(List<Node> operands, Node operand)
            {
                if (operand is OrNode or)
                {
                    operands.AddRange(or.Operands);
                }
                else
                {
                    operands.Add(operand);
                }
            }
        }

        private Node ParseAnd()
        {
            var first = ParseUnary();
            if (!IsKeyword("AND"))
            {
                return first;
            }

            var operands = new List<Node>();
            AddFlattened(operands, first);
            while (IsKeyword("AND"))
            {
                Advance();
                AddFlattened(operands, ParseUnary());
            }

            return new AndNode([.. operands]);

            static void AddFlattened(List<Node> operands, Node operand)
            {
                if (operand is AndNode and)
                {
                    operands.AddRange(and.Operands);
                }
                else
                {
                    operands.Add(operand);
                }
            }
        }

        private Node ParseUnary()
        {
            if (IsKeyword("NOT") || _current.Kind == RunQueryTokenKind.LeftParen)
            {
                if (++_depth > MaxDepth)
                {
                    throw _lexer.Error(_current.Position, string.Create(CultureInfo.InvariantCulture, $"the filter nests NOT and parentheses more than {MaxDepth} deep"));
                }

                try
                {
                    return IsKeyword("NOT") ? ParseNot() : ParseParenthesized();
                }
                finally
                {
                    _depth--;
                }
            }

            if (_current.Kind == RunQueryTokenKind.Field)
            {
                return ParseCondition();
            }

            var expected = _previous is { } previous ? $"expected a condition after {_lexer.Describe(previous)}" : "expected a condition such as params.lr > 0.01";
            throw _lexer.ErrorExpectingField(_current, expected);
        }

        private NotNode ParseNot()
        {
            Advance();
            return new NotNode(ParseUnary());
        }

        private Node ParseParenthesized()
        {
            var open = _current.Position;
            Advance();
            var inner = ParseOr();
            if (_current.Kind != RunQueryTokenKind.RightParen)
            {
                var found = _current.Kind == RunQueryTokenKind.End ? string.Empty : $", found {_lexer.Describe(_current)}";
                throw _lexer.Error(_current.Position, string.Create(CultureInfo.InvariantCulture, $"expected AND, OR or ')' to close the '(' at position {open}{found}"));
            }

            Advance();
            return inner;
        }

        private Node ParseCondition()
        {
            var field = _lexer.ResolveField(_current);
            Advance();
            var token = _current;
            if (token.Kind == RunQueryTokenKind.Operator)
            {
                var op = token.Text switch
                {
                    "=" or "==" => CompareOperator.Equal,
                    "!=" or "<>" => CompareOperator.NotEqual,
                    "<" => CompareOperator.Less,
                    "<=" => CompareOperator.LessOrEqual,
                    ">" => CompareOperator.Greater,
                    _ => CompareOperator.GreaterOrEqual,
                };
                if (field.ValueKind == RunValueKind.Status && op is not (CompareOperator.Equal or CompareOperator.NotEqual))
                {
                    throw _lexer.Error(token.Position, $"{field} can only be compared with =, !=, IN or NOT IN");
                }

                Advance();
                return new CompareNode(field, op, ParseValue(field));
            }

            if (IsKeyword("IS"))
            {
                Advance();
                var negated = IsKeyword("NOT");
                if (negated)
                {
                    Advance();
                }

                if (!IsKeyword("NULL"))
                {
                    throw _lexer.Error(_current.Position, $"expected NULL or NOT NULL after IS, found {_lexer.Describe(_current)}");
                }

                Advance();
                return new IsNullNode(field, negated);
            }

            var isNegated = IsKeyword("NOT");
            if (isNegated)
            {
                Advance();
                if (!IsKeyword("IN") && !IsKeyword("LIKE") && !IsKeyword("ILIKE"))
                {
                    throw _lexer.Error(_current.Position, $"expected IN, LIKE or ILIKE after NOT, found {_lexer.Describe(_current)}");
                }
            }

            if (IsKeyword("IN"))
            {
                return ParseIn(field, isNegated);
            }

            if (IsKeyword("LIKE") || IsKeyword("ILIKE"))
            {
                return ParseLike(field, isNegated);
            }

            throw _lexer.Error(_current.Position, $"expected an operator (=, !=, <, <=, >, >=, IN, LIKE, ILIKE or IS) after '{field}', found {_lexer.Describe(_current)}");
        }

        private InNode ParseIn(RunField field, bool negated)
        {
            Advance();
            if (_current.Kind != RunQueryTokenKind.LeftParen)
            {
                throw _lexer.Error(_current.Position, $"expected '(' after IN, found {_lexer.Describe(_current)}");
            }

            var open = _current.Position;
            Advance();
            if (_current.Kind == RunQueryTokenKind.RightParen)
            {
                throw _lexer.Error(_current.Position, "the IN list is empty; write at least one value");
            }

            var values = new List<Literal>();
            while (true)
            {
                values.Add(ParseValue(field));
                if (_current.Kind == RunQueryTokenKind.Comma)
                {
                    Advance();
                }
                else if (_current.Kind == RunQueryTokenKind.RightParen)
                {
                    Advance();
                    return new InNode(field, [.. values], negated);
                }
                else
                {
                    throw _lexer.Error(_current.Position, string.Create(CultureInfo.InvariantCulture, $"expected ',' or ')' in the IN list opened at position {open}, found {_lexer.Describe(_current)}"));
                }
            }
        }

        private LikeNode ParseLike(RunField field, bool negated)
        {
            var like = _current;
            var ignoreCase = IsKeyword("ILIKE");
            if (field.ValueKind != RunValueKind.Text)
            {
                var reason = field.ValueKind == RunValueKind.Status
                    ? $"{field} can only be compared with =, !=, IN or NOT IN"
                    : $"LIKE and ILIKE only apply to text (params, tags and text attributes); {field} is a {(field.ValueKind == RunValueKind.Time ? "time" : "number")}";
                throw _lexer.Error(like.Position, reason);
            }

            Advance();
            if (_current.Kind != RunQueryTokenKind.String)
            {
                throw _lexer.Error(_current.Position, $"expected a quoted pattern after {_lexer.Describe(like)}, found {_lexer.Describe(_current)}");
            }

            var pattern = new LikePattern(_current.Text, ignoreCase);
            Advance();
            return new LikeNode(field, pattern, ignoreCase, negated);
        }

        private Literal ParseValue(RunField field)
        {
            var token = _current;
            if (token.Kind is not (RunQueryTokenKind.Number or RunQueryTokenKind.String))
            {
                var after = _previous is { } previous ? $" after {_lexer.Describe(previous)}" : string.Empty;
                var found = token.Kind == RunQueryTokenKind.End ? string.Empty : $", found {_lexer.Describe(token)}";
                throw _lexer.Error(token.Position, $"expected a value{after}{found}");
            }

            Advance();
            var isNumber = token.Kind == RunQueryTokenKind.Number;
            var number = isNumber ? double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture) : double.NaN;
            switch (field.ValueKind)
            {
                case RunValueKind.Number when isNumber:
                    return Literal.ForNumber(token.Text, number);
                case RunValueKind.Number:
                    throw _lexer.Error(token.Position, $"{field} is a number and cannot be compared with the string {_lexer.Describe(token)}; write the number without quotes");
                case RunValueKind.Time when isNumber:
                    return RunField.TryFromUnixMilliseconds(number, out var ticks)
                        ? Literal.ForNumber(token.Text, number, ticks)
                        : throw _lexer.Error(token.Position, $"{token.Text} is out of range for a time in Unix milliseconds");
                case RunValueKind.Time:
                    return RunField.TryParseTime(token.Text, out ticks)
                        ? Literal.ForString(token.Text, ticks)
                        : throw _lexer.Error(token.Position, $"{_lexer.Describe(token)} is not an ISO 8601 time such as '2024-05-01' or '2024-05-01T12:30:00Z', nor a number of Unix milliseconds");
                case RunValueKind.Status:
                    var status = isNumber ? null : Array.Find(RunField.StatusNames, name => string.Equals(name, token.Text, StringComparison.OrdinalIgnoreCase));
                    return status is not null
                        ? Literal.ForString(status)
                        : throw _lexer.Error(token.Position, $"{_lexer.Describe(token)} is not a run status; use one of {string.Join(", ", RunField.StatusNames.Select(name => $"'{name}'"))}");
                default:
                    return isNumber ? Literal.ForNumber(token.Text, number) : Literal.ForString(token.Text);
            }
        }

        private bool IsKeyword(string keyword)
            => _current.Kind == RunQueryTokenKind.Word && string.Equals(_current.Text, keyword, StringComparison.OrdinalIgnoreCase);

        private void Advance()
        {
            _previous = _current;
            _current = _lexer.Next();
        }
    }
}
