using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using MlOps.Sdk.Pipelines;

namespace MlOps.Sdk.Tests.Pipelines;

/// <summary>
/// Compiles C# sources in memory with Roslyn (Release, deterministic) and loads them into their own collectible
/// load context, as a user's step assembly would be: a real compiler's output, not hand-made IL.
/// </summary>
internal static class StepCompiler
{
    private static readonly Lazy<MetadataReference[]> Platform = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray());

    /// <summary>Compiles one assembly; <paramref name="references"/> are images compiled before it.</summary>
    public static byte[] Compile(string assemblyName, string source, params byte[][] references)
    {
        var compilation = CSharpCompilation.Create(
            assemblyName,
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            [.. Platform.Value, .. references.Select(image => MetadataReference.CreateFromImage(image))],
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Release,
                deterministic: true,
                nullableContextOptions: NullableContextOptions.Enable));
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        if (!emitted.Success)
        {
            Assert.Fail("The test source does not compile:\n" + string.Join('\n', emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        return stream.ToArray();
    }

    /// <summary>Compiles <paramref name="source"/> as "Steps" and fingerprints <paramref name="method"/> ("Namespace.Type.Method").</summary>
    public static CodeFingerprintResult Fingerprint(string source, string method, string? version = null) =>
        Fingerprint([("Steps", source)], method, version);

    /// <summary>Compiles the assemblies in order (each referencing the ones before), loads them, fingerprints a method of the last.</summary>
    public static CodeFingerprintResult Fingerprint((string Name, string Source)[] assemblies, string method, string? version = null)
    {
        using var loaded = Load(assemblies);
        return CodeFingerprint.Of(loaded.Method(method), version);
    }

    public static LoadedSteps Load(params (string Name, string Source)[] assemblies)
    {
        var images = new List<(string Name, byte[] Image)>();
        foreach (var (name, source) in assemblies)
        {
            images.Add((name, Compile(name, source, [.. images.Select(i => i.Image)])));
        }

        return new LoadedSteps(images);
    }

    /// <summary>Raw IL of a method, to show what a naive hash would see.</summary>
    public static byte[] RawIl(string source, string method)
    {
        using var loaded = Load(("Steps", source));
        return loaded.Method(method).GetMethodBody()!.GetILAsByteArray()!;
    }

    /// <summary>Replaces each text, failing the test if one is not there: an edit that matched nothing would prove nothing.</summary>
    public static string Edit(this string source, params string[] replacements)
    {
        for (var i = 0; i < replacements.Length; i += 2)
        {
            Assert.That(source, Does.Contain(replacements[i]), "the edit must apply to the source");
            source = source.Replace(replacements[i], replacements[i + 1], StringComparison.Ordinal);
        }

        return source;
    }

    /// <summary>A collectible load context holding compiled images; unloaded on dispose.</summary>
    public sealed class LoadedSteps : IDisposable
    {
        private readonly Context _context;

        public LoadedSteps(List<(string Name, byte[] Image)> images)
        {
            _context = new Context(images.ToDictionary(i => i.Name, i => i.Image, StringComparer.Ordinal));
            Assembly = _context.LoadFromAssemblyName(new AssemblyName(images[^1].Name));
        }

        public Assembly Assembly { get; }

        public MethodInfo Method(string name)
        {
            var dot = name.LastIndexOf('.');
            var type = Assembly.GetType(name[..dot], throwOnError: true)!;
            return type.GetMethod(name[(dot + 1)..], BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)!;
        }

        public void Dispose() => _context.Unload();
    }

    private sealed class Context(Dictionary<string, byte[]> images) : AssemblyLoadContext(isCollectible: true)
    {
        private readonly Dictionary<string, Assembly> _loaded = new(StringComparer.Ordinal);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            lock (_loaded)
            {
                if (_loaded.TryGetValue(assemblyName.Name!, out var assembly))
                {
                    return assembly;
                }

                if (!images.TryGetValue(assemblyName.Name!, out var image))
                {
                    return null;
                }

                assembly = LoadFromStream(new MemoryStream(image));
                _loaded[assemblyName.Name!] = assembly;
                return assembly;
            }
        }
    }
}
