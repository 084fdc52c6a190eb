namespace MlOps.Sdk.Pipelines;

/// <summary>Creates pipelines: named graphs of steps that run the same way from a script, a notebook, a command line, a search trial and retraining.</summary>
public static class Pipeline
{
    /// <summary>Defines a pipeline whose steps read their parameters from <typeparamref name="TOptions"/>.</summary>
    /// <typeparam name="TOptions">The options the pipeline is configured with (bound from configuration, or built in code).</typeparam>
    /// <param name="name">The pipeline's name: its runs are recorded in the experiment of that name by default.</param>
    /// <param name="define">Declares the datasets and steps, in order: a step may use only what was declared before it.</param>
    /// <returns>The pipeline: immutable, reusable, thread-safe.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is invalid, or the definition declares a name twice or no step.</exception>
    /// <example>
    /// <code>
    /// var pipeline = Pipeline.Create&lt;FlightOptions&gt;("flight-delays", p =>
    /// {
    ///     var flights = p.Dataset("flights", o => o.Data);                                   // datasets:/flights@latest
    ///     var clean = p.Step("clean", [flights], ctx => Clean(ctx.ML, ctx.Get(flights)));
    ///     var model = p.Step("train", [clean], o => new { o.Leaves }, ctx => Train(ctx.ML, ctx.Get(clean), ctx.Parameters.Leaves));
    ///     p.Step("evaluate", [model, clean], ctx => Evaluate(ctx.ML, ctx.Get(model), ctx.Get(clean)));
    /// });
    /// var result = await client.Pipelines.RunAsync(pipeline, new FlightOptions { Leaves = 31 });
    /// </code>
    /// </example>
    public static Pipeline<TOptions> Create<TOptions>(string name, Action<PipelineBuilder<TOptions>> define)
        where TOptions : class
    {
        Tracking.TrackingNames.Experiment(name, nameof(name));
        ArgumentNullException.ThrowIfNull(define);
        var builder = new PipelineBuilder<TOptions>();
        define(builder);
        if (!builder.Nodes.OfType<StepNode>().Any())
        {
            throw new ArgumentException($"The pipeline '{name}' declares no step.", nameof(define));
        }

        return new Pipeline<TOptions>(name, [.. builder.Nodes], builder.Configure);
    }
}

/// <summary>A named graph of steps over datasets, configured by <typeparamref name="TOptions"/>. Create one with <see cref="Pipeline.Create{TOptions}"/>.</summary>
/// <typeparam name="TOptions">The options the pipeline is configured with.</typeparam>
public sealed class Pipeline<TOptions>
    where TOptions : class
{
    internal Pipeline(string name, IReadOnlyList<PipelineNode> nodes, Action<Microsoft.ML.MLContext>? configureMLContext)
    {
        Name = name;
        Nodes = nodes;
        ConfigureMLContext = configureMLContext;
    }

    /// <summary>Gets the pipeline's name.</summary>
    public string Name { get; }

    /// <summary>Gets the names of its datasets and steps, in the order they run.</summary>
    public IReadOnlyList<string> StepNames => [.. Nodes.Select(n => n.Name)];

    internal IReadOnlyList<PipelineNode> Nodes { get; }

    /// <summary>Gets what the definition does to every ML.NET context the pipeline uses (see <see cref="PipelineBuilder{TOptions}.ConfigureMLContext"/>).</summary>
    internal Action<Microsoft.ML.MLContext>? ConfigureMLContext { get; }

    /// <summary>
    /// Gets the handle of a dataset's or step's output by name, for code that holds the pipeline but not the handles its
    /// definition returned: <c>result.GetAsync(pipeline.GetOutput&lt;ITransformer&gt;("train"))</c>.
    /// </summary>
    /// <typeparam name="T">The output's type: the step's own, or a type it can be read as (<see cref="object"/>, an interface it implements).</typeparam>
    /// <param name="name">The dataset's or step's name.</param>
    /// <returns>The handle.</returns>
    /// <exception cref="ArgumentException">
    /// The pipeline has no dataset or step of that name (the message lists those it has), or its output cannot be read as
    /// <typeparamref name="T"/> (the message names its type).
    /// </exception>
    public StepOutput<T> GetOutput<T>(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var node = Nodes.FirstOrDefault(n => n.Name == name)
            ?? throw new ArgumentException($"The pipeline '{Name}' has no dataset or step '{name}'; it has {string.Join(", ", StepNames)}.", nameof(name));
        return typeof(T).IsAssignableFrom(node.OutputType)
            ? new StepOutput<T>(name)
            : throw new ArgumentException($"The output of '{name}' in the pipeline '{Name}' is a {node.OutputType.Name}, not a {typeof(T).Name}.", nameof(name));
    }

    /// <inheritdoc />
    public override string ToString() => $"pipeline {Name}: {string.Join(" -> ", StepNames)}";
}
