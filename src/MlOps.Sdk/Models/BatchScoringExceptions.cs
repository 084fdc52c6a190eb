namespace MlOps.Sdk.Models;

/// <summary>
/// A dataset cannot be scored by a model: a column the model reads is missing or of another type, or a column asked for
/// in <see cref="BatchScoringOptions"/> does not exist. Nothing was registered.
/// </summary>
public class ScoringSchemaMismatchException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="dataset">The dataset version's URI.</param>
    /// <param name="model">The model version's URI.</param>
    /// <param name="problems">Each column that does not fit, and how.</param>
    public ScoringSchemaMismatchException(string dataset, string model, IReadOnlyList<string> problems)
        : base($"{dataset} cannot be scored by {model}: {string.Join("; ", problems)}. Nothing was registered.")
    {
        Dataset = dataset;
        Model = model;
        Problems = problems;
    }

    /// <summary>Gets the dataset version's URI.</summary>
    public string Dataset { get; }

    /// <summary>Gets the model version's URI.</summary>
    public string Model { get; }

    /// <summary>Gets each column that does not fit, and how.</summary>
    public IReadOnlyList<string> Problems { get; }
}
