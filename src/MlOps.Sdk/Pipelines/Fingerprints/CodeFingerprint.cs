using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace MlOps.Sdk.Pipelines;

/// <summary>
/// A pipeline step's code fingerprint: SHA-256 over a canonical description of the code the step runs, such that
/// editing the step or anything of user code it reaches changes it, and an unrelated edit does not.
/// </summary>
/// <remarks>
/// <para>
/// Each method is described by <see cref="MethodDescriber"/>: signature, locals, exception clauses and IL, with every
/// metadata token written as the stable identity of what it names. From the root, every user method the IL calls or
/// references is followed (calls, <c>newobj</c>, <c>ldftn</c>, <c>ldtoken</c>; lambdas, closures, local functions,
/// accessors; the state machine of an async method or iterator; the static constructor of a user type whose static
/// field is read, the constructors of one whose instance field is read). A virtual call follows the method the IL names, not overrides elsewhere. Code outside user code
/// (see <see cref="CodeIdentity.IsUserCode"/>) is not descended into: the assemblies it lives in count by name and version.
/// </para>
/// <para>
/// The hash is over a scheme tag, the explicit version, the roots' identities, and the set of visited methods sorted by
/// (identity, digest) with each one's digest, then the external assemblies and the notes of what is not covered: the
/// visiting order and cycles do not matter. A method's description is computed once per process (thread-safe, not
/// keeping collectible assemblies alive). See docs/pipeline-fingerprints.md.
/// </para>
/// </remarks>
internal static class CodeFingerprint
{
    /// <summary>Changes whenever the scheme does, so that every fingerprint made under an older one is invalidated.</summary>
    internal const string Scheme = "mlops-code-fingerprint/1";

    private static readonly ConditionalWeakTable<MethodBase, MethodNode> Nodes = [];

    /// <summary>The fingerprint of the code a step delegate runs (every method of a multicast delegate, in order).</summary>
    /// <param name="step">The step. The values a lambda captured are data, not code: they are not part of the fingerprint.</param>
    /// <param name="version">An explicit version the author bumps to invalidate the step by hand; <see langword="null"/> or empty for none.</param>
    public static CodeFingerprintResult Of(Delegate step, string? version = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        return Compute([.. step.GetInvocationList().Select(d => d.Method)], version);
    }

    /// <summary>The fingerprint of the code a method runs.</summary>
    /// <param name="method">The step's method; a constructed generic method counts with its type arguments.</param>
    /// <param name="version">An explicit version the author bumps to invalidate the step by hand; <see langword="null"/> or empty for none.</param>
    public static CodeFingerprintResult Of(MethodInfo method, string? version = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        return Compute([method], version);
    }

    private static CodeFingerprintResult Compute(IReadOnlyList<MethodInfo> roots, string? version)
    {
        version = string.IsNullOrEmpty(version) ? null : version;
        var visited = new HashSet<MethodBase>();
        var pending = new Stack<MethodBase>();
        var nodes = new List<MethodNode>();
        var rootIdentities = new List<string>();
        var fallback = false;

        foreach (var root in roots)
        {
            if (IsDynamic(root))
            {
                var node = Fallback(root);
                fallback = true;
                nodes.Add(node);
                rootIdentities.Add(node.Identity);
                continue;
            }

            var ids = new CodeIdentity();
            rootIdentities.Add(ids.Of(root));
            var definition = root.IsGenericMethod && !root.IsGenericMethodDefinition || root.DeclaringType is { IsConstructedGenericType: true }
                ? root.Module.ResolveMethod(root.MetadataToken)!
                : root;
            if (visited.Add(definition))
            {
                pending.Push(definition);
            }
        }

        while (pending.TryPop(out var method))
        {
            var node = Nodes.GetValue(method, MethodDescriber.Describe);
            nodes.Add(node);
            foreach (var next in node.Next)
            {
                if (visited.Add(next))
                {
                    pending.Push(next);
                }
            }
        }

        nodes.Sort((a, b) => a.Identity != b.Identity ? string.CompareOrdinal(a.Identity, b.Identity) : string.CompareOrdinal(a.Digest, b.Digest));
        var external = nodes.SelectMany(n => n.ExternalAssemblies).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var notCovered = nodes.SelectMany(n => n.NotCovered).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        var text = new StringBuilder(Scheme).Append('\n');
        text.Append("version ").Append(version is null ? "-" : version.Length + ":" + version).Append('\n');
        rootIdentities.ForEach(r => text.Append("root ").Append(r).Append('\n'));
        nodes.ForEach(n => text.Append("method ").Append(n.Digest).Append(' ').Append(n.Identity).Append('\n'));
        external.ForEach(a => text.Append("assembly ").Append(a).Append('\n'));
        notCovered.ForEach(n => text.Append("not-covered ").Append(n).Append('\n'));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));

        return new CodeFingerprintResult(
            hash, version, rootIdentities,
            [.. nodes.Select(n => new CodeFingerprintMethod(n.Identity, n.DisplayName, n.Digest))],
            external, notCovered, fallback);
    }

    /// <summary>A method whose IL cannot be read back: one made with <see cref="DynamicMethod"/> or in a dynamic assembly.</summary>
    private static bool IsDynamic(MethodInfo method) =>
        method is DynamicMethod
        || method.Module.Assembly.IsDynamic
        || method.GetType().FullName?.StartsWith("System.Reflection.Emit.", StringComparison.Ordinal) == true;

    private static MethodNode Fallback(MethodInfo method)
    {
        var ids = new CodeIdentity();
        var parameters = string.Join(",", method.GetParameters().Select(p => ids.Of(p.ParameterType)));
        var identity = "dynamic:" + CodeIdentity.Canonical(method.Name) + "(" + parameters + "):" + ids.Of(method.ReturnType);
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("dynamic " + identity)));
        return new MethodNode(
            identity, method.Name, digest, [], [.. ids.ExternalAssemblies],
            [identity + ": a dynamic method; its IL cannot be read, so only its name and signature are hashed (bump the version when it changes)"]);
    }
}
