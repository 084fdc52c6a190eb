namespace MlOps.Sdk.Tracking;

/// <summary>How a run starts.</summary>
public sealed class StartRunOptions
{
    /// <summary>Gets or sets the run's name (not unique; runs are identified by id).</summary>
    public string? Name { get; set; }

    /// <summary>Gets or sets a description of the run.</summary>
    public string? Description { get; set; }

    /// <summary>Gets or sets the id of the run this one is a child of (trials of a search, steps of a pipeline, folds).</summary>
    public string? ParentRunId { get; set; }

    /// <summary>Gets or sets the id the run is created with (a search trial names its run before it starts); a new one when <see langword="null"/>.</summary>
    internal string? PresetRunId { get; set; }

    /// <summary>Gets the tags the run starts with.</summary>
    public IDictionary<string, string> Tags { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets the parameters the run starts with.</summary>
    public IDictionary<string, object?> Parameters { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);
}
