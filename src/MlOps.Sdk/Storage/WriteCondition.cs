using Azure;

namespace MlOps.Sdk.Storage;

/// <summary>What must hold in the store for a write to take place.</summary>
public enum WriteConditionKind
{
    /// <summary>The write always takes place, replacing any existing object.</summary>
    None = 0,

    /// <summary>The write takes place only when no object exists under the key (create-if-absent).</summary>
    IfNotExists = 1,

    /// <summary>The write takes place only when the object exists and its ETag matches (compare-and-swap).</summary>
    IfMatch = 2,
}

/// <summary>
/// The condition a write to an <see cref="ObjectStore"/> is made under: none, create-if-absent, or compare-and-swap on an ETag.
/// </summary>
/// <remarks>
/// When the condition does not hold, the write changes nothing and throws <see cref="PreconditionFailedException"/>.
/// The default value is <see cref="None"/>.
/// </remarks>
public readonly struct WriteCondition : IEquatable<WriteCondition>
{
    private WriteCondition(WriteConditionKind kind, ETag etag)
    {
        Kind = kind;
        ETag = etag;
    }

    /// <summary>Gets the condition that always holds: the write replaces any existing object.</summary>
    public static WriteCondition None => default;

    /// <summary>Gets the create-if-absent condition: two writers never both succeed.</summary>
    public static WriteCondition IfNotExists => new(WriteConditionKind.IfNotExists, default);

    /// <summary>Gets what the condition requires.</summary>
    public WriteConditionKind Kind { get; }

    /// <summary>Gets the ETag the object must have, when <see cref="Kind"/> is <see cref="WriteConditionKind.IfMatch"/>.</summary>
    public ETag ETag { get; }

    /// <summary>Creates the compare-and-swap condition: the write succeeds only if the object still has <paramref name="etag"/>.</summary>
    /// <param name="etag">The ETag read with the object being replaced.</param>
    /// <returns>The condition.</returns>
    /// <exception cref="ArgumentException"><paramref name="etag"/> is empty or <see cref="ETag.All"/>.</exception>
    public static WriteCondition IfMatch(ETag etag)
    {
        if (etag == default || etag == ETag.All)
        {
            throw new ArgumentException($"An If-Match condition needs the ETag of a specific object version, not '{etag}'.", nameof(etag));
        }

        return new WriteCondition(WriteConditionKind.IfMatch, etag);
    }

    /// <inheritdoc />
    public bool Equals(WriteCondition other) => Kind == other.Kind && ETag == other.ETag;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is WriteCondition other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, ETag);

    /// <summary>Describes the condition, for messages and logs.</summary>
    /// <returns><c>none</c>, <c>if-not-exists</c> or <c>if-match "etag"</c>.</returns>
    public override string ToString() => Kind switch
    {
        WriteConditionKind.IfNotExists => "if-not-exists",
        WriteConditionKind.IfMatch => $"if-match {ETag}",
        _ => "none",
    };

    /// <summary>Compares two conditions for equality.</summary>
    /// <param name="left">The first condition.</param>
    /// <param name="right">The second condition.</param>
    /// <returns><see langword="true"/> when both require the same.</returns>
    public static bool operator ==(WriteCondition left, WriteCondition right) => left.Equals(right);

    /// <summary>Compares two conditions for inequality.</summary>
    /// <param name="left">The first condition.</param>
    /// <param name="right">The second condition.</param>
    /// <returns><see langword="true"/> when they differ.</returns>
    public static bool operator !=(WriteCondition left, WriteCondition right) => !left.Equals(right);
}
