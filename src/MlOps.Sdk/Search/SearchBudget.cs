using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Search;

/// <summary>
/// When a call to <see cref="Study.OptimizeAsync(Func{Trial, CancellationToken, Task{double}}, SearchBudget, CancellationToken)"/>
/// stops starting trials: a number of trials, a study-wide total, a time limit, a goal value, too many failures. Whatever
/// comes first ends it; trials already running finish. With no limit set it runs until cancelled (a worker that serves a
/// study shared by others, for example).
/// </summary>
/// <example>
/// <code>
/// await study.OptimizeAsync(objective, new SearchBudget { Trials = 100, Timeout = TimeSpan.FromHours(1) });
/// </code>
/// </example>
public sealed class SearchBudget : IValidatableObject
{
    /// <summary>Gets or sets how many trials this call runs (this process; other workers run their own).</summary>
    /// <value>Default none; at least 1.</value>
    [Range(1, int.MaxValue)]
    public int? Trials { get; set; }

    /// <summary>
    /// Gets or sets how many trials the study holds at most, counted over every worker: trial numbers at or above it are
    /// never created, so the workers of a distributed study stop together. Waiting and stale trials are still taken while
    /// the search runs; one that goes stale after every worker stopped is taken by the next search of the study.
    /// </summary>
    /// <value>Default none; at least 1.</value>
    [Range(1, int.MaxValue)]
    public int? TotalTrials { get; set; }

    /// <summary>Gets or sets how long this call starts new trials for.</summary>
    /// <value>Default none; above zero.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "3650.00:00:00")]
    public TimeSpan? Timeout { get; set; }

    /// <summary>Gets or sets a value good enough to stop at: once the study's best trial (any worker's) reaches it, no trial starts.</summary>
    /// <value>Default none; a finite number.</value>
    public double? TargetValue { get; set; }

    /// <summary>
    /// Gets or sets at how many failed trials of this call the search stops and rethrows the last failure's exception (a
    /// NaN value fails a trial with an <see cref="InvalidOperationException"/>).
    /// </summary>
    /// <value>Default 1 (the first exception in the objective stops the search, as a bug should); at least 1.</value>
    [Range(1, int.MaxValue)]
    public int MaxFailedTrials { get; set; } = 1;

    /// <summary>Gets or sets how many trials this process runs at once.</summary>
    /// <value>Default 1; between 1 and 1,024.</value>
    [Range(1, 1024)]
    public int Parallelism { get; set; } = 1;

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (TargetValue is { } target && !double.IsFinite(target))
        {
            yield return new ValidationResult($"TargetValue must be a finite number, not {target}.", [nameof(TargetValue)]);
        }
    }

    /// <summary>Creates a budget of a number of trials.</summary>
    /// <param name="trials">How many trials this call runs.</param>
    /// <returns>The budget.</returns>
    public static SearchBudget OfTrials(int trials) => new() { Trials = trials };
}

/// <summary>Why a search stopped starting trials.</summary>
public enum SearchStopReason
{
    /// <summary>This call ran <see cref="SearchBudget.Trials"/> trials.</summary>
    TrialsRun,

    /// <summary>The study holds <see cref="SearchBudget.TotalTrials"/> trials.</summary>
    TotalTrialsReached,

    /// <summary><see cref="SearchBudget.Timeout"/> passed.</summary>
    Timeout,

    /// <summary>The study's best value reached <see cref="SearchBudget.TargetValue"/>.</summary>
    TargetReached,

    /// <summary>The sampler has nothing new to offer (a grid fully visited).</summary>
    SamplerExhausted,

    /// <summary><see cref="SearchBudget.MaxFailedTrials"/> trials failed.</summary>
    TooManyFailures,

    /// <summary>The cancellation token was cancelled.</summary>
    Cancelled,
}

/// <summary>What a call to <see cref="Study.OptimizeAsync(Func{Trial, CancellationToken, Task{double}}, SearchBudget, CancellationToken)"/> did, and the study's best trial after it.</summary>
public sealed class SearchResult
{
    internal SearchResult(SearchStopReason stopReason, TrialInfo? bestTrial, int complete, int pruned, int failed, TimeSpan elapsed)
    {
        StopReason = stopReason;
        BestTrial = bestTrial;
        Complete = complete;
        Pruned = pruned;
        Failed = failed;
        Elapsed = elapsed;
    }

    /// <summary>Gets why the search stopped.</summary>
    public SearchStopReason StopReason { get; }

    /// <summary>Gets the study's best complete trial (any worker's), or <see langword="null"/> when none is complete.</summary>
    public TrialInfo? BestTrial { get; }

    /// <summary>Gets how many trials this call completed.</summary>
    public int Complete { get; }

    /// <summary>Gets how many trials this call pruned.</summary>
    public int Pruned { get; }

    /// <summary>Gets how many trials of this call failed.</summary>
    public int Failed { get; }

    /// <summary>Gets how long the call took.</summary>
    public TimeSpan Elapsed { get; }

    /// <inheritdoc />
    public override string ToString() => $"{StopReason}: {Complete} complete, {Pruned} pruned, {Failed} failed in {Elapsed}; best {BestTrial}";
}
