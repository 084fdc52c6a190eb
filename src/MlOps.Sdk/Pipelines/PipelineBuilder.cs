using Microsoft.ML;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Pipelines;

/// <summary>
/// Declares a pipeline's datasets, models and steps (see <see cref="Pipeline.Create{TOptions}"/>). A step names its inputs and
/// the parameters it takes from the options: those, its code and its inputs' versions are its cache key, so a step
/// reads nothing else (it gets no access to the rest of the options).
/// </summary>
/// <typeparam name="TOptions">The pipeline's options.</typeparam>
public sealed class PipelineBuilder<TOptions>
    where TOptions : class
{
    private readonly List<PipelineNode> _nodes = [];

    internal PipelineBuilder()
    {
    }

    internal IReadOnlyList<PipelineNode> Nodes => _nodes;

    internal Action<MLContext>? Configure { get; private set; }

    /// <summary>
    /// Prepares every ML.NET context the pipeline uses (each step's, and those that load its outputs, register its models
    /// and reproduce its runs), before <see cref="PipelineRunOptions.ConfigureMLContext"/>: typically registering the
    /// assembly of a custom mapping its models save, so a script, the command line and a reproduction all load them.
    /// </summary>
    /// <param name="configure">What to do to a new context, for example <c>ml => ml.ComponentCatalog.RegisterAssembly(typeof(MyFactory).Assembly)</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is <see langword="null"/>.</exception>
    public void ConfigureMLContext(Action<MLContext> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Configure += configure;
    }

    /// <summary>Declares a dataset input: a version of a registered dataset, named by a URI the options give.</summary>
    /// <param name="name">The input's name, unique in the pipeline.</param>
    /// <param name="uri">The dataset's URI from the options, for example <c>o => o.Data</c> holding <c>datasets:/flights@latest</c>.</param>
    /// <returns>The handle steps read the data through.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid or taken.</exception>
    public StepOutput<IDataView> Dataset(string name, Func<TOptions, string> uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        Add(new DatasetNode(Validate(name), options => uri((TOptions)options)));
        return new StepOutput<IDataView>(name);
    }

    /// <summary>
    /// Declares a model input: a version of a registered model, named by a URI the options give, typically the parent a
    /// step continues training from (see <see cref="Models.ContinuedTraining"/>). An alias (<c>models:/churn@production</c>)
    /// is resolved to its version when the run starts; the version's content is part of the reading steps' cache keys,
    /// the pipeline's run records it as an input, and <see cref="PipelineCatalog.RegisterModelAsync"/> records it as the
    /// parent of a model whose step read it.
    /// </summary>
    /// <param name="name">The input's name, unique in the pipeline.</param>
    /// <param name="uri">The model's URI from the options (<c>models:/name/3</c> or <c>models:/name@alias</c>); <see langword="null"/> for none: the input's value is then <see langword="null"/> (train from scratch).</param>
    /// <returns>The handle steps read the model through (loaded, hash verified).</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid or taken.</exception>
    public StepOutput<ITransformer?> Model(string name, Func<TOptions, string?> uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        Add(new ModelNode(Validate(name), options => uri((TOptions)options)));
        return new StepOutput<ITransformer?>(name);
    }

    /// <summary>Declares a step without parameters.</summary>
    /// <typeparam name="TOut">What it produces (see <see cref="StepOutput{T}"/> for the types it can cache).</typeparam>
    /// <param name="name">The step's name, unique in the pipeline.</param>
    /// <param name="inputs">The outputs it reads (declared earlier).</param>
    /// <param name="run">The step's work.</param>
    /// <param name="version">A version to bump by hand when something the code fingerprint cannot see changed (a file it reads, a remote service).</param>
    /// <returns>The handle of its output.</returns>
    /// <exception cref="ArgumentException">The name is invalid or taken, or an input was not declared before.</exception>
    public StepOutput<TOut> Step<TOut>(string name, IReadOnlyList<IStepOutput> inputs, Func<StepContext<NoParameters>, TOut> run, string? version = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Step(name, inputs, _ => NoParameters.Value, run, version);
    }

    /// <summary>Declares a step with parameters taken from the options.</summary>
    /// <typeparam name="TParameters">The parameters' type (an anonymous type is fine); serialized to JSON for the cache key.</typeparam>
    /// <typeparam name="TOut">What it produces.</typeparam>
    /// <param name="name">The step's name, unique in the pipeline.</param>
    /// <param name="inputs">The outputs it reads (declared earlier).</param>
    /// <param name="parameters">Takes the step's parameters from the options, for example <c>o => new { o.Leaves }</c>.</param>
    /// <param name="run">The step's work.</param>
    /// <param name="version">A version to bump by hand when something the code fingerprint cannot see changed.</param>
    /// <returns>The handle of its output.</returns>
    /// <exception cref="ArgumentException">The name is invalid or taken, or an input was not declared before.</exception>
    public StepOutput<TOut> Step<TParameters, TOut>(string name, IReadOnlyList<IStepOutput> inputs, Func<TOptions, TParameters> parameters, Func<StepContext<TParameters>, TOut> run, string? version = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        return StepAsync(name, inputs, parameters, (context, _) => Task.FromResult(run(context)), version, run);
    }

    /// <summary>Declares an asynchronous step with parameters taken from the options.</summary>
    /// <typeparam name="TParameters">The parameters' type; serialized to JSON for the cache key.</typeparam>
    /// <typeparam name="TOut">What it produces.</typeparam>
    /// <param name="name">The step's name, unique in the pipeline.</param>
    /// <param name="inputs">The outputs it reads (declared earlier).</param>
    /// <param name="parameters">Takes the step's parameters from the options.</param>
    /// <param name="run">The step's work.</param>
    /// <param name="version">A version to bump by hand when something the code fingerprint cannot see changed.</param>
    /// <returns>The handle of its output.</returns>
    /// <exception cref="ArgumentException">The name is invalid or taken, or an input was not declared before.</exception>
    public StepOutput<TOut> StepAsync<TParameters, TOut>(string name, IReadOnlyList<IStepOutput> inputs, Func<TOptions, TParameters> parameters, Func<StepContext<TParameters>, CancellationToken, Task<TOut>> run, string? version = null)
        => StepAsync(name, inputs, parameters, run, version, run);

    private StepOutput<TOut> StepAsync<TParameters, TOut>(string name, IReadOnlyList<IStepOutput> inputs, Func<TOptions, TParameters> parameters, Func<StepContext<TParameters>, CancellationToken, Task<TOut>> run, string? version, Delegate body)
    {
        Validate(name);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(run);
        foreach (var input in inputs)
        {
            ArgumentNullException.ThrowIfNull(input, nameof(inputs));
            if (!_nodes.Exists(n => n.Name == input.Name))
            {
                throw new ArgumentException($"The step '{name}' reads '{input.Name}', which is not declared before it.", nameof(inputs));
            }
        }

        Add(new StepNode(
            name,
            typeof(TOut),
            [.. inputs.Select(i => i.Name)],
            options => parameters((TOptions)options),
            body,
            async (parameterValues, values, ml, stepRun, cancellationToken) =>
                await run(new StepContext<TParameters>((TParameters)parameterValues!, values, ml, stepRun, cancellationToken), cancellationToken).ConfigureAwait(false),
            version));
        return new StepOutput<TOut>(name);
    }

    private string Validate(string name)
    {
        TrackingNames.Key(name, "Step", nameof(name));
        if (_nodes.Exists(n => n.Name == name))
        {
            throw new ArgumentException($"The pipeline already has a dataset, model or step named '{name}'.", nameof(name));
        }

        return name;
    }

    private void Add(PipelineNode node) => _nodes.Add(node);
}

/// <summary>The parameters of a step that takes none.</summary>
public sealed class NoParameters
{
    private NoParameters()
    {
    }

    /// <summary>Gets the one instance.</summary>
    public static NoParameters Value { get; } = new();
}
