using System.Buffers.Binary;
using System.Globalization;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace MlOps.Sdk.Pipelines;

/// <summary>
/// Describes one method canonically: its signature, locals, exception-handling clauses and IL, every metadata token
/// written as the identity of what it names (a string as its value), so that the description depends on the code and not
/// on token numbering; and finds the user methods the code leads to.
/// </summary>
internal static class MethodDescriber
{
    private const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    public static MethodNode Describe(MethodBase method)
    {
        var ids = new CodeIdentity();
        var identity = ids.Of(method);
        var text = new StringBuilder(1024);
        var next = new List<MethodBase>();
        var notCovered = new List<string>();

        text.Append("method ").Append(identity).Append('\n')
            .Append("attributes ").Append((int)(method.Attributes & (MethodAttributes.Static | MethodAttributes.Virtual | MethodAttributes.Abstract))).Append('\n')
            .Append("calling ").Append((int)method.CallingConvention).Append('\n');

        MethodBody? body;
        try
        {
            body = method.GetMethodBody();
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
        {
            body = null;
        }

        if (body?.GetILAsByteArray() is not { } il)
        {
            notCovered.Add(identity + ": no IL body (abstract, extern or interface); implementations are not followed");
        }
        else
        {
            var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
            var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
            AppendLocals(text, body, ids);
            AppendClauses(text, body, ids);
            var reader = new Reader(method, typeArguments, methodArguments, ids, text, next, notCovered, identity);
            reader.Append(il);
        }

        // An async method or iterator keeps its code in a compiler-generated state machine: follow all of it.
        foreach (var attribute in method.GetCustomAttributes<StateMachineAttribute>(inherit: false))
        {
            var machine = attribute.StateMachineType;
            text.Append("statemachine ").Append(ids.Of(machine)).Append('\n');
            if (CodeIdentity.IsUserCode(machine.Assembly))
            {
                next.AddRange(machine.GetMethods(Declared));
                next.AddRange(machine.GetConstructors(Declared));
            }
        }

        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        return new MethodNode(identity, CodeIdentity.DisplayName(method), digest, [.. next.Distinct()], [.. ids.ExternalAssemblies], [.. notCovered]);
    }

    /// <summary>A user method as it is followed: its definition (an open generic), or <see langword="null"/> for one not followed.</summary>
    public static MethodBase? Followed(MethodBase method)
    {
        if (!CodeIdentity.IsUserCode(method.Module.Assembly)
            || (method.MethodImplementationFlags & MethodImplAttributes.Runtime) != 0)
        {
            // Outside user code, or a delegate's Invoke and constructor, which the runtime implements.
            return null;
        }

        if ((method.IsGenericMethod && !method.IsGenericMethodDefinition) || method.DeclaringType is { IsConstructedGenericType: true })
        {
            return method.Module.ResolveMethod(method.MetadataToken);
        }

        return method;
    }

    private static void AppendLocals(StringBuilder text, MethodBody body, CodeIdentity ids)
    {
        text.Append("initlocals ").Append(body.InitLocals ? 1 : 0).Append('\n');
        foreach (var local in body.LocalVariables)
        {
            text.Append("local ").Append(ids.Of(local.LocalType)).Append(local.IsPinned ? " pinned" : string.Empty).Append('\n');
        }
    }

    private static void AppendClauses(StringBuilder text, MethodBody body, CodeIdentity ids)
    {
        foreach (var clause in body.ExceptionHandlingClauses)
        {
            text.Append("clause ").Append((int)clause.Flags)
                .Append(' ').Append(clause.TryOffset).Append(' ').Append(clause.TryLength)
                .Append(' ').Append(clause.HandlerOffset).Append(' ').Append(clause.HandlerLength);
            if (clause.Flags == ExceptionHandlingClauseOptions.Clause)
            {
                text.Append(" catch ").Append(ids.Of(clause.CatchType!));
            }
            else if (clause.Flags == ExceptionHandlingClauseOptions.Filter)
            {
                text.Append(" filter ").Append(clause.FilterOffset);
            }

            text.Append('\n');
        }
    }

    /// <summary>Walks one IL body, writing each instruction with its operand resolved.</summary>
    private sealed class Reader(
        MethodBase method, Type[]? typeArguments, Type[]? methodArguments, CodeIdentity ids,
        StringBuilder text, List<MethodBase> next, List<string> notCovered, string identity)
    {
        private readonly Module _module = method.Module;

        public void Append(ReadOnlySpan<byte> il)
        {
            var position = 0;
            while (position < il.Length)
            {
                if (!IlOpCodes.TryRead(il, ref position, out var code))
                {
                    // Not valid IL; keep the byte so the description still changes with it.
                    text.Append("byte ").Append(il[position - 1]).Append('\n');
                    continue;
                }

                text.Append(code.Name);
                var size = IlOpCodes.OperandSize(code.OperandType);
                if (position + size > il.Length)
                {
                    text.Append(" truncated\n");
                    return;
                }

                var operand = il.Slice(position, size);
                position += size;
                switch (code.OperandType)
                {
                    case OperandType.InlineNone:
                        break;
                    case OperandType.ShortInlineBrTarget:
                        text.Append(' ').Append((sbyte)operand[0]);
                        break;
                    case OperandType.ShortInlineI:
                        text.Append(' ').Append(code == OpCodes.Ldc_I4_S ? (sbyte)operand[0] : operand[0]);
                        break;
                    case OperandType.ShortInlineVar:
                        text.Append(' ').Append(operand[0]);
                        break;
                    case OperandType.InlineVar:
                        text.Append(' ').Append(BinaryPrimitives.ReadUInt16LittleEndian(operand));
                        break;
                    case OperandType.InlineI or OperandType.InlineBrTarget:
                        text.Append(' ').Append(BinaryPrimitives.ReadInt32LittleEndian(operand));
                        break;
                    case OperandType.ShortInlineR:
                        text.Append(' ').Append(BinaryPrimitives.ReadUInt32LittleEndian(operand).ToString("x8", CultureInfo.InvariantCulture));
                        break;
                    case OperandType.InlineI8 or OperandType.InlineR:
                        text.Append(' ').Append(BinaryPrimitives.ReadUInt64LittleEndian(operand).ToString("x16", CultureInfo.InvariantCulture));
                        break;
                    case OperandType.InlineSwitch:
                        var count = BinaryPrimitives.ReadInt32LittleEndian(operand);
                        if (count < 0 || position + (4L * count) > il.Length)
                        {
                            text.Append(" truncated\n");
                            return;
                        }

                        text.Append(' ').Append(count);
                        for (var i = 0; i < count; i++, position += 4)
                        {
                            text.Append(' ').Append(BinaryPrimitives.ReadInt32LittleEndian(il.Slice(position, 4)));
                        }

                        break;
                    default:
                        AppendToken(code, BinaryPrimitives.ReadInt32LittleEndian(operand));
                        break;
                }

                text.Append('\n');
            }
        }

        private void AppendToken(OpCode code, int token)
        {
            try
            {
                switch (code.OperandType)
                {
                    case OperandType.InlineString:
                        var value = _module.ResolveString(token);
                        text.Append(" \"").Append(value.Length).Append(':').Append(value);
                        break;
                    case OperandType.InlineSig:
                        // A calli's stand-alone signature: its blob names types by token, so it is kept as bytes.
                        text.Append(" sig ").Append(Convert.ToHexStringLower(_module.ResolveSignature(token)));
                        notCovered.Add(identity + ": a calli signature is hashed as raw metadata bytes");
                        break;
                    case OperandType.InlineMethod:
                        AppendMethod(_module.ResolveMethod(token, typeArguments, methodArguments)!);
                        break;
                    case OperandType.InlineField:
                        AppendField(code, _module.ResolveField(token, typeArguments, methodArguments)!);
                        break;
                    case OperandType.InlineType:
                        text.Append(" type ").Append(ids.Of(_module.ResolveType(token, typeArguments, methodArguments)));
                        break;
                    default: // InlineTok: ldtoken of a type, method or field.
                        switch (_module.ResolveMember(token, typeArguments, methodArguments))
                        {
                            case Type type:
                                text.Append(" type ").Append(ids.Of(type));
                                break;
                            case MethodBase member:
                                AppendMethod(member);
                                break;
                            case FieldInfo field:
                                AppendField(code, field);
                                break;
                        }

                        break;
                }
            }
            catch (Exception e) when (e is ArgumentException or BadImageFormatException or IOException or TypeLoadException or MissingMemberException)
            {
                // The reference cannot be resolved (a missing assembly, say): what failed is named instead.
                text.Append(" unresolved ").Append(e.GetType().Name).Append(' ').Append(e.Message);
                notCovered.Add(identity + ": a reference could not be resolved (" + e.GetType().Name + ")");
            }
        }

        private void AppendMethod(MethodBase called)
        {
            text.Append(" method ").Append(ids.Of(called));
            if (Followed(called) is { } user)
            {
                next.Add(user);
            }
            else if (called.DeclaringType is { } declaring && UsesReflection(declaring, called.Name))
            {
                notCovered.Add(identity + ": uses reflection (" + declaring.Name + "." + called.Name + "); code reached through it is not followed");
            }
        }

        private void AppendField(OpCode code, FieldInfo field)
        {
            text.Append(" field ").Append(ids.Of(field));
            if ((field.Attributes & FieldAttributes.HasFieldRVA) != 0)
            {
                AppendFieldData(field);
            }

            if (field.IsLiteral || field.DeclaringType is not { } declaring || !CodeIdentity.IsUserCode(declaring.Assembly))
            {
                return;
            }

            // A field's initializer runs in its type's constructors (static ones for a static field): a step that reads
            // the field includes them, and so the whole of them, other fields' initializers too.
            var definition = declaring.IsConstructedGenericType ? declaring.GetGenericTypeDefinition() : declaring;
            if ((code == OpCodes.Ldsfld || code == OpCodes.Ldsflda) && field.IsStatic && definition.TypeInitializer is { } initializer)
            {
                next.Add(initializer);
            }
            else if ((code == OpCodes.Ldfld || code == OpCodes.Ldflda) && !field.IsStatic)
            {
                next.AddRange(definition.GetConstructors(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly));
            }
        }

        private void AppendFieldData(FieldInfo field)
        {
            // The data of an array or span initializer (new[] { 1, 2, 3 }) lives in a field mapped to a block of the image.
            // C# names that field by a hash of its content already; the bytes are read too, without running any code.
            try
            {
                var bytes = new byte[RuntimeHelpers.SizeOf(field.FieldType.TypeHandle)];
                RuntimeHelpers.InitializeArray(bytes, field.FieldHandle);
                text.Append(" data ").Append(Convert.ToHexStringLower(bytes));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
            {
                notCovered.Add(identity + ": the data of " + field.Name + " could not be read; its name is hashed");
            }
        }

        private static bool UsesReflection(Type declaring, string name) =>
            declaring.Namespace == "System.Reflection" || declaring == typeof(Activator)
            || (declaring == typeof(Type) && name is "GetType" or "GetMethod" or "GetMethods" or "InvokeMember")
            || (declaring == typeof(Delegate) && name == "DynamicInvoke");
    }
}
