using System.Globalization;
using System.Text.Json;

namespace MlOps.Sdk.Monitoring;

/// <summary>
/// A logged prediction, joined with its ground truth when some was recorded: what diagnosis queries, performance and
/// drift read.
/// </summary>
public sealed class LoggedPrediction
{
    internal LoggedPrediction(Guid id, DateTimeOffset timestamp, string model, int version, string arm, string? routingKey, JsonElement input, JsonElement output, double latencyMs)
    {
        Id = id;
        Timestamp = timestamp;
        Model = model;
        Version = version;
        Arm = arm;
        RoutingKey = routingKey;
        Input = input;
        Output = output;
        LatencyMs = latencyMs;
    }

    /// <summary>
    /// Gets the prediction's id (the one returned to the caller, for feedback). A shadow's prediction has the id of the
    /// served prediction it shadowed, so one piece of feedback measures both; id and arm together name a row.
    /// </summary>
    public Guid Id { get; }

    /// <summary>Gets when it was made.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Gets the model's name.</summary>
    public string Model { get; }

    /// <summary>Gets the model version that made it.</summary>
    public int Version { get; }

    /// <summary>Gets the arm that served it (<c>main</c>, a weighted arm's alias, or <c>shadow</c>).</summary>
    public string Arm { get; }

    /// <summary>Gets the caller's routing key, if any.</summary>
    public string? RoutingKey { get; }

    /// <summary>Gets the input, a JSON object of the input row's fields.</summary>
    public JsonElement Input { get; }

    /// <summary>Gets the output, a JSON object of the output row's fields (for example <c>Score</c>, <c>Probability</c>, <c>PredictedLabel</c>).</summary>
    public JsonElement Output { get; }

    /// <summary>Gets how long the prediction took, in milliseconds.</summary>
    public double LatencyMs { get; }

    /// <summary>Gets the ground truth as JSON, or <see langword="null"/> when none was recorded (yet).</summary>
    public JsonElement? Actual { get; internal set; }

    /// <summary>Gets when the ground truth was recorded, or <see langword="null"/>.</summary>
    public DateTimeOffset? FeedbackAt { get; internal set; }

    /// <summary>Gets a value indicating whether ground truth was recorded.</summary>
    public bool HasFeedback => Actual is not null;

    /// <summary>
    /// Gets the size of the error when ground truth is known: |actual − Probability| for a probability (Booleans count as
    /// 1 and 0), else |actual − Score|; for a text or key label, 0 when <c>PredictedLabel</c> equals it and 1 when not;
    /// <see langword="null"/> without feedback or when the output has none of those fields.
    /// </summary>
    public double? Error
    {
        get
        {
            if (Actual is not { } actual)
            {
                return null;
            }

            var label = AsNumber(actual);
            var predicted = OutputNumber("Probability") ?? OutputNumber("Score");
            if (label is { } l && predicted is { } p)
            {
                return Math.Abs(l - p);
            }

            return Output.ValueKind == JsonValueKind.Object && Output.TryGetProperty("PredictedLabel", out var predictedLabel)
                ? (JsonText(predictedLabel) == JsonText(actual) ? 0 : 1)
                : null;
        }
    }

    /// <summary>Gets an input field as a number (Booleans as 1 and 0), or <see langword="null"/> when it is missing, NaN or not a number.</summary>
    /// <param name="field">The field's name.</param>
    /// <returns>The number.</returns>
    public double? InputNumber(string field) => Field(Input, field) is { } e ? AsNumber(e) : null;

    /// <summary>Gets an input field as text (numbers and Booleans as JSON writes them), or <see langword="null"/> when it is missing or null.</summary>
    /// <param name="field">The field's name.</param>
    /// <returns>The text.</returns>
    public string? InputText(string field) => Field(Input, field) is { } e ? JsonText(e) : null;

    /// <summary>Gets an output field as a number (Booleans as 1 and 0), or <see langword="null"/>.</summary>
    /// <param name="field">The field's name, for example <c>Score</c> or <c>Probability</c>.</param>
    /// <returns>The number.</returns>
    public double? OutputNumber(string field) => Field(Output, field) is { } e ? AsNumber(e) : null;

    /// <summary>Gets the ground truth as a number (Booleans as 1 and 0), or <see langword="null"/>.</summary>
    /// <returns>The number.</returns>
    public double? ActualNumber() => Actual is { } a ? AsNumber(a) : null;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Id:N} {Timestamp:O} {Model} v{Version} ({Arm}): {Output.GetRawText()}{(Actual is { } a ? $", actual {a.GetRawText()}" : string.Empty)}");

    internal static JsonElement? Field(JsonElement obj, string field)
        => obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(field, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? value : null;

    internal static double? AsNumber(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True => 1,
        JsonValueKind.False => 0,
        // NaN and infinities are written as strings ("NaN"): a missing value, not a number.
        JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => d,
        _ => null,
    };

    internal static string? JsonText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };
}
