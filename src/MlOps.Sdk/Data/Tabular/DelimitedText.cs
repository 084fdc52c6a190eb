using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlOps.Sdk.Data;

/// <summary>Delimited text: the header, type inference, and the ML.NET <see cref="TextLoader"/> built from a recorded schema.</summary>
internal static class DelimitedText
{
    /// <summary>Reads the column names from a file's first line (quotes honoured).</summary>
    public static List<string> ReadHeader(string path, char separator)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var line = reader.ReadLine() ?? string.Empty;
        return Split(line, separator);
    }

    public static List<string> Split(string line, char separator)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == separator)
            {
                fields.Add(field.ToString().Trim());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString().Trim());
        return fields;
    }

    public static TextLoader CreateLoader(MLContext mlContext, IEnumerable<TextLoader.Column> columns, DelimitedTextRecord text)
        => mlContext.Data.CreateTextLoader(new TextLoader.Options
        {
            Columns = [.. columns],
            Separators = [text.Separator[0]],
            HasHeader = text.HasHeader,
            AllowQuoting = text.AllowQuoting,
            ReadMultilines = text.AllowQuoting, // a quoted field may hold a line break
            MissingRealsAsNaNs = true,
        });

    /// <summary>
    /// Infers each column's type from every value: Boolean when all are true/false and none is blank (a blank would load
    /// as false), Single when all parse as numbers (Double when a whole number is beyond Single's exact range of 2^24,
    /// such as an id), else String.
    /// </summary>
    public static List<DatasetColumnRecord> InferTypes(MLContext mlContext, IReadOnlyList<string> names, IReadOnlyList<string> paths, DelimitedTextRecord text, CancellationToken cancellationToken)
    {
        var loader = CreateLoader(mlContext, names.Select((n, i) => new TextLoader.Column(n, DataKind.String, i)), text);
        var data = loader.Load(new MultiFileSource([.. paths]));
        var canBool = Enumerable.Repeat(true, names.Count).ToArray();
        var canNumber = Enumerable.Repeat(true, names.Count).ToArray();
        var seen = new bool[names.Count];
        var blank = new bool[names.Count];
        var wide = new bool[names.Count];
        using (var cursor = data.GetRowCursor(data.Schema))
        {
            var getters = data.Schema.Select(c => cursor.GetGetter<ReadOnlyMemory<char>>(c)).ToArray();
            ReadOnlyMemory<char> value = default;
            long row = 0;
            while (cursor.MoveNext())
            {
                if ((++row & 0xFFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                for (var i = 0; i < getters.Length; i++)
                {
                    if (!canBool[i] && !canNumber[i])
                    {
                        continue;
                    }

                    getters[i](ref value);
                    var span = value.Span.Trim();
                    if (span.IsEmpty)
                    {
                        blank[i] = true;
                        continue;
                    }

                    seen[i] = true;
                    canBool[i] &= span.Equals("true", StringComparison.OrdinalIgnoreCase) || span.Equals("false", StringComparison.OrdinalIgnoreCase);
                    if (canNumber[i])
                    {
                        canNumber[i] = double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out var number);
                        wide[i] |= canNumber[i] && Math.Abs(number) > 16_777_216 && Math.Floor(number) == number;
                    }
                }
            }
        }

        return names.Select((n, i) => new DatasetColumnRecord
        {
            Name = n,
            Type = !seen[i] ? nameof(DataKind.String)
                : canBool[i] && !blank[i] ? nameof(DataKind.Boolean)
                : canNumber[i] ? (wide[i] ? nameof(DataKind.Double) : nameof(DataKind.Single))
                : nameof(DataKind.String),
        }).ToList();
    }
}
