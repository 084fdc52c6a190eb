namespace MlOps.Sdk.Models;

/// <summary>How the model registry behaves (the <c>MlOps:Models</c> section).</summary>
public sealed class ModelOptions
{
    /// <summary>
    /// Gets the aliases that change only through <see cref="ModelCatalog.PromoteAsync"/> with a reason, never by
    /// <see cref="ModelCatalog.SetAliasAsync"/>: the ones a team relies on.
    /// </summary>
    /// <value>Default: <c>production</c>.</value>
    public IList<string> ProtectedAliases { get; } = ["production"];
}

/// <summary>The kinds of saved model the registry knows.</summary>
public static class ModelFlavors
{
    /// <summary>An ML.NET model saved with <c>MLContext.Model.Save</c> (a zip with the transformer chain and input schema).</summary>
    public const string MlNet = "mlnet";

    /// <summary>An ONNX model (reserved: registered and loaded by a later version).</summary>
    public const string Onnx = "onnx";
}
