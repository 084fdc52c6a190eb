namespace MlOps.Sdk.Search;

/// <summary>Placeholder, replaced below.</summary>
public class Trial
{
    /// <summary>Gets a value indicating whether the pruner says to stop.</summary>
    public virtual bool ShouldPrune => false;

    /// <summary>Reports.</summary>
    /// <param name="value">The value.</param>
    /// <param name="step">The step.</param>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "stub")]
    public virtual void Report(double value, long step)
    {
    }
}
