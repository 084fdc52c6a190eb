namespace MlOps.Sdk.Records;

/// <summary>
/// A record in the store cannot be read: it is not valid JSON of its kind, or it was written by a newer version of
/// MlOps.Sdk with a schema this version does not know.
/// </summary>
public class RecordFormatException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="key">The key of the record.</param>
    /// <param name="problem">What is wrong with it, completing "The record at 'key' ...".</param>
    /// <param name="innerException">The parser's exception, if any.</param>
    public RecordFormatException(string key, string problem, Exception? innerException = null)
        : base($"The record at '{key}' {problem}.", innerException)
    {
        Key = key;
    }

    /// <summary>Gets the key of the record.</summary>
    public string Key { get; }
}
