namespace MlOps.Sdk.Pipelines;

/// <summary>What a dataset or step of a pipeline produces: a handle later steps declare as an input and read with <see cref="StepContext{TParameters}.Get{T}"/>.</summary>
public interface IStepOutput
{
    /// <summary>Gets the name of the dataset or step that produces it.</summary>
    string Name { get; }
}

/// <summary>The output of a dataset or step, of type <typeparamref name="T"/>.</summary>
/// <typeparam name="T">
/// The output's type: an <see cref="Microsoft.ML.IDataView"/> (cached as ML.NET's binary format), an
/// <see cref="Microsoft.ML.ITransformer"/> (cached as a model, with the schema of the step's first data input), or any
/// type System.Text.Json serializes (metrics, numbers, records).
/// </typeparam>
public sealed class StepOutput<T> : IStepOutput
{
    internal StepOutput(string name)
    {
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({typeof(T).Name})";
}
