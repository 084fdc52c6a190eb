using Microsoft.ML;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Pipelines;

/// <summary>What a running step gets: its parameters, its inputs, an ML.NET context and its run.</summary>
/// <typeparam name="TParameters">The parameters the step declared (they are part of its cache key).</typeparam>
public sealed class StepContext<TParameters>
{
    private readonly IReadOnlyDictionary<string, object?> _inputs;

    internal StepContext(TParameters parameters, IReadOnlyDictionary<string, object?> inputs, MLContext ml, Run run, CancellationToken cancellationToken)
    {
        Parameters = parameters;
        _inputs = inputs;
        ML = ml;
        Run = run;
        CancellationToken = cancellationToken;
    }

    /// <summary>Gets the step's parameters, as its selector took them from the pipeline's options.</summary>
    public TParameters Parameters { get; }

    /// <summary>Gets the step's ML.NET context, seeded from <see cref="PipelineRunOptions.Seed"/> and the step's name.</summary>
    public MLContext ML { get; }

    /// <summary>Gets the step's run (a child of the pipeline's run): log more metrics and artifacts through it.</summary>
    public Run Run { get; }

    /// <summary>Gets the token that cancels the pipeline run.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Gets an input's value.</summary>
    /// <typeparam name="T">The input's type.</typeparam>
    /// <param name="input">An output of a dataset or step this step declared as an input.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentException">The step did not declare <paramref name="input"/> (its cache key would not cover it).</exception>
    public T Get<T>(StepOutput<T> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return _inputs.TryGetValue(input.Name, out var value)
            ? (T)value!
            : throw new ArgumentException($"'{input.Name}' is not an input of this step: declare it in the step's inputs, so that its cache key covers it.", nameof(input));
    }
}
