using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlOps.Sdk.Models;

/// <summary>Signatures: schemas as recorded columns, and a row type checked against them.</summary>
internal static class ModelSignature
{
    public static List<ModelColumnRecord> Columns(DataViewSchema schema)
        => schema.Where(c => !c.IsHidden).Select(c => new ModelColumnRecord { Name = c.Name, Type = TypeName(c.Type) }).ToList();

    public static string TypeName(DataViewType type) => type.ToString() ?? type.RawType.Name;

    /// <summary>
    /// Checks <paramref name="inputType"/> against the recorded input schema (same-named columns must have the same
    /// type) and against the model itself (it must find every column it reads), and <paramref name="outputType"/>
    /// against the output schema; every problem is reported at once.
    /// </summary>
    public static void Check(MLContext mlContext, ITransformer model, string uri, IReadOnlyList<ModelColumn> recordedInput, Type inputType, Type? outputType)
    {
        var problems = new List<string>();
        var input = SchemaDefinition.Create(inputType, SchemaDefinition.Direction.Write);
        foreach (var member in input)
        {
            var recorded = recordedInput.FirstOrDefault(c => c.Name == member.ColumnName);
            var type = TypeName(member.ColumnType);
            if (recorded is not null && recorded.Type != type)
            {
                problems.Add($"column '{member.ColumnName}' is {recorded.Type} in the model's input but {type} in {inputType.Name}");
            }
        }

        if (problems.Count == 0)
        {
            DataViewSchema output;
            try
            {
                output = model.GetOutputSchema(Empty(mlContext, inputType).Schema);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                var missing = recordedInput.Where(c => !input.Any(m => m.ColumnName == c.Name)).Select(c => $"{c.Name} ({c.Type})").ToList();
                problems.Add($"{inputType.Name} lacks a column the model reads ({ex.Message.Split('\n')[0].Trim()}){(missing.Count > 0 ? $"; columns of the model's input that {inputType.Name} does not have: {string.Join(", ", missing)}" : string.Empty)}");
                throw new ModelSchemaMismatchException(uri, problems, ex);
            }

            if (outputType is not null)
            {
                foreach (var member in SchemaDefinition.Create(outputType, SchemaDefinition.Direction.Read))
                {
                    var column = output.GetColumnOrNull(member.ColumnName);
                    var type = TypeName(member.ColumnType);
                    if (column is null)
                    {
                        problems.Add($"column '{member.ColumnName}' of {outputType.Name} is not produced by the model (it produces {string.Join(", ", output.Where(c => !c.IsHidden).Select(c => c.Name))})");
                    }
                    else if (column.Value.Type.RawType != member.ColumnType.RawType)
                    {
                        problems.Add($"column '{member.ColumnName}' is {TypeName(column.Value.Type)} in the model's output but {type} in {outputType.Name}");
                    }
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new ModelSchemaMismatchException(uri, problems);
        }
    }

    private static IDataView Empty(MLContext mlContext, Type rowType)
    {
        var method = typeof(ModelSignature).GetMethod(nameof(EmptyOf), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(rowType);
        return (IDataView)method.Invoke(null, [mlContext])!;
    }

    private static IDataView EmptyOf<T>(MLContext mlContext)
        where T : class => mlContext.Data.LoadFromEnumerable(Array.Empty<T>());
}
