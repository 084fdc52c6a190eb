using System.Reflection;
using System.Reflection.Emit;

namespace MlOps.Sdk.Pipelines;

/// <summary>The IL opcode table, read once from <see cref="OpCodes"/>: enough to walk a method body instruction by instruction.</summary>
internal static class IlOpCodes
{
    private static readonly OpCode?[] OneByte = new OpCode?[256];
    private static readonly OpCode?[] TwoByte = new OpCode?[256];

#pragma warning disable CA1810 // The table is filled from reflection; a static constructor says so plainly.
    static IlOpCodes()
#pragma warning restore CA1810
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (field.GetValue(null) is not OpCode code)
            {
                continue;
            }

            var value = (ushort)code.Value;
            if (code.Size == 1)
            {
                OneByte[value] = code;
            }
            else
            {
                TwoByte[value & 0xFF] = code;
            }
        }
    }

    /// <summary>Reads the opcode at <paramref name="position"/> and moves past it; <see langword="false"/> for a byte that is no opcode.</summary>
    public static bool TryRead(ReadOnlySpan<byte> il, ref int position, out OpCode code)
    {
        OpCode? found;
        var first = il[position++];
        if (first == 0xFE)
        {
            if (position >= il.Length)
            {
                code = default;
                return false;
            }

            found = TwoByte[il[position++]];
        }
        else
        {
            found = OneByte[first];
        }

        code = found.GetValueOrDefault();
        return found.HasValue;
    }

    /// <summary>The size in bytes of an operand of this type, not counting a switch's targets after its count.</summary>
    public static int OperandSize(OperandType type) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4,
    };
}
