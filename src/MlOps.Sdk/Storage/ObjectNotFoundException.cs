namespace MlOps.Sdk.Storage;

/// <summary>An operation that needs an existing object (a streamed download) found no object under its key.</summary>
/// <remarks>
/// Operations that can answer "missing" without an exception do so instead: <see cref="ObjectStore.ReadAsync"/> and
/// <see cref="ObjectStore.GetPropertiesAsync"/> return <see langword="null"/>, and <see cref="ObjectStore.DeleteAsync"/>
/// returns <see langword="false"/>.
/// </remarks>
public class ObjectNotFoundException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="key">The key that has no object.</param>
    /// <param name="innerException">The provider's exception, if any.</param>
    public ObjectNotFoundException(string key, Exception? innerException = null)
        : base($"No object exists under the key '{key}'.", innerException)
    {
        Key = key;
    }

    /// <summary>Gets the key that has no object.</summary>
    public string Key { get; }
}
