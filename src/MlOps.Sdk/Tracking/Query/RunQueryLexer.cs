using System.Globalization;
using System.Text;

namespace MlOps.Sdk.Tracking;

/// <summary>The kinds of <see cref="RunQueryToken"/>.</summary>
internal enum RunQueryTokenKind
{
    /// <summary>The end of the text.</summary>
    End,

    /// <summary>A word without a dot: a keyword, or a mistyped field.</summary>
    Word,

    /// <summary>A field reference: the prefix in <see cref="RunQueryToken.Text"/>, the key in <see cref="RunQueryToken.Key"/>.</summary>
    Field,

    /// <summary>A number as written.</summary>
    Number,

    /// <summary>A quoted string, unescaped.</summary>
    String,

    /// <summary>'('.</summary>
    LeftParen,

    /// <summary>')'.</summary>
    RightParen,

    /// <summary>','.</summary>
    Comma,

    /// <summary>A comparison operator as written.</summary>
    Operator,
}

/// <summary>One token of a run filter or ordering.</summary>
/// <param name="Kind">The kind of token.</param>
/// <param name="Position">The index of its first character.</param>
/// <param name="Length">How many characters it spans in the text.</param>
/// <param name="Text">The word, the field prefix, the number or operator as written, or the unescaped string.</param>
/// <param name="Key">For a field, the key after the prefix, unquoted.</param>
/// <param name="KeyPosition">For a field, the index of the key's first character (its opening quote when quoted).</param>
internal readonly record struct RunQueryToken(RunQueryTokenKind Kind, int Position, int Length, string Text, string Key = "", int KeyPosition = 0);

/// <summary>Splits a run filter or ordering into tokens, and reports errors with their position.</summary>
internal sealed class RunQueryLexer
{
    private static readonly string[] Keywords = ["AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL", "ASC", "DESC"];

    private readonly string _text;
    private readonly string _clause;
    private int _position;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="text">The text to split.</param>
    /// <param name="clause">What the text is, for messages: "filter" or "ordering".</param>
    public RunQueryLexer(string text, string clause)
    {
        _text = text;
        _clause = clause;
    }

    /// <summary>Reads the next token; at the end, returns an <see cref="RunQueryTokenKind.End"/> token every time.</summary>
    /// <exception cref="InvalidRunQueryException">An unterminated string, an unknown operator or an unexpected character.</exception>
    public RunQueryToken Next()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
        {
            _position++;
        }

        var start = _position;
        if (start == _text.Length)
        {
            return new RunQueryToken(RunQueryTokenKind.End, start, 0, string.Empty);
        }

        var c = _text[start];
        switch (c)
        {
            case '(':
                _position++;
                return new RunQueryToken(RunQueryTokenKind.LeftParen, start, 1, "(");
            case ')':
                _position++;
                return new RunQueryToken(RunQueryTokenKind.RightParen, start, 1, ")");
            case ',':
                _position++;
                return new RunQueryToken(RunQueryTokenKind.Comma, start, 1, ",");
            case '\'' or '"':
                var text = ReadQuoted("string");
                return new RunQueryToken(RunQueryTokenKind.String, start, _position - start, text);
            case '=' or '!' or '<' or '>':
                return ReadOperator();
            case '`':
                throw Error(start, "a key in backticks must follow a field prefix, as in params.`learning rate`");
            default:
                break;
        }

        if (IsNumberStart(start))
        {
            return ReadNumber();
        }

        if (char.IsLetter(c) || c == '_')
        {
            return ReadWord();
        }

        throw Error(start, $"unexpected character '{c}'");
    }

    /// <summary>Creates the exception for a problem at a position.</summary>
    public InvalidRunQueryException Error(int position, string reason) => new(_clause, _text, position, reason);

    /// <summary>Creates the exception for a token found where a field was expected, explaining how fields are written.</summary>
    public InvalidRunQueryException ErrorExpectingField(RunQueryToken token, string expected)
        => token.Kind == RunQueryTokenKind.Word && !Array.Exists(Keywords, keyword => string.Equals(keyword, token.Text, StringComparison.OrdinalIgnoreCase))
            ? Error(token.Position, $"unknown field '{token.Text}'; fields are written params.<key>, metrics.<key>, tags.<key> or attributes.<name>")
            : Error(token.Position, $"{expected}, found {Describe(token)}");

    /// <summary>Shows a token as written, for messages.</summary>
    public string Describe(RunQueryToken token) => token.Kind switch
    {
        RunQueryTokenKind.End => $"the end of the {_clause}",
        RunQueryTokenKind.String => _text.Substring(token.Position, token.Length),
        _ => $"'{_text.Substring(token.Position, token.Length)}'",
    };

    /// <summary>Resolves a <see cref="RunQueryTokenKind.Field"/> token to the field it names.</summary>
    /// <exception cref="InvalidRunQueryException">An unknown prefix or attribute.</exception>
    public RunField ResolveField(RunQueryToken token)
    {
        if (!RunField.TryGetSource(token.Text, out var source))
        {
            throw Error(token.Position, $"unknown field prefix '{token.Text}.'; use params., metrics., tags. or attributes.");
        }

        if (source != RunFieldSource.Attribute)
        {
            return new RunField(source, token.Key);
        }

        return RunField.TryGetAttribute(token.Key, out var attribute)
            ? attribute
            : throw Error(token.KeyPosition, $"unknown attribute '{token.Key}'; use one of {string.Join(", ", RunField.AttributeNames)}");
    }

    private static bool IsKeyCharacter(char c) => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or ':';

    private bool IsNumberStart(int i)
    {
        if (_text[i] is '+' or '-')
        {
            i++;
        }

        if (i < _text.Length && _text[i] == '.')
        {
            i++;
        }

        return i < _text.Length && char.IsAsciiDigit(_text[i]);
    }

    private RunQueryToken ReadNumber()
    {
        var start = _position;
        var i = start;
        if (_text[i] is '+' or '-')
        {
            i++;
        }

        i = SkipDigits(i);
        if (i < _text.Length && _text[i] == '.')
        {
            i = SkipDigits(i + 1);
        }

        if (i < _text.Length && _text[i] is 'e' or 'E')
        {
            var exponent = i + 1;
            if (exponent < _text.Length && _text[exponent] is '+' or '-')
            {
                exponent++;
            }

            if (exponent < _text.Length && char.IsAsciiDigit(_text[exponent]))
            {
                i = SkipDigits(exponent);
            }
        }

        _position = i;
        return new RunQueryToken(RunQueryTokenKind.Number, start, i - start, _text[start..i]);
    }

    private int SkipDigits(int i)
    {
        while (i < _text.Length && char.IsAsciiDigit(_text[i]))
        {
            i++;
        }

        return i;
    }

    private RunQueryToken ReadWord()
    {
        var start = _position;
        var i = start + 1;
        while (i < _text.Length && IsKeyCharacter(_text[i]))
        {
            i++;
        }

        _position = i;
        var word = _text[start..i];
        var dot = word.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return new RunQueryToken(RunQueryTokenKind.Word, start, i - start, word);
        }

        var prefix = word[..dot];
        if (dot < word.Length - 1)
        {
            return new RunQueryToken(RunQueryTokenKind.Field, start, i - start, prefix, word[(dot + 1)..], start + dot + 1);
        }

        if (i < _text.Length && _text[i] is '`' or '"')
        {
            var key = ReadQuoted("key");
            return key.Length > 0
                ? new RunQueryToken(RunQueryTokenKind.Field, start, _position - start, prefix, key, i)
                : throw Error(i, "the quoted key is empty");
        }

        throw Error(i, $"expected a key after '{word}'");
    }

    /// <summary>Reads a string or key quoted with the character at the current position; a doubled quote is a quote.</summary>
    private string ReadQuoted(string what)
    {
        var start = _position;
        var quote = _text[start];
        StringBuilder? unescaped = null;
        var segment = start + 1;
        var i = segment;
        while (true)
        {
            if (i >= _text.Length)
            {
                throw Error(start, $"unterminated {what}: no closing {quote} for the {quote} here");
            }

            if (_text[i] == quote)
            {
                if (i + 1 < _text.Length && _text[i + 1] == quote)
                {
                    unescaped ??= new StringBuilder();
                    unescaped.Append(_text, segment, i + 1 - segment);
                    i += 2;
                    segment = i;
                    continue;
                }

                break;
            }

            i++;
        }

        _position = i + 1;
        return unescaped is null ? _text[(start + 1)..i] : unescaped.Append(_text, segment, i - segment).ToString();
    }

    private RunQueryToken ReadOperator()
    {
        var start = _position;
        var i = start;
        while (i < _text.Length && _text[i] is '=' or '!' or '<' or '>')
        {
            i++;
        }

        _position = i;
        var op = _text[start..i];
        return op is "=" or "==" or "!=" or "<>" or "<" or "<=" or ">" or ">="
            ? new RunQueryToken(RunQueryTokenKind.Operator, start, i - start, op)
            : throw Error(start, $"unknown operator '{op}'; use =, !=, <, <=, > or >=");
    }
}
