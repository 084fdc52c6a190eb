using System.ComponentModel.DataAnnotations;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Serving;

/// <summary>
/// Prediction logging for monitoring: every sampled prediction (id, time, model, version, arm, input, output, latency)
/// is queued without blocking the caller and written in batches as Parquet files under
/// <c>monitoring/predictions/model={model}/date={yyyy-MM-dd}/</c>, which Spark, Synapse, Databricks or DuckDB read as they lie.
/// </summary>
public sealed class PredictionLogOptions
{
    /// <summary>Gets or sets a value indicating whether predictions are logged.</summary>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets the share of predictions logged, from 0 to 1.</summary>
    /// <value>Default 1: all of them.</value>
    [Range(0.0, 1.0)]
    public double SamplingRate { get; set; } = 1.0;

    /// <summary>Gets or sets how many predictions wait for the writer at most; more are dropped and counted, never waited for.</summary>
    /// <value>Default 100,000; between 1 and 100,000,000.</value>
    [Range(1, 100_000_000)]
    public int QueueCapacity { get; set; } = 100_000;

    /// <summary>Gets or sets how many predictions one file holds at most.</summary>
    /// <value>Default 50,000; between 1 and 10,000,000.</value>
    [Range(1, 10_000_000)]
    public int MaxRowsPerFile { get; set; } = 50_000;

    /// <summary>Gets or sets how long a prediction waits in the queue at most before its batch is written.</summary>
    /// <value>Default 10 seconds; between 10 milliseconds and 1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets the store the logs go to, when not the models' store: a serving process can read models with
    /// read-only credentials and write its logs to a container of their own.
    /// </summary>
    public ObjectStore? Store { get; set; }
}
