using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlOps.Sdk.Models;

/// <summary>Signatures: schemas as recorded columns, and row types checked against them.</summary>
internal static class ModelSignature
{
    public static List<ModelColumnRecord> Columns(DataViewSchema schema)
        => schema.Where(c => !c.IsHidden).Select(c => new ModelColumnRecord { Name = c.Name, Type = TypeName(c.Type) }).ToList();

    public static string TypeName(DataViewType type) => type.ToString() ?? type.RawType.Name;

    /// <summary>
    /// The schema definition of an input row type, with vector sizes taken from the model's saved input schema (a
    /// <c>float[]</c> without <c>[VectorType(4)]</c> is a vector of unknown size, which the model's <c>Vector&lt;Single, 4&gt;</c> accepts).
    /// </summary>
    /// <exception cref="ModelSchemaMismatchException">The type has a member ML.NET cannot map.</exception>
    public static SchemaDefinition InputDefinition(Type inputType, DataViewSchema saved, string uri)
    {
        SchemaDefinition definition;
        try
        {
            definition = SchemaDefinition.Create(inputType, SchemaDefinition.Direction.Write);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new ModelSchemaMismatchException(uri, [$"{inputType.Name} cannot be an ML.NET row: {ex.Message}"], ex);
        }

        foreach (var column in definition)
        {
            if (column.ColumnType is VectorDataViewType { Size: 0 } unsized
                && saved.GetColumnOrNull(column.ColumnName) is { Type: VectorDataViewType { Size: > 0 } sized }
                && sized.ItemType.Equals(unsized.ItemType))
            {
                column.ColumnType = sized;
            }
        }

        return definition;
    }

    /// <summary>
    /// Checks an input type against the recorded input schema (same-named columns must have the same type) and against
    /// the model itself (it must find every column it reads), and an output type against the output schema; every
    /// problem is reported at once.
    /// </summary>
    public static void Check(MLContext mlContext, ITransformer model, string uri, IReadOnlyList<ModelColumn> recordedInput, Type inputType, SchemaDefinition input, Type? outputType)
    {
        var problems = new List<string>();
        foreach (var member in input)
        {
            var recorded = recordedInput.FirstOrDefault(c => c.Name == member.ColumnName);
            var type = TypeName(member.ColumnType);
            if (recorded is not null && recorded.Type != type)
            {
                problems.Add($"column '{member.ColumnName}' is {recorded.Type} in the model's input but {type} in {inputType.Name}");
            }
        }

        DataViewSchema? output = null;
        Exception? modelComplaint = null;
        try
        {
            output = model.GetOutputSchema(Empty(mlContext, inputType, input).Schema);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            modelComplaint = ex;
            var missing = recordedInput.Where(c => !input.Any(m => m.ColumnName == c.Name)).Select(c => $"{c.Name} ({c.Type})").ToList();
            problems.Add($"the model cannot read {inputType.Name} ({ex.Message.Split('\n')[0].Trim()}){(missing.Count > 0 ? $"; columns of the model's input that {inputType.Name} does not have: {string.Join(", ", missing)}" : string.Empty)}");
        }

        if (output is not null && outputType is not null)
        {
            SchemaDefinition wanted;
            try
            {
                wanted = SchemaDefinition.Create(outputType, SchemaDefinition.Direction.Read);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException)
            {
                throw new ModelSchemaMismatchException(uri, [.. problems, $"{outputType.Name} cannot be an ML.NET row: {ex.Message}"], ex);
            }

            foreach (var member in wanted)
            {
                var column = output.GetColumnOrNull(member.ColumnName);
                if (column is null)
                {
                    problems.Add($"column '{member.ColumnName}' of {outputType.Name} is not produced by the model (it produces {string.Join(", ", output.Where(c => !c.IsHidden).Select(c => c.Name))})");
                }
                else if (column.Value.Type.RawType != member.ColumnType.RawType)
                {
                    problems.Add($"column '{member.ColumnName}' is {TypeName(column.Value.Type)} in the model's output but {TypeName(member.ColumnType)} in {outputType.Name}");
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new ModelSchemaMismatchException(uri, problems, modelComplaint);
        }
    }

    private static IDataView Empty(MLContext mlContext, Type rowType, SchemaDefinition definition)
    {
        var method = typeof(ModelSignature).GetMethod(nameof(EmptyOf), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(rowType);
        return (IDataView)method.Invoke(null, System.Reflection.BindingFlags.DoNotWrapExceptions, binder: null, [mlContext, definition], culture: null)!;
    }

    private static IDataView EmptyOf<T>(MLContext mlContext, SchemaDefinition definition)
        where T : class => mlContext.Data.LoadFromEnumerable(Array.Empty<T>(), definition);
}
