namespace MlOps.Sdk.Models;

/// <summary>No model version answers the reference: the message names what was asked for and what exists.</summary>
public class ModelNotFoundException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="reference">What was asked for, for example <c>models:/churn@production</c>.</param>
    /// <param name="existing">What exists instead, for the message (versions, aliases), if known.</param>
    public ModelNotFoundException(string reference, string? existing = null)
        : base($"No model version answers '{reference}'{(existing is null ? "." : $"; {existing}.")}")
    {
        Reference = reference;
    }

    /// <summary>Gets what was asked for.</summary>
    public string Reference { get; }
}

/// <summary>A type does not fit a model's recorded input or output schema: the message names each missing or mistyped column.</summary>
public class ModelSchemaMismatchException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="model">The model version.</param>
    /// <param name="problems">One line per column that is missing or has another type.</param>
    /// <param name="innerException">ML.NET's own complaint, if any.</param>
    public ModelSchemaMismatchException(string model, IReadOnlyList<string> problems, Exception? innerException = null)
        : base($"{model} does not fit: {string.Join("; ", problems)}.", innerException)
    {
        Model = model;
        Problems = problems;
    }

    /// <summary>Gets the model version.</summary>
    public string Model { get; }

    /// <summary>Gets one description per mismatched column.</summary>
    public IReadOnlyList<string> Problems { get; }
}

/// <summary>
/// A protected alias (such as <c>production</c>) was to be changed by <see cref="ModelCatalog.SetAliasAsync"/> or
/// <see cref="ModelCatalog.DeleteAliasAsync"/>; it changes only through <see cref="ModelCatalog.PromoteAsync"/> with a reason.
/// </summary>
public class AliasProtectedException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="model">The model.</param>
    /// <param name="alias">The protected alias.</param>
    public AliasProtectedException(string model, string alias)
        : base($"The alias '{alias}' of model '{model}' is protected; move it with client.Models.PromoteAsync(\"{model}\", \"{alias}\", version, reason).")
    {
        ModelName = model;
        Alias = alias;
    }

    /// <summary>Gets the model.</summary>
    public string ModelName { get; }

    /// <summary>Gets the protected alias.</summary>
    public string Alias { get; }
}

/// <summary>A model version that an alias points at cannot be deleted: move or delete the alias first.</summary>
public class ModelInUseException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="model">The version, as a URI.</param>
    /// <param name="aliases">The aliases pointing at it.</param>
    public ModelInUseException(string model, IReadOnlyList<string> aliases)
        : base($"{model} cannot be deleted: {string.Join(", ", aliases.Select(a => $"@{a}"))} point{(aliases.Count == 1 ? "s" : string.Empty)} at it. Move or delete the alias first; nothing was deleted.")
    {
        Model = model;
        Aliases = aliases;
    }

    /// <summary>Gets the version, as a URI.</summary>
    public string Model { get; }

    /// <summary>Gets the aliases pointing at it.</summary>
    public IReadOnlyList<string> Aliases { get; }
}

/// <summary>
/// A model has no parameters of the type asked for to continue training from (see <see cref="ContinuedTraining"/>): it
/// has no prediction transformer, or another trainer's parameters. The message names what it has.
/// </summary>
public class ModelParametersNotFoundException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="parametersType">The parameters' type asked for, or <see langword="null"/> when any prediction transformer would do.</param>
    /// <param name="found">What the model has instead, for the message.</param>
    public ModelParametersNotFoundException(Type? parametersType, string found)
        : base($"{(parametersType is null ? "Nothing" : $"No {ContinuedTraining.TypeName(parametersType)}")} to continue training from: {found}.")
    {
        ParametersType = parametersType;
        Found = found;
    }

    /// <summary>Gets the parameters' type asked for, or <see langword="null"/> when any prediction transformer would do.</summary>
    public Type? ParametersType { get; }

    /// <summary>Gets what the model has instead.</summary>
    public string Found { get; }
}
