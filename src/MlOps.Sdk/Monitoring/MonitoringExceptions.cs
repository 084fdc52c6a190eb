namespace MlOps.Sdk.Monitoring;

/// <summary>A monitoring file (a prediction log or feedback) cannot be read as Parquet of the documented schema.</summary>
public class MonitoringLogFormatException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="key">The file's key in the store.</param>
    /// <param name="innerException">Why it cannot be read.</param>
    public MonitoringLogFormatException(string key, Exception? innerException)
        : base($"The monitoring file '{key}' cannot be read as Parquet of the documented schema (docs/monitoring-layout.md): {innerException?.Message}", innerException)
    {
        Key = key;
    }

    /// <summary>Gets the file's key in the store.</summary>
    public string Key { get; }
}
