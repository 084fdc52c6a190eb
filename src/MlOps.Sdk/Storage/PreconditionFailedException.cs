namespace MlOps.Sdk.Storage;

/// <summary>
/// A conditional write or delete did not take place because its condition did not hold: the object already existed
/// (create-if-absent), or it no longer had the expected ETag (compare-and-swap).
/// </summary>
/// <remarks>Nothing in the store was changed. For compare-and-swap, re-read the object and try again.</remarks>
public class PreconditionFailedException : MlOpsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="key">The key of the object.</param>
    /// <param name="condition">The condition that did not hold.</param>
    /// <param name="innerException">The provider's exception, if any.</param>
    public PreconditionFailedException(string key, WriteCondition condition, Exception? innerException = null)
        : base(CreateMessage(key, condition), innerException)
    {
        Key = key;
        Condition = condition;
    }

    /// <summary>Gets the key of the object the condition was about.</summary>
    public string Key { get; }

    /// <summary>Gets the condition that did not hold.</summary>
    public WriteCondition Condition { get; }

    private static string CreateMessage(string key, WriteCondition condition) => condition.Kind switch
    {
        WriteConditionKind.IfNotExists => $"The object '{key}' already exists; it was not replaced (create-if-absent).",
        WriteConditionKind.IfMatch => $"The object '{key}' no longer has ETag {condition.ETag} (or no longer exists); it was changed by another writer. Re-read it and retry.",
        _ => $"The condition on object '{key}' did not hold.",
    };
}
