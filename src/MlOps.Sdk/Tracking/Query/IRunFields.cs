namespace MlOps.Sdk.Tracking;

/// <summary>
/// Reads the fields of one run for a run-search filter (<see cref="RunFilter"/>) and ordering (<see cref="RunOrdering"/>).
/// </summary>
/// <remarks>
/// A filter calls these methods once per condition each time it evaluates a run, and an ordering once per key each
/// time it compares two runs, so implementations should answer from memory without allocating. Returning
/// <see langword="false"/> (or an attribute value of <see langword="null"/>) means the run has no such field; see
/// <see cref="RunFilter"/> for how a missing field compares.
/// </remarks>
internal interface IRunFields
{
    /// <summary>Gets the value of a parameter of the run.</summary>
    /// <param name="name">The parameter name, exactly as logged (case-sensitive).</param>
    /// <param name="value">The value, when the run has the parameter.</param>
    /// <returns><see langword="true"/> when the run has the parameter.</returns>
    bool TryGetParameter(string name, out string value);

    /// <summary>Gets the value of a tag of the run.</summary>
    /// <param name="name">The tag name, exactly as set (case-sensitive).</param>
    /// <param name="value">The value, when the run has the tag.</param>
    /// <returns><see langword="true"/> when the run has the tag.</returns>
    bool TryGetTag(string name, out string value);

    /// <summary>Gets the latest value of a metric of the run.</summary>
    /// <param name="name">The metric name, exactly as logged (case-sensitive).</param>
    /// <param name="value">The latest logged value (it may be <see cref="double.NaN"/>), when the run has the metric.</param>
    /// <returns><see langword="true"/> when the run has logged the metric at least once.</returns>
    bool TryGetMetric(string name, out double value);

    /// <summary>Gets a built-in attribute of the run.</summary>
    /// <param name="name">
    /// The attribute name in lower case: <c>run_id</c>, <c>name</c>, <c>experiment</c>, <c>status</c>, <c>user</c>,
    /// <c>machine</c>, <c>commit</c>, <c>branch</c>, <c>environment</c>, <c>parent_run_id</c>, <c>start_time</c>,
    /// <c>end_time</c> or <c>duration</c>.
    /// </param>
    /// <param name="value">
    /// The value: a <see cref="string"/> for text attributes and <c>status</c> (<c>Running</c>, <c>Finished</c>,
    /// <c>Failed</c>, <c>Killed</c> or <c>Crashed</c>), a <see cref="DateTimeOffset"/> (or Unix milliseconds as a
    /// <see cref="long"/>) for <c>start_time</c> and <c>end_time</c>, a <see cref="double"/> number of seconds for
    /// <c>duration</c>; <see langword="null"/> when the attribute is not set (for example <c>end_time</c> of a running run).
    /// </param>
    /// <returns><see langword="true"/> when the attribute is known, even if its value is <see langword="null"/>.</returns>
    bool TryGetAttribute(string name, out object? value);
}
