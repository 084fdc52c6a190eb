using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace MlOps.Sdk.Pipelines;

/// <summary>The parts of a step's cache key that are values: its parameters, and what its body captured.</summary>
internal static class StepKeyParts
{
    /// <summary>The one way parameters and JSON outputs are written: fields included (tuples, plain classes), fixed options.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General) { IncludeFields = true };

    /// <summary>Writes a step's parameters for its key; refuses a type that would write as <c>{}</c> while it holds values.</summary>
    public static string Parameters(string step, object? parameters)
    {
        if (parameters is null or NoParameters)
        {
            return "{}";
        }

        var json = JsonSerializer.Serialize(parameters, parameters.GetType(), Json);
        if (json == "{}" && HasMembers(parameters.GetType()))
        {
            throw new ArgumentException($"The parameters of step '{step}' ({parameters.GetType().Name}) serialize to nothing, so they could not tell runs apart in the cache key: use public properties or fields (an anonymous type, a record, a tuple).", nameof(parameters));
        }

        return json;
    }

    /// <summary>
    /// Describes what a step's body captured (its closure's fields, through nested closures): simple values (numbers,
    /// text, enums, dates, GUIDs) by value, so that a step made in a loop or a helper with different values gets
    /// different keys; other objects by type only. Capturing the pipeline's options object is refused: the step would read
    /// options its key does not cover.
    /// </summary>
    public static string Captured(string step, Delegate body, Type optionsType)
    {
        var text = new StringBuilder();
        Describe(step, body.Target, optionsType, text, FieldsRead(body.Method), depth: 0);
        return text.ToString();
    }

    /// <summary>
    /// The fields the body's IL loads: lambdas of one scope share one closure object, and only what this step's lambda
    /// reads belongs in its key (a value another step of the scope captured must not invalidate it).
    /// </summary>
    private static HashSet<FieldInfo> FieldsRead(MethodInfo method)
    {
        var fields = new HashSet<FieldInfo>();
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            return fields;
        }

        var position = 0;
        while (position < il.Length)
        {
            if (!IlOpCodes.TryRead(il, ref position, out var code))
            {
                break;
            }

            if (code.OperandType == System.Reflection.Emit.OperandType.InlineSwitch)
            {
                var count = BitConverter.ToInt32(il, position);
                position += 4 + (4 * count);
                continue;
            }

            if (code.OperandType == System.Reflection.Emit.OperandType.InlineField)
            {
                try
                {
                    if (method.Module.ResolveField(BitConverter.ToInt32(il, position), method.DeclaringType?.GetGenericArguments(), method.GetGenericArguments()) is { } field)
                    {
                        fields.Add(field);
                    }
                }
                catch (ArgumentException)
                {
                    // A token that does not resolve in this context: not a closure field.
                }
            }

            position += IlOpCodes.OperandSize(code.OperandType);
        }

        return fields;
    }

    private static void Describe(string step, object? target, Type optionsType, StringBuilder text, HashSet<FieldInfo> read, int depth)
    {
        if (target is null || depth > 8 || !IsClosure(target.GetType()))
        {
            return;
        }

        foreach (var field in target.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Where(read.Contains).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var value = field.GetValue(target);
            text.Append(field.Name).Append('=');
            if (value is not null && optionsType.IsInstanceOfType(value))
            {
                throw new ArgumentException($"The step '{step}' captures the pipeline's options ({optionsType.Name}): what it reads from them would escape its cache key. Declare what it needs as its parameters: p.Step(\"{step}\", inputs, o => new {{ o.Something }}, ctx => ... ctx.Parameters.Something ...).");
            }

            switch (value)
            {
                case null:
                    text.Append("null");
                    break;
                case string s:
                    text.Append('"').Append(s).Append('"');
                    break;
                case Enum e:
                    text.Append(e.GetType().FullName).Append('.').Append(e);
                    break;
                case IFormattable f when value.GetType().IsPrimitive || value is decimal or DateTime or DateTimeOffset or TimeSpan or Guid:
                    text.Append(f.ToString(null, CultureInfo.InvariantCulture));
                    break;
                case bool b:
                    text.Append(b ? "true" : "false");
                    break;
                default:
                    if (IsClosure(value.GetType()))
                    {
                        text.Append('{');
                        Describe(step, value, optionsType, text, read, depth + 1);
                        text.Append('}');
                    }
                    else
                    {
                        text.Append('<').Append(value.GetType().FullName).Append('>');
                    }

                    break;
            }

            text.Append(';');
        }
    }

    private static bool IsClosure(Type type) => type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false);

    private static bool HasMembers(Type type)
        => type.GetProperties(BindingFlags.Instance | BindingFlags.Public).Any(p => p.GetIndexParameters().Length == 0)
           || type.GetFields(BindingFlags.Instance | BindingFlags.Public).Length > 0;
}
