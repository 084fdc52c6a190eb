using Microsoft.ML;
using MlOps.Sdk.Data;

namespace MlOps.Sdk.Pipelines;

/// <summary>A dataset or step of a pipeline, as the runner sees it.</summary>
internal abstract class PipelineNode(string name, Type outputType)
{
    public string Name { get; } = name;

    public Type OutputType { get; } = outputType;
}

/// <summary>A dataset the pipeline reads: its URI comes from the options; its identity (content hash) is its cache key.</summary>
internal sealed class DatasetNode(string name, Func<object, string> uri) : PipelineNode(name, typeof(IDataView))
{
    public string ResolveUri(object options) => uri(options);
}

/// <summary>
/// A registered model the pipeline reads (the parent of online learning): its URI comes from the options and may be
/// absent; an alias is resolved to its version when the run starts, and that version's content hash is its cache key.
/// </summary>
internal sealed class ModelNode(string name, Func<object, string?> uri) : PipelineNode(name, typeof(ITransformer))
{
    public string? ResolveUri(object options) => uri(options);
}

/// <summary>A step: its inputs, its parameters (from the options), its body, and what makes its cache key.</summary>
internal sealed class StepNode(
    string name,
    Type outputType,
    IReadOnlyList<string> inputs,
    Func<object, object?> parameters,
    Delegate body,
    Func<object?, IReadOnlyDictionary<string, object?>, MLContext, Tracking.Run, CancellationToken, Task<object?>> execute,
    string? version) : PipelineNode(name, outputType)
{
    public IReadOnlyList<string> Inputs { get; } = inputs;

    public Func<object, object?> Parameters { get; } = parameters;

    public Delegate Body { get; } = body;

    public Func<object?, IReadOnlyDictionary<string, object?>, MLContext, Tracking.Run, CancellationToken, Task<object?>> Execute { get; } = execute;

    public string? Version { get; } = version;
}
