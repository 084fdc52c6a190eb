using System.Text.Json.Serialization;

namespace MlOps.Sdk.Monitoring;

/// <summary>
/// One piece of ground truth, as a row of the feedback Parquet files (the layout is a contract:
/// docs/monitoring-layout.md).
/// </summary>
public sealed class FeedbackRow
{
    /// <summary>Gets or sets the id of the prediction it is for, 32 hex digits.</summary>
    [JsonPropertyName("prediction_id")]
    public string PredictionId { get; set; } = string.Empty;

    /// <summary>Gets or sets when it was recorded (UTC).</summary>
    [JsonPropertyName("timestamp")]
    public DateTime Timestamp { get; set; }

    /// <summary>Gets or sets the actual value, as JSON (<c>true</c>, <c>12.5</c>, <c>"cat"</c>).</summary>
    [JsonPropertyName("actual")]
    public string Actual { get; set; } = string.Empty;
}
