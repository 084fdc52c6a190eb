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
}
