using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Models;

/// <summary>A column of a model's input or output schema.</summary>
/// <param name="Name">The column's name.</param>
/// <param name="Type">Its ML.NET type as text (<c>Single</c>, <c>String</c>, <c>Vector&lt;Single, 4&gt;</c>, ...).</param>
public sealed record ModelColumn(string Name, string Type);

/// <summary>A dataset version a model was trained or validated on.</summary>
/// <param name="Uri">The version, <c>datasets:/name/3</c>.</param>
/// <param name="Context">What it was to the model: <c>training</c>, <c>validation</c>, ...</param>
/// <param name="Identity">Its content identity (SHA-256), when known.</param>
public sealed record ModelDatasetLink(string Uri, string? Context, string? Identity);

/// <summary>Where a promoted version came from: the store, environment, name and version it was copied from.</summary>
/// <param name="Store">The source store's location.</param>
/// <param name="Environment">The source environment.</param>
/// <param name="Name">The model's name there.</param>
/// <param name="Version">Its version there.</param>
/// <param name="PromotedBy">Who promoted it.</param>
/// <param name="PromotedAt">When.</param>
/// <param name="Reason">Why.</param>
public sealed record ModelOrigin(string Store, string? Environment, string Name, int Version, string? PromotedBy, DateTimeOffset PromotedAt, string? Reason);

/// <summary>One change of a model alias.</summary>
/// <param name="From">The version before, or <see langword="null"/> when the alias was created.</param>
/// <param name="To">The version after, or <see langword="null"/> when it was deleted.</param>
/// <param name="By">Who changed it.</param>
/// <param name="At">When, by the writer's clock.</param>
/// <param name="Reason">Why, when given.</param>
/// <param name="Weight">The traffic weight the change set (see <see cref="ModelCatalog.SetTrafficAsync"/>); a change of weight alone has <paramref name="From"/> equal to <paramref name="To"/>.</param>
public sealed record ModelAliasChange(int? From, int? To, string By, DateTimeOffset At, string? Reason, double? Weight = null);

/// <summary>What to record with a new model version.</summary>
public sealed class RegisterModelOptions
{
    /// <summary>Gets or sets a description of the version.</summary>
    public string? Description { get; set; }

    /// <summary>Gets the version's tags (a region, a customer segment, ...).</summary>
    public IDictionary<string, string> Tags { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets an example input (serialized as JSON), for documentation and for checking a service.</summary>
    public object? InputExample { get; set; }

    /// <summary>
    /// Gets the dataset versions the model was trained or validated on, by URI and context, beyond those the run
    /// recorded with <c>UseDatasetAsync</c> (which are included anyway).
    /// </summary>
    public IList<ModelDatasetLink> Datasets { get; } = [];

    /// <summary>Gets or sets the run that trained the model, when registering through the catalog rather than <c>run.LogModelAsync</c>.</summary>
    public Run? Run { get; set; }

    /// <summary>
    /// Gets or sets the path of the saved model among the run's artifacts (<c>runs:/{runId}/{path}</c>); a run that
    /// registers several models gives each its own.
    /// </summary>
    /// <value>Default <see langword="null"/>: <c>model</c>.</value>
    public string? ArtifactPath { get; set; }

    /// <summary>
    /// Gets or sets the version the model continued training from (online learning, see <see cref="ContinuedTraining"/>),
    /// recorded as the new version's <see cref="ModelVersion.Parent"/>. It must name one version (<c>models:/name/3</c>):
    /// an alias moves, so it would not say which parameters the model started from.
    /// </summary>
    /// <value>Default <see langword="null"/>: trained from scratch. <c>client.Pipelines.RegisterModelAsync</c> sets it from the model input the step read.</value>
    public ModelRef? Parent { get; set; }
}

/// <summary>Which model versions to list: by name prefix (variants), tags, who registered them, archived or not.</summary>
public sealed class ModelQuery
{
    /// <summary>Gets or sets the start of the names to include (for example <c>churn-</c> for every regional variant).</summary>
    public string? NamePrefix { get; set; }

    /// <summary>Gets the tags a version must have, with these values.</summary>
    public IDictionary<string, string> Tags { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets who must have registered the versions; <c>me</c> means the current user.</summary>
    public string? CreatedBy { get; set; }

    /// <summary>Gets or sets a value indicating whether archived versions are included.</summary>
    public bool IncludeArchived { get; set; }
}
