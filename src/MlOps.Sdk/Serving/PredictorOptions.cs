using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Serving;

/// <summary>How a served predictor follows its model.</summary>
public sealed class PredictorOptions
{
    /// <summary>Gets or sets how often the alias is looked at (one properties request when nothing changed).</summary>
    /// <value>Default 10 seconds; between 50 milliseconds and 1 day.</value>
    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how many looks at the store, at least half of them failing (over the last twice that many poll
    /// intervals), open the circuit: the store is then left alone for <see cref="BreakDuration"/>.
    /// </summary>
    /// <value>Default 3; between 2 and 1,000.</value>
    [Range(2, 1000)]
    public int FailuresBeforeBreak { get; set; } = 3;

    /// <summary>Gets or sets how long an open circuit keeps the predictor from the store (it keeps serving the last good model).</summary>
    /// <value>Default 30 seconds; between 1 second and 1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets the extra arms (canary, A/B variants) with their shares of requests; the predictor's own URI serves the rest.
    /// An arm whose model is not there (no <c>@canary</c> yet) gets no requests until it is.
    /// </summary>
    public IList<PredictorArm> Arms { get; } = [];

    /// <summary>
    /// Gets or sets a challenger that predicts on a copy of every request off the request path (bounded: copies are
    /// dropped, and counted, rather than slowing a caller); its predictions go to <see cref="OnShadowPrediction"/>, never
    /// to the caller. With the prediction log on, a shadow prediction is logged (arm <c>shadow</c>) when the served one
    /// was, under the served prediction's id and time, so the ground truth recorded for that id measures both.
    /// </summary>
    public string? ShadowUri { get; set; }

    /// <summary>Gets or sets what receives the shadow's predictions (logging, comparison); runs on a background task.</summary>
    public Action<ShadowPrediction>? OnShadowPrediction { get; set; }

    /// <summary>Gets or sets how many request copies wait for the shadow at most before new ones are dropped.</summary>
    /// <value>Default 10,000; between 1 and 10,000,000.</value>
    [Range(1, 10_000_000)]
    public int ShadowQueueCapacity { get; set; } = 10_000;

    /// <summary>Gets how predictions are logged for monitoring (off by default).</summary>
    public PredictionLogOptions PredictionLog { get; } = new();

    /// <summary>Sends a share of requests to the version <c>@{alias}</c> of the same model (a canary), the rest to the predictor's URI.</summary>
    /// <param name="modelName">The model's name.</param>
    /// <param name="weight">The canary's share, from 0 to 1.</param>
    /// <param name="alias">The canary's alias; <c>canary</c> by default.</param>
    /// <returns>These options.</returns>
    public PredictorOptions Canary(string modelName, double weight, string alias = "canary")
    {
        Arms.Add(new PredictorArm(alias, $"models:/{modelName}@{alias}", weight));
        return this;
    }
}
