namespace MlOps.Sdk.Pipelines;

/// <summary>One method a code fingerprint covers, with the digest of its own description.</summary>
/// <param name="Identity">Declaring type, name, generic arguments, parameter and return types (compiler ordinals as <c>#</c>).</param>
/// <param name="DisplayName">A short name for people: "Pipeline.CleanRows".</param>
/// <param name="Hash">SHA-256 (lower-case hex) of the method's canonical description: its own code only.</param>
internal sealed record CodeFingerprintMethod(string Identity, string DisplayName, string Hash);

/// <summary>What <see cref="CodeFingerprint"/> computed: the hash, what it covers, and what it does not.</summary>
internal sealed class CodeFingerprintResult
{
    internal CodeFingerprintResult(
        string hash, string? version, IReadOnlyList<string> roots, IReadOnlyList<CodeFingerprintMethod> methods,
        IReadOnlyList<string> externalAssemblies, IReadOnlyList<string> notCovered, bool isFallback)
    {
        Hash = hash;
        Version = version;
        Roots = roots;
        Methods = methods;
        ExternalAssemblies = externalAssemblies;
        NotCovered = notCovered;
        IsFallback = isFallback;
    }

    /// <summary>SHA-256, 64 lower-case hex characters.</summary>
    public string Hash { get; }

    /// <summary>The explicit version the author gave, folded into <see cref="Hash"/>; <see langword="null"/> for none.</summary>
    public string? Version { get; }

    /// <summary>The identities of the methods fingerprinted (one, or a multicast delegate's in order).</summary>
    public IReadOnlyList<string> Roots { get; }

    /// <summary>Every user method covered, the roots included, ordered by identity.</summary>
    public IReadOnlyList<CodeFingerprintMethod> Methods { get; }

    /// <summary>Assemblies outside user code that the code names, as "name, version", ordered: covered by name and version only.</summary>
    public IReadOnlyList<string> ExternalAssemblies { get; }

    /// <summary>What the hash cannot see, one line each ("…: no IL body (abstract, extern or interface)…"), ordered.</summary>
    public IReadOnlyList<string> NotCovered { get; }

    /// <summary>
    /// Whether a root's code could not be read (a dynamic method, or one in a dynamic assembly): its identity alone was
    /// hashed, so only <see cref="Version"/> tells an edit of it apart.
    /// </summary>
    public bool IsFallback { get; }

    /// <summary>The display names of the methods added, removed or changed since <paramref name="previous"/>, ordered by identity.</summary>
    public IReadOnlyList<string> ChangedSince(IEnumerable<CodeFingerprintMethod> previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        var before = previous.ToLookup(m => m.Identity, StringComparer.Ordinal);
        var now = Methods.ToLookup(m => m.Identity, StringComparer.Ordinal);
        return before.Select(g => g.Key).Union(now.Select(g => g.Key), StringComparer.Ordinal)
            .Where(id => !before[id].Select(m => m.Hash).Order(StringComparer.Ordinal)
                .SequenceEqual(now[id].Select(m => m.Hash).Order(StringComparer.Ordinal), StringComparer.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(id => now[id].Concat(before[id]).First().DisplayName)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }
}
