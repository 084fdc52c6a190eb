using System.Reflection;

namespace MlOps.Sdk.Pipelines;

/// <summary>
/// One method's own part of a fingerprint: its identity, the digest of its canonical description, the user methods it
/// leads to, the assemblies outside user code it names, and what of it is not covered. Immutable; cached per method.
/// </summary>
internal sealed class MethodNode(string identity, string displayName, string digest, MethodBase[] next, string[] externalAssemblies, string[] notCovered)
{
    /// <summary>Declaring type, name, generic arguments, parameter and return types: see <see cref="CodeIdentity"/>.</summary>
    public string Identity { get; } = identity;

    public string DisplayName { get; } = displayName;

    /// <summary>SHA-256 (lower-case hex) of the method's canonical description.</summary>
    public string Digest { get; } = digest;

    /// <summary>The user methods this one calls or references, as definitions (open generics), each once.</summary>
    public IReadOnlyList<MethodBase> Next { get; } = next;

    public IReadOnlyList<string> ExternalAssemblies { get; } = externalAssemblies;

    public IReadOnlyList<string> NotCovered { get; } = notCovered;
}
