namespace MlOps.Sdk.Retraining;

/// <summary>An approval or rejection names a challenger that does not wait for one (decided already, superseded, or never waiting).</summary>
public class ApprovalNotPendingException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="version">The version named.</param>
    /// <param name="state">What it is instead.</param>
    public ApprovalNotPendingException(string model, int version, string state)
        : base($"Version {version} of model '{model}' does not wait for approval: {state}.")
    {
        Model = model;
        Version = version;
        State = state;
    }

    /// <summary>Gets the model's name.</summary>
    public string Model { get; }

    /// <summary>Gets the version named.</summary>
    public int Version { get; }

    /// <summary>Gets what the challenger is instead of waiting.</summary>
    public string State { get; }
}

/// <summary>The holdout dataset cannot be scored by the model: a column it reads is missing or of another type.</summary>
public class HoldoutSchemaMismatchException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="holdout">The holdout dataset's URI.</param>
    /// <param name="model">The model's URI.</param>
    /// <param name="problems">Each column that does not fit, and how.</param>
    public HoldoutSchemaMismatchException(string holdout, string model, IReadOnlyList<string> problems)
        : base($"The holdout {holdout} does not fit {model}: {string.Join("; ", problems)}.")
    {
        Holdout = holdout;
        Problems = problems;
    }

    /// <summary>Gets the holdout dataset's URI.</summary>
    public string Holdout { get; }

    /// <summary>Gets each column that does not fit, and how.</summary>
    public IReadOnlyList<string> Problems { get; }
}
