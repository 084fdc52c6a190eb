using Microsoft.ML;

namespace MlOps.Sdk.Models;

/// <summary>A model loaded from the registry (or from a run): the ML.NET transformer, its input schema, and what version it is.</summary>
public sealed class LoadedModel
{
    internal LoadedModel(MLContext mlContext, ITransformer model, DataViewSchema inputSchema, ModelVersion? version, string uri)
    {
        MLContext = mlContext;
        Model = model;
        InputSchema = inputSchema;
        Version = version;
        Uri = uri;
    }

    /// <summary>Gets the ML.NET context the model was loaded in.</summary>
    public MLContext MLContext { get; }

    /// <summary>Gets the transformer chain.</summary>
    public ITransformer Model { get; }

    /// <summary>Gets the input schema saved with the model.</summary>
    public DataViewSchema InputSchema { get; }

    /// <summary>Gets the registered version, or <see langword="null"/> for a model loaded from a run (<c>runs:/</c>).</summary>
    public ModelVersion? Version { get; }

    /// <summary>Gets the URI it was loaded by, resolved to a version where there is one (<c>models:/name/3</c>).</summary>
    public string Uri { get; }

    /// <summary>Creates a thread-safe predictor over this model, after checking the row types against its schema.</summary>
    /// <typeparam name="TIn">The input row type.</typeparam>
    /// <typeparam name="TOut">The output row type.</typeparam>
    /// <returns>The predictor; dispose it when done.</returns>
    /// <exception cref="ModelSchemaMismatchException">A type does not fit the model; every mismatched column is named.</exception>
    public Predictor<TIn, TOut> CreatePredictor<TIn, TOut>()
        where TIn : class
        where TOut : class, new()
    {
        var recorded = Version?.InputSchema ?? ModelSignature.Columns(InputSchema).Select(c => new ModelColumn(c.Name, c.Type)).ToList();
        var input = ModelSignature.InputDefinition(typeof(TIn), InputSchema, Uri);
        ModelSignature.Check(MLContext, Model, Uri, recorded, typeof(TIn), input, typeof(TOut));
        return new Predictor<TIn, TOut>(this, input);
    }

    /// <inheritdoc />
    public override string ToString() => Uri;
}
