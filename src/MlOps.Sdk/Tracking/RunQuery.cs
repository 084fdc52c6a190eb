namespace MlOps.Sdk.Tracking;

/// <summary>What <see cref="RunCatalog.SearchAsync"/> looks for: a filter, an order, the experiments to look in, and how many.</summary>
/// <example>
/// <code>
/// var best = client.Runs.SearchAsync(new RunQuery
/// {
///     Filter = "params.trainer = 'LightGbm' AND (metrics.auc >= 0.8 OR tags.candidate = 'yes') AND attributes.status = 'Finished'",
///     OrderBy = "metrics.auc DESC",
///     MaxResults = 10,
/// });
/// </code>
/// </example>
public sealed class RunQuery
{
    /// <summary>
    /// Gets or sets the filter: comparisons of <c>params.x</c>, <c>metrics.x</c>, <c>tags.x</c> and
    /// <c>attributes.x</c> (run_id, name, experiment, status, user, machine, commit, branch, environment, parent_run_id,
    /// start_time, end_time, duration) with <c>= != &lt; &lt;= &gt; &gt;= LIKE ILIKE IN IS NULL</c>, joined with
    /// <c>AND</c>, <c>OR</c>, <c>NOT</c> and parentheses.
    /// </summary>
    /// <value>Default <see langword="null"/>: every run.</value>
    public string? Filter { get; set; }

    /// <summary>Gets or sets the order, for example <c>metrics.auc DESC, attributes.start_time</c>; runs missing a key come last.</summary>
    /// <value>Default <see langword="null"/>: newest first.</value>
    public string? OrderBy { get; set; }

    /// <summary>Gets the experiments to search; all live experiments when empty.</summary>
    public IList<string> Experiments { get; } = [];

    /// <summary>Gets or sets the largest number of runs returned.</summary>
    /// <value>Default <see langword="null"/>: all.</value>
    public int? MaxResults { get; set; }

    /// <summary>Gets or sets a value indicating whether the runs of deleted experiments are searched too.</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool IncludeDeletedExperiments { get; set; }
}
