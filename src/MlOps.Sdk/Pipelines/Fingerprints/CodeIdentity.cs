using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace MlOps.Sdk.Pipelines;

/// <summary>
/// Stable textual identities of types, methods and fields, independent of metadata token numbering and of the order of
/// members in their assembly; which assemblies are user code; and the assemblies outside user code that were named.
/// </summary>
/// <remarks>
/// Types are named without their assembly (generic arguments included, generic parameters by position: <c>!0</c> on a
/// type, <c>!!0</c> on a method); methods by declaring type, name, generic arguments, parameter and return types; fields
/// by declaring type, name and field type. The ordinals the C# compiler puts in the names it generates (lambdas, closures,
/// local functions, state machines, anonymous types) count members of the whole type, so they are written as <c>#</c>:
/// adding or moving an unrelated method does not rename the lambdas of the step. One instance serves one method's
/// description; it is not thread-safe.
/// </remarks>
internal sealed partial class CodeIdentity
{
    private readonly Dictionary<Type, string> _types = [];
    private readonly SortedSet<string> _externalAssemblies = new(StringComparer.Ordinal);

    /// <summary>The assemblies outside user code that the identities written so far named, as "name, version".</summary>
    public IReadOnlyCollection<string> ExternalAssemblies => _externalAssemblies;

    /// <summary>
    /// Whether code in this assembly is followed: not the runtime or framework (System*, Microsoft.*, mscorlib, netstandard),
    /// not MlOps.Sdk, not Microsoft.ML; not a dynamic assembly, whose IL cannot be read back.
    /// </summary>
    public static bool IsUserCode(Assembly assembly)
    {
        if (assembly.IsDynamic)
        {
            return false;
        }

        var name = assembly.GetName().Name ?? string.Empty;
        return !(name is "System" or "mscorlib" or "netstandard" or "WindowsBase" or "MlOps.Sdk"
            || name.StartsWith("System.", StringComparison.Ordinal)
            || name.StartsWith("Microsoft.", StringComparison.Ordinal)
            || assembly == typeof(object).Assembly);
    }

    /// <summary>An assembly named by name and version only: "Microsoft.ML.Data, 5.0.0.0".</summary>
    public static string AssemblyIdentity(Assembly assembly)
    {
        var name = assembly.GetName();
        return name.Name + ", " + (name.Version?.ToString() ?? "0.0.0.0");
    }

    /// <summary>A compiler-generated name with its type-wide ordinals replaced by <c>#</c>; any other name as it is.</summary>
    public static string Canonical(string name) =>
        name.Contains('<', StringComparison.Ordinal) ? GeneratedOrdinal().Replace(name, "#") : name;

    public string Of(Type type)
    {
        if (!_types.TryGetValue(type, out var identity))
        {
            identity = Format(type);
            _types[type] = identity;
        }

        return identity;
    }

    public string Of(MethodBase method)
    {
        var builder = new StringBuilder();
        builder.Append(method.DeclaringType is { } declaring ? Of(declaring) : "<Module>").Append("::").Append(Canonical(method.Name));
        if (method.IsGenericMethod)
        {
            AppendList(builder, '<', method.GetGenericArguments(), '>');
        }

        builder.Append('(');
        var parameters = method.GetParameters();
        for (var i = 0; i < parameters.Length; i++)
        {
            builder.Append(i == 0 ? string.Empty : ",").Append(Of(parameters[i].ParameterType));
        }

        builder.Append(')');
        if (method is MethodInfo info)
        {
            builder.Append(':').Append(Of(info.ReturnType));
        }

        return builder.ToString();
    }

    public string Of(FieldInfo field) =>
        (field.DeclaringType is { } declaring ? Of(declaring) : "<Module>") + "::" + Canonical(field.Name) + ":" + Of(field.FieldType);

    /// <summary>A short name for people: "Pipeline.CleanRows".</summary>
    public static string DisplayName(MethodBase method) =>
        (method.DeclaringType is { } declaring ? NestedName(declaring) + "." : string.Empty) + Canonical(method.Name);

    private string Format(Type type)
    {
        if (type.IsGenericParameter)
        {
            return (type.DeclaringMethod is null ? "!" : "!!") + type.GenericParameterPosition.ToString(CultureInfo.InvariantCulture);
        }

        if (type.HasElementType)
        {
            var element = Of(type.GetElementType()!);
            return type.IsByRef ? element + "&"
                : type.IsPointer ? element + "*"
                : type.IsSZArray ? element + "[]"
                : element + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        }

        if (type.IsFunctionPointer)
        {
            var builder = new StringBuilder("fnptr(");
            AppendList(builder, '(', type.GetFunctionPointerParameterTypes(), ')');
            return builder.Append(':').Append(Of(type.GetFunctionPointerReturnType())).Append(')').ToString();
        }

        if (!IsUserCode(type.Assembly))
        {
            _externalAssemblies.Add(AssemblyIdentity(type.Assembly));
        }

        var outermost = type;
        while (outermost.DeclaringType is { } outer)
        {
            outermost = outer;
        }

        var name = (outermost.Namespace is { Length: > 0 } ns ? ns + "." : string.Empty) + NestedName(type);
        if (type.IsConstructedGenericType)
        {
            var withArguments = new StringBuilder(name);
            AppendList(withArguments, '<', type.GetGenericArguments(), '>');
            return withArguments.ToString();
        }

        return name;
    }

    private static string NestedName(Type type)
    {
        var name = Canonical(type.Name);
        for (var outer = type.DeclaringType; outer is not null; outer = outer.DeclaringType)
        {
            name = Canonical(outer.Name) + "+" + name;
        }

        return name;
    }

    private void AppendList(StringBuilder builder, char open, Type[] types, char close)
    {
        builder.Append(open);
        for (var i = 0; i < types.Length; i++)
        {
            builder.Append(i == 0 ? string.Empty : ",").Append(Of(types[i]));
        }

        builder.Append(close);
    }

    // The ordinal of the method in its type, which the compiler writes in the names it makes for that method's code:
    // <>c__DisplayClass3_0, <Step>b__3_0, <Step>g__Local|3_0, <>9__3_0 (the number before the underscore; the one after
    // counts within the method and is kept, as is a closure's lambda's own <Step>b__0), <StepAsync>d__3, <>c__3`1,
    // <>O__3`1; and the type-wide counters of <>f__AnonymousType3`2 and of the <>O fields <3>__Helper.
    [GeneratedRegex(@"(?<=<>c__DisplayClass|>b__|>g__[^|]*\||<>9__)\d+(?=_\d)|(?<=>d__|<>c__|<>O__|<>f__AnonymousType|<>f__AnonymousDelegate)\d+|(?<=^<)\d+(?=>__)", RegexOptions.CultureInvariant)]
    private static partial Regex GeneratedOrdinal();
}
