using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Search;

/// <summary>How a study searches: direction, sampler, pruner, and what happens to trials whose worker vanished.</summary>
public sealed class StudyOptions
{
    /// <summary>Gets or sets whether smaller or larger values are better. Fixed when the study is created.</summary>
    /// <value>Default <see cref="StudyDirection.Minimize"/>.</value>
    public StudyDirection Direction { get; set; } = StudyDirection.Minimize;

    /// <summary>Gets or sets the sampler that chooses parameters.</summary>
    /// <value>Default: a <c>TpeSampler</c> with its defaults (unseeded).</value>
    public Sampler? Sampler { get; set; }

    /// <summary>Gets or sets the pruner that stops unpromising trials early; <see langword="null"/> prunes nothing.</summary>
    public Pruner? Pruner { get; set; }

    /// <summary>Gets or sets the experiment the study's run and its trials' runs are recorded in.</summary>
    /// <value>Default: the study's name.</value>
    public string? Experiment { get; set; }

    /// <summary>Gets or sets how many times a stale trial (its worker vanished) is taken up again under its number.</summary>
    /// <value>Default 1; between 0 (stale trials stay stale) and 100.</value>
    [Range(0, 100)]
    public int StaleTrialRetries { get; set; } = 1;
}
