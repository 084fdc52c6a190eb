using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Storage;

/// <summary>
/// How records changed by compare-and-swap (run status, aliases, ...) retry when another writer changed them first:
/// re-read, re-apply the change, write again, after an exponentially growing, jittered delay.
/// </summary>
public sealed class ConflictRetryOptions
{
    /// <summary>Gets or sets how many times a conflicting change is retried before the conflict is reported.</summary>
    /// <value>Default 20; between 0 and 1000.</value>
    [Range(0, 1000)]
    public int MaxRetryAttempts { get; set; } = 20;

    /// <summary>Gets or sets the delay before the first retry; later ones grow exponentially, with jitter.</summary>
    /// <value>Default 10 milliseconds; between 0 and 10 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Gets or sets the longest delay between two retries.</summary>
    /// <value>Default 1 second; between 0 and 1 minute.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(1);
}
