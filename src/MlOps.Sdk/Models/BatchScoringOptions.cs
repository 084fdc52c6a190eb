using System.ComponentModel.DataAnnotations;
using Microsoft.ML;

namespace MlOps.Sdk.Models;

/// <summary>
/// How <see cref="ModelCatalog.ScoreAsync(string, string, string, BatchScoringOptions?, CancellationToken)"/> scores a
/// dataset: which columns the predictions keep, the run it is recorded in, and the ML.NET context it loads into.
/// </summary>
public sealed class BatchScoringOptions : IValidatableObject
{
    /// <summary>Gets or sets the experiment the scoring run is recorded in.</summary>
    /// <value>Default <c>batch-scoring</c>.</value>
    [Required(AllowEmptyStrings = false)]
    public string Experiment { get; set; } = "batch-scoring";

    /// <summary>Gets or sets the parent of the scoring run (a pipeline run, a retraining attempt), if any.</summary>
    public string? ParentRunId { get; set; }

    /// <summary>
    /// Gets or sets the input columns carried into the predictions, in this order (an id, say), with the values they had
    /// in the input (a model that rewrites a column in place does not change what is carried).
    /// </summary>
    /// <value>
    /// Default <see langword="null"/>: every scalar column of the input; vector columns only when named. Empty: none.
    /// </value>
    public IList<string>? InputColumns { get; set; }

    /// <summary>Gets or sets the columns of the model's output kept in the predictions, in this order.</summary>
    /// <value>
    /// Default <see langword="null"/>: every scalar column the model adds to its input (<c>PredictedLabel</c>,
    /// <c>Score</c>, <c>Probability</c>, ...); vector columns (<c>Features</c>, encodings, a multiclass model's per-class
    /// <c>Score</c>) and columns the model rewrote in place only when named. A column named here that is also an input
    /// column is taken from the model's output.
    /// </value>
    public IList<string>? OutputColumns { get; set; }

    /// <summary>
    /// Gets or sets the ML.NET context the model is loaded into and the data is read and scored with: one whose component
    /// catalog knows the model's custom mappings.
    /// </summary>
    /// <value>Default <see langword="null"/>: a new context.</value>
    public MLContext? MLContext { get; set; }

    /// <summary>Gets or sets the description of the new dataset version.</summary>
    /// <value>Default <see langword="null"/>: "Predictions of {model version} on {input version}".</value>
    public string? Description { get; set; }

    /// <summary>Gets the tags of the new dataset version, added to the <c>mlops.scoring.*</c> tags the scoring sets (the model and input versions).</summary>
    public IDictionary<string, string> Tags { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (list, name) in new[] { (InputColumns, nameof(InputColumns)), (OutputColumns, nameof(OutputColumns)) })
        {
            if (list is null)
            {
                continue;
            }

            if (list.Any(string.IsNullOrWhiteSpace))
            {
                yield return new ValidationResult("A column name is empty.", [name]);
            }

            foreach (var repeated in list.Where(c => !string.IsNullOrWhiteSpace(c)).GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                yield return new ValidationResult($"The column '{repeated.Key}' is named more than once.", [name]);
            }
        }

        if (InputColumns is not null && OutputColumns is not null)
        {
            foreach (var both in InputColumns.Intersect(OutputColumns, StringComparer.Ordinal))
            {
                yield return new ValidationResult($"The column '{both}' is named both to carry from the input and to keep from the model's output; name it in one list.", [nameof(InputColumns), nameof(OutputColumns)]);
            }
        }
    }
}
