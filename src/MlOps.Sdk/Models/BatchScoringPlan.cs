using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlOps.Sdk.Models;

/// <summary>
/// What a batch scoring writes: the input columns carried (with their input values) and the model's output columns
/// kept, decided and checked against the data and the model before a single row is scored.
/// </summary>
internal sealed class BatchScoringPlan
{
    /// <summary>Carried columns travel under this prefix through the model, so a model that rewrites one in place does not change it.</summary>
    private const string CarriedPrefix = "mlops.scoring.input.";

    private BatchScoringPlan(IReadOnlyList<string> carried, IReadOnlyList<string> outputs)
    {
        Carried = carried;
        Outputs = outputs;
    }

    /// <summary>Gets the input columns carried into the predictions, in order.</summary>
    public IReadOnlyList<string> Carried { get; }

    /// <summary>Gets the model's output columns kept, in order, after the carried ones.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>Checks that the data fits the model and that the columns asked for exist; every problem is reported at once.</summary>
    /// <exception cref="ScoringSchemaMismatchException">The data does not fit, or a column asked for does not exist.</exception>
    public static BatchScoringPlan Create(LoadedModel loaded, IDataView data, BatchScoringOptions options, string datasetUri, string modelUri)
    {
        var schema = data.Schema;
        var problems = Fit(loaded.Model, loaded.InputSchema, schema);
        var fits = problems.Count == 0;
        var visible = schema.Where(c => !c.IsHidden).ToList();
        List<string> carried;
        if (options.InputColumns is { } named)
        {
            foreach (var missing in named.Where(c => schema.GetColumnOrNull(c) is not { IsHidden: false }))
            {
                problems.Add($"no column '{missing}' to carry (BatchScoringOptions.InputColumns; the data has {Describe(visible)})");
            }

            carried = [.. named];
        }
        else
        {
            carried = visible.Where(c => c.Type is not VectorDataViewType).Select(c => c.Name).ToList();
        }

        // Without a fit there is no output schema to check the output columns against.
        if (!fits)
        {
            throw new ScoringSchemaMismatchException(datasetUri, modelUri, problems);
        }

        var produced = loaded.Model.GetOutputSchema(schema).Where(c => !c.IsHidden).ToList();
        List<string> outputs;
        if (options.OutputColumns is { } asked)
        {
            foreach (var missing in asked.Where(c => !produced.Exists(p => p.Name == c)))
            {
                problems.Add($"the model's output has no column '{missing}' (BatchScoringOptions.OutputColumns; it has {Describe(produced)})");
            }

            outputs = [.. asked];
        }
        else
        {
            // New scalar columns: the predictions, not the features or in-place rewrites of the input.
            outputs = produced.Where(c => c.Type is not VectorDataViewType && schema.GetColumnOrNull(c.Name) is not { IsHidden: false }).Select(c => c.Name).ToList();
        }

        carried = carried.Where(c => !outputs.Contains(c, StringComparer.Ordinal)).ToList();
        if (problems.Count == 0 && carried.Count + outputs.Count == 0)
        {
            problems.Add($"there is no column to write (the model adds no scalar column; it produces {Describe(produced)}): name some in BatchScoringOptions.OutputColumns or InputColumns");
        }

        return problems.Count > 0 ? throw new ScoringSchemaMismatchException(datasetUri, modelUri, problems) : new BatchScoringPlan(carried, outputs);
    }

    /// <summary>The predictions: the carried input columns, then the kept output columns, nothing else (no hidden columns).</summary>
    public IDataView Apply(MLContext ml, ITransformer model, IDataView data)
    {
        var prepared = Carried.Count == 0 ? data : Copy(ml, Carried.Select(c => new InputOutputColumnPair(CarriedPrefix + c, c)), data);
        var scored = model.Transform(prepared);
        var restored = Carried.Count == 0 ? scored : Copy(ml, Carried.Select(c => new InputOutputColumnPair(c, CarriedPrefix + c)), scored);
        return ml.Transforms.SelectColumns([.. Carried, .. Outputs]).Fit(restored).Transform(restored);
    }

    private static IDataView Copy(MLContext ml, IEnumerable<InputOutputColumnPair> pairs, IDataView data)
    {
        IEstimator<ITransformer>? copies = null;
        foreach (var pair in pairs)
        {
            var copy = ml.Transforms.CopyColumns(pair.OutputColumnName, pair.InputColumnName);
            copies = copies is null ? copy : copies.Append(copy);
        }

        return copies is null ? data : copies.Fit(data).Transform(data);
    }

    /// <summary>
    /// Each column the model reads that the data lacks or has with another type. A column is a problem only if the model
    /// cannot do without it (a training set's label usually is not needed to score), which the model's schema propagation
    /// tells reliably: it fails on a missing column. (It does not always fail on a column of another type, so a column the
    /// model needs must have exactly its type.)
    /// </summary>
    private static List<string> Fit(ITransformer model, DataViewSchema modelInput, DataViewSchema data)
    {
        var problems = new List<string>();
        var expected = modelInput.Where(c => !c.IsHidden).ToList();
        foreach (var column in expected)
        {
            var found = data.GetColumnOrNull(column.Name);
            if (found is not { IsHidden: false } present)
            {
                if (!ReadsWithout(model, expected, column.Name))
                {
                    problems.Add($"no column '{column.Name}' ({column.Type})");
                }
            }
            else if (!present.Type.Equals(column.Type) && !ReadsWithout(model, expected, column.Name))
            {
                problems.Add($"'{column.Name}' is {present.Type}, the model reads {column.Type}");
            }
        }

        if (problems.Count == 0)
        {
            try
            {
                model.GetOutputSchema(data);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                problems.Add($"the model cannot read it ({ex.Message.Split('\n')[0].Trim()})");
            }
        }

        return problems;
    }

    /// <summary>Whether the model reads its own input schema with one column left out.</summary>
    private static bool ReadsWithout(ITransformer model, List<DataViewSchema.Column> expected, string name)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var column in expected.Where(c => c.Name != name))
        {
            builder.AddColumn(column.Name, column.Type, column.Annotations);
        }

        try
        {
            model.GetOutputSchema(builder.ToSchema());
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private static string Describe(IEnumerable<DataViewSchema.Column> columns) => string.Join(", ", columns.Select(c => $"{c.Name} ({c.Type})"));
}
