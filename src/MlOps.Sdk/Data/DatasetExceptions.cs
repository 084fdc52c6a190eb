namespace MlOps.Sdk.Data;

/// <summary>No dataset version answers the reference (an unknown name, version or alias).</summary>
public class DatasetNotFoundException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="reference">What was asked for, for example <c>datasets:/flights/7</c>.</param>
    /// <param name="detail">Why it names nothing, when known.</param>
    public DatasetNotFoundException(string reference, string? detail = null)
        : base($"No dataset version answers '{reference}'{(detail is null ? "." : $": {detail}")}")
    {
        Reference = reference;
    }

    /// <summary>Gets what was asked for.</summary>
    public string Reference { get; }
}

/// <summary>
/// A file being registered changed while it was read (its size, times or identity differ before and after, or its bytes
/// no longer hash to what was first read). Nothing was registered.
/// </summary>
/// <remarks>Register it again once it has stopped changing.</remarks>
public class DatasetSourceChangedException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="path">The file that changed.</param>
    /// <param name="detail">What was seen to change.</param>
    /// <param name="innerException">The exception that revealed it, if any.</param>
    public DatasetSourceChangedException(string path, string detail, Exception? innerException = null)
        : base($"The file '{path}' changed while it was being registered ({detail}); nothing was registered. Register it again once it has stopped changing.", innerException)
    {
        FilePath = path;
    }

    /// <summary>Gets the file that changed.</summary>
    public string FilePath { get; }
}

/// <summary>The data does not have the columns a caller expects of it: the message names each missing or mistyped column.</summary>
public class DatasetSchemaMismatchException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="dataset">The dataset version.</param>
    /// <param name="problems">One line per column that is missing or has another type.</param>
    public DatasetSchemaMismatchException(string dataset, IReadOnlyList<string> problems)
        : base($"The schema of {dataset} does not match what was asked for: {string.Join("; ", problems)}.")
    {
        Dataset = dataset;
        Problems = problems;
    }

    /// <summary>Gets the dataset version.</summary>
    public string Dataset { get; }

    /// <summary>Gets one description per mismatched column.</summary>
    public IReadOnlyList<string> Problems { get; }
}
