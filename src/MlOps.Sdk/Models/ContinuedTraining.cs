using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;

namespace MlOps.Sdk.Models;

/// <summary>
/// Online learning: continuing to train a model from an earlier model's parameters. ML.NET's trainers that accept
/// initial parameters (<c>Fit(IDataView, LinearModelParameters)</c>: averaged perceptron, linear SVM, online gradient
/// descent, SGD, L-BFGS logistic, Poisson and maximum-entropy regression) take them from the parent's prediction
/// transformer; the new data must be featurized as the parent's was, so that each weight still means what it meant.
/// </summary>
/// <example>
/// <code>
/// var parent = ctx.Get(parentModel);                                         // p.Model("parent", o => o.Parent)
/// var features = ContinuedTraining.Featurizer(parent).Transform(newData);    // the parent's fitted transforms, not refitted
/// var weights = ContinuedTraining.Find&lt;LinearBinaryModelParameters&gt;(parent);
/// var predictor = ctx.ML.BinaryClassification.Trainers.AveragedPerceptron(numberOfIterations: 1).Fit(features, weights);
/// return ContinuedTraining.ReplacePredictor(parent, predictor);
/// </code>
/// </example>
public static class ContinuedTraining
{
    /// <summary>
    /// Finds a model's trained parameters: those of its last prediction transformer (in a chain, nested chains
    /// included), or the model a calibrated model calibrates (<c>LinearBinaryModelParameters</c> in an L-BFGS logistic
    /// regression's calibrated model) when that is the type asked for.
    /// </summary>
    /// <typeparam name="TParameters">The parameters' type, for example <c>LinearBinaryModelParameters</c>, <c>LinearRegressionModelParameters</c> or <c>MaximumEntropyModelParameters</c>.</typeparam>
    /// <param name="model">A trained or loaded model.</param>
    /// <returns>The parameters.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is <see langword="null"/>.</exception>
    /// <exception cref="ModelParametersNotFoundException">The model has no prediction transformer, or its parameters are of another type (the message names what it has).</exception>
    public static TParameters Find<TParameters>(ITransformer model)
        where TParameters : class
    {
        ArgumentNullException.ThrowIfNull(model);
        var transformers = Flatten(model);
        var index = PredictorIndex(transformers);
        if (index < 0)
        {
            throw new ModelParametersNotFoundException(typeof(TParameters), $"the model has no prediction transformer (it has {Describe(transformers)})");
        }

        var found = ((IPredictionTransformer<object>)transformers[index]).Model;
        for (var current = found; current is not null; current = (current as CalibratedModelParametersBase)?.SubModel)
        {
            if (current is TParameters parameters)
            {
                return parameters;
            }
        }

        var inside = found is CalibratedModelParametersBase calibrated ? $", calibrating a {TypeName(calibrated.SubModel.GetType())}" : string.Empty;
        throw new ModelParametersNotFoundException(typeof(TParameters), $"its prediction transformer holds a {TypeName(found.GetType())}{inside}");
    }

    /// <summary>
    /// Gets the transformers of a model before its last prediction transformer: the parent's fitted featurization
    /// (concatenation, normalization, key mapping), to apply to new data unchanged before training from its parameters.
    /// </summary>
    /// <param name="model">A trained or loaded model.</param>
    /// <returns>A chain of those transformers (empty when the prediction transformer comes first).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is <see langword="null"/>.</exception>
    /// <exception cref="ModelParametersNotFoundException">The model has no prediction transformer.</exception>
    /// <remarks>Nested chains are flattened; every transformer of the new chain has the default scope.</remarks>
    public static TransformerChain<ITransformer> Featurizer(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var transformers = Flatten(model);
        var index = RequirePredictor(transformers);
        return new TransformerChain<ITransformer>([.. transformers.Take(index)]);
    }

    /// <summary>
    /// Builds the continued model: the parent's transformers with its last prediction transformer replaced by
    /// <paramref name="predictor"/> (those after it, such as mapping a predicted key back to its value, are kept).
    /// </summary>
    /// <param name="model">The parent model.</param>
    /// <param name="predictor">The prediction transformer trained from the parent's parameters.</param>
    /// <returns>The new model.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ModelParametersNotFoundException">The parent has no prediction transformer.</exception>
    /// <remarks>Nested chains are flattened; every transformer of the new chain has the default scope.</remarks>
    public static TransformerChain<ITransformer> ReplacePredictor(ITransformer model, ITransformer predictor)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(predictor);
        var transformers = Flatten(model);
        var index = RequirePredictor(transformers);
        return new TransformerChain<ITransformer>([.. transformers.Take(index), predictor, .. transformers.Skip(index + 1)]);
    }

    private static List<ITransformer> Flatten(ITransformer model)
    {
        var transformers = new List<ITransformer>();
        Add(model);
        return transformers;

        void Add(ITransformer transformer)
        {
            if (transformer is IEnumerable<ITransformer> chain)
            {
                foreach (var inner in chain)
                {
                    Add(inner);
                }
            }
            else
            {
                transformers.Add(transformer);
            }
        }
    }

    private static int PredictorIndex(List<ITransformer> transformers) => transformers.FindLastIndex(t => t is IPredictionTransformer<object>);

    private static int RequirePredictor(List<ITransformer> transformers)
    {
        var index = PredictorIndex(transformers);
        return index >= 0 ? index : throw new ModelParametersNotFoundException(null, $"the model has no prediction transformer (it has {Describe(transformers)})");
    }

    private static string Describe(List<ITransformer> transformers) => transformers.Count == 0 ? "no transformers" : string.Join(", ", transformers.Select(t => TypeName(t.GetType())));

    /// <summary>A type's name with its generic arguments' names: <c>CalibratedModelParametersBase&lt;LinearBinaryModelParameters, PlattCalibrator&gt;</c>.</summary>
    internal static string TypeName(Type type)
        => type.IsGenericType
            ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>"
            : type.Name;
}
