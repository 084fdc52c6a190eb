namespace MlOps.Sdk.Serving;

/// <summary>
/// An extra arm of a served predictor (canary, A/B variant): the share of requests it gets and the model it serves.
/// The predictor's own URI gets the rest.
/// </summary>
/// <param name="Name">The arm's name, reported with every prediction it makes (<c>canary</c>, <c>b</c>, ...).</param>
/// <param name="Uri">Its model: <c>models:/churn@canary</c>, <c>models:/churn/7</c>.</param>
/// <param name="Weight">Its share of requests, from 0 to 1; all arms together at most 1.</param>
public sealed record PredictorArm(string Name, string Uri, double Weight);

/// <summary>A prediction a shadow model made on a copy of a request: logged and compared, never returned.</summary>
/// <param name="Predictor">The served predictor.</param>
/// <param name="Input">The request's input.</param>
/// <param name="Served">What the caller got.</param>
/// <param name="ShadowModel">The shadow model's name.</param>
/// <param name="ShadowVersion">Its version.</param>
/// <param name="ShadowValue">What it predicted.</param>
/// <param name="Elapsed">How long the shadow took.</param>
public sealed record ShadowPrediction(string Predictor, object Input, object Served, string ShadowModel, int ShadowVersion, object ShadowValue, TimeSpan Elapsed);
