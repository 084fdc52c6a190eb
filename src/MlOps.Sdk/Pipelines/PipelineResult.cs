namespace MlOps.Sdk.Pipelines;

/// <summary>What a pipeline run did (or, for a plan, would do): each step's status, cache key and provenance; the outputs.</summary>
public sealed class PipelineResult
{
    private readonly Func<string, CancellationToken, Task<object?>> _value;

    internal PipelineResult(string pipeline, string? runId, IReadOnlyList<StepResult> steps, Func<string, CancellationToken, Task<object?>> value)
    {
        Pipeline = pipeline;
        RunId = runId;
        Steps = steps;
        _value = value;
    }

    /// <summary>Gets what the run did to each step's ML.NET context, to load its models the same way.</summary>
    internal Action<Microsoft.ML.MLContext>? ConfigureMLContext { get; init; }

    /// <summary>Gets each step's inputs, by step name.</summary>
    internal IReadOnlyDictionary<string, IReadOnlyList<string>> Inputs { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The steps that read a step's output, directly or through other steps.</summary>
    internal HashSet<string> ReadersOf(string step)
    {
        var readers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var candidate in Steps.Select(s => s.Name))
        {
            // Steps are in order: a reader comes after what it reads.
            if (Inputs.TryGetValue(candidate, out var inputs) && inputs.Any(i => i == step || readers.Contains(i)))
            {
                readers.Add(candidate);
            }
        }

        return readers;
    }

    /// <summary>The datasets, models and steps a step reads, directly or through other steps.</summary>
    internal HashSet<string> UpstreamOf(string step)
    {
        var upstream = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([step]);
        while (pending.TryPop(out var name))
        {
            foreach (var input in Inputs.GetValueOrDefault(name) ?? [])
            {
                if (upstream.Add(input))
                {
                    pending.Push(input);
                }
            }
        }

        return upstream;
    }

    /// <summary>Gets the pipeline's name.</summary>
    public string Pipeline { get; }

    /// <summary>Gets the id of the pipeline's run; <see langword="null"/> for a plan.</summary>
    public string? RunId { get; }

    /// <summary>Gets every dataset and step, in order.</summary>
    public IReadOnlyList<StepResult> Steps { get; }

    /// <summary>Gets one step's result.</summary>
    /// <param name="name">The step's name.</param>
    /// <returns>The result.</returns>
    /// <exception cref="KeyNotFoundException">No step has that name.</exception>
    public StepResult this[string name] => Steps.FirstOrDefault(s => s.Name == name) ?? throw new KeyNotFoundException($"The pipeline '{Pipeline}' has no step '{name}'.");

    /// <summary>Gets a step's output (restored from the cache if the step was reused): the same object the automated run produces.</summary>
    /// <typeparam name="T">The output's type.</typeparam>
    /// <param name="output">The step's handle.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The output.</returns>
    /// <exception cref="InvalidOperationException">The step was skipped, or this is a plan.</exception>
    public async Task<T> GetAsync<T>(StepOutput<T> output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        return (T)(await _value(output.Name, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Pipeline}: {string.Join(", ", Steps.Select(s => $"{s.Name} {s.Status}"))}";
}

/// <summary>One dataset or step of a pipeline run.</summary>
public sealed class StepResult
{
    internal StepResult(string name, StepStatus status, string key, string? runId, string? reusedFromRunId, TimeSpan duration, string? detail)
    {
        Name = name;
        Status = status;
        Key = key;
        RunId = runId;
        ReusedFromRunId = reusedFromRunId;
        Duration = duration;
        Detail = detail;
    }

    /// <summary>Gets the step's name.</summary>
    public string Name { get; }

    /// <summary>Gets whether it ran, was reused, or was skipped.</summary>
    public StepStatus Status { get; }

    /// <summary>Gets its cache key: a SHA-256 over its name, code fingerprint, version, parameters and its inputs' keys (a dataset's key is its identity).</summary>
    public string Key { get; }

    /// <summary>Gets the step's run in this pipeline run, if it has one.</summary>
    public string? RunId { get; }

    /// <summary>Gets the run that produced a reused output.</summary>
    public string? ReusedFromRunId { get; }

    /// <summary>Gets how long the step took here (restoring a reused output included).</summary>
    public TimeSpan Duration { get; }

    /// <summary>Gets a note for people: the dataset version a dataset resolved to, why a step runs (forced, not cached).</summary>
    public string? Detail { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Status}{(Detail is not null ? $" ({Detail})" : ReusedFromRunId is not null ? $" (from run {ReusedFromRunId})" : string.Empty)}";
}
