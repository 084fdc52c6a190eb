using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Storage;

/// <summary>Which store an <see cref="MlOpsClient"/> works on, as configuration can say it (the <c>MlOps:Store</c> section).</summary>
/// <remarks>
/// For Azure Blob Storage give one of: <see cref="ConnectionString"/> with <see cref="ContainerName"/>;
/// <see cref="ContainerUri"/>; or <see cref="ServiceUri"/> with <see cref="ContainerName"/>. A URI may carry a SAS token
/// in its query; without one the client authenticates with the <c>Azure.Core.TokenCredential</c> registered in
/// dependency injection (for example <c>DefaultAzureCredential</c>).
/// </remarks>
public sealed class MlOpsStoreOptions : IValidatableObject
{
    /// <summary>Gets or sets the kind of store.</summary>
    /// <value>Default <see cref="ObjectStoreProvider.FileSystem"/>.</value>
    public ObjectStoreProvider Provider { get; set; } = ObjectStoreProvider.FileSystem;

    /// <summary>Gets or sets the folder of a file-system store; relative paths are resolved against the working directory.</summary>
    /// <value>Default <c>.mlops</c>.</value>
    public string Path { get; set; } = ".mlops";

    /// <summary>Gets or sets the storage account connection string of an Azure Blob store.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the container name of an Azure Blob store reached by <see cref="ConnectionString"/> or <see cref="ServiceUri"/>.</summary>
    /// <value>Default <c>mlops</c>; 3 to 63 lower-case letters, digits and single hyphens.</value>
    [RegularExpression("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$", ErrorMessage = "An Azure container name is 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.")]
    public string ContainerName { get; set; } = "mlops";

    /// <summary>Gets or sets the container URI of an Azure Blob store (<c>https://{account}.blob.core.windows.net/{container}</c>), optionally with a SAS token.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public Uri? ContainerUri { get; set; }

    /// <summary>Gets or sets the Blob service URI of the account of an Azure Blob store (<c>https://{account}.blob.core.windows.net</c>), with <see cref="ContainerName"/>.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public Uri? ServiceUri { get; set; }

    /// <summary>Gets or sets how a file-system store behaves.</summary>
    [Required]
    public FileSystemObjectStoreOptions FileSystem { get; set; } = new();

    /// <summary>Gets or sets how an Azure Blob store behaves.</summary>
    [Required]
    public AzureBlobObjectStoreOptions AzureBlob { get; set; } = new();

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Provider))
        {
            yield return new ValidationResult($"'{Provider}' is not a store provider; use FileSystem, AzureBlob or InMemory.", [nameof(Provider)]);
        }

        if (Provider == ObjectStoreProvider.FileSystem && string.IsNullOrWhiteSpace(Path))
        {
            yield return new ValidationResult("A file-system store needs a Path.", [nameof(Path)]);
        }

        if (Provider == ObjectStoreProvider.AzureBlob)
        {
            var ways = (string.IsNullOrWhiteSpace(ConnectionString) ? 0 : 1) + (ContainerUri is null ? 0 : 1) + (ServiceUri is null ? 0 : 1);
            if (ways != 1)
            {
                yield return new ValidationResult(
                    "An Azure Blob store needs exactly one of ConnectionString (with ContainerName), ContainerUri, or ServiceUri (with ContainerName).",
                    [nameof(ConnectionString), nameof(ContainerUri), nameof(ServiceUri)]);
            }

            foreach (var (name, uri) in new[] { (nameof(ContainerUri), ContainerUri), (nameof(ServiceUri), ServiceUri) })
            {
                if (uri is { IsAbsoluteUri: false })
                {
                    yield return new ValidationResult($"{name} '{uri}' must be an absolute URI.", [name]);
                }
            }
        }
    }
}
