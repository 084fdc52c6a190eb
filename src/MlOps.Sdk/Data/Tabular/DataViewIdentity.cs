using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Data;

/// <summary>
/// The identity of an <see cref="IDataView"/>'s content: SHA-256 over its schema (names and types) and every value of
/// every visible column in a canonical encoding. ML.NET's binary format is not byte-stable (the first save in a process
/// compresses differently from later ones), so the bytes of a saved file cannot be the identity of the data.
/// </summary>
internal static class DataViewIdentity
{
    public static ContentHash Compute(IDataView data, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var columns = data.Schema.Where(c => !c.IsHidden).ToList();
        hash.AppendData("mlops-dataview-v1\n"u8);
        Span<byte> size = stackalloc byte[4];
        foreach (var column in columns)
        {
            // Length-prefixed, so no name can imitate another column.
            foreach (var part in new[] { column.Name, column.Type.ToString() ?? column.Type.RawType.FullName ?? string.Empty })
            {
                var bytes = Encoding.UTF8.GetBytes(part);
                BinaryPrimitives.WriteInt32LittleEndian(size, bytes.Length);
                hash.AppendData(size);
                hash.AppendData(bytes);
            }
        }

        var buffer = new byte[1 << 16];
        var length = 0;
        void Flush()
        {
            hash.AppendData(buffer, 0, length);
            length = 0;
        }

        Span<byte> Reserve(int count)
        {
            if (length + count > buffer.Length)
            {
                Flush();
                if (count > buffer.Length)
                {
                    buffer = new byte[count];
                }
            }

            var span = buffer.AsSpan(length, count);
            length += count;
            return span;
        }

        using (var cursor = data.GetRowCursor(columns))
        {
            var writers = columns.Select(c => Writer(cursor, c, Reserve)).ToList();
            long rows = 0;
            while (cursor.MoveNext())
            {
                if ((++rows & 0xFFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                foreach (var write in writers)
                {
                    write();
                }
            }
        }

        Flush();
        return ContentHashing.Finish(hash);
    }

    private delegate Span<byte> Reserver(int count);

    private static Action Writer(DataViewRowCursor cursor, DataViewSchema.Column column, Reserver reserve)
    {
        var type = column.Type;
        if (type is VectorDataViewType vector)
        {
            return (Action)typeof(DataViewIdentity).GetMethod(nameof(VectorWriter), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(vector.ItemType.RawType).Invoke(null, [cursor, column, reserve])!;
        }

        return (Action)typeof(DataViewIdentity).GetMethod(nameof(ScalarWriter), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type.RawType).Invoke(null, [cursor, column, reserve])!;
    }

    private static Action ScalarWriter<T>(DataViewRowCursor cursor, DataViewSchema.Column column, Reserver reserve)
    {
        var get = cursor.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            get(ref value);
            Encode(value, reserve);
        };
    }

    private static Action VectorWriter<T>(DataViewRowCursor cursor, DataViewSchema.Column column, Reserver reserve)
    {
        var get = cursor.GetGetter<VBuffer<T>>(column);
        VBuffer<T> value = default;
        return () =>
        {
            get(ref value);
            BinaryPrimitives.WriteInt32LittleEndian(reserve(4), value.Length);
            foreach (var item in value.DenseValues())
            {
                Encode(item, reserve);
            }
        };
    }

    private static void Encode<T>(T value, Reserver reserve)
    {
        switch (value)
        {
            case float f:
                BinaryPrimitives.WriteSingleLittleEndian(reserve(4), float.IsNaN(f) ? float.NaN : f);
                break;
            case double d:
                BinaryPrimitives.WriteDoubleLittleEndian(reserve(8), double.IsNaN(d) ? double.NaN : d);
                break;
            case ReadOnlyMemory<char> text:
                var bytes = Encoding.UTF8.GetByteCount(text.Span);
                var span = reserve(4 + bytes);
                BinaryPrimitives.WriteInt32LittleEndian(span, bytes);
                Encoding.UTF8.GetBytes(text.Span, span[4..]);
                break;
            case bool b:
                reserve(1)[0] = b ? (byte)1 : (byte)0;
                break;
            case int i:
                BinaryPrimitives.WriteInt32LittleEndian(reserve(4), i);
                break;
            case long l:
                BinaryPrimitives.WriteInt64LittleEndian(reserve(8), l);
                break;
            case uint u:
                BinaryPrimitives.WriteUInt32LittleEndian(reserve(4), u);
                break;
            case ulong ul:
                BinaryPrimitives.WriteUInt64LittleEndian(reserve(8), ul);
                break;
            case DateTime dt:
                BinaryPrimitives.WriteInt64LittleEndian(reserve(8), dt.Ticks);
                break;
            case DateTimeOffset dto:
                var both = reserve(16);
                BinaryPrimitives.WriteInt64LittleEndian(both, dto.UtcTicks);
                BinaryPrimitives.WriteInt64LittleEndian(both[8..], dto.Offset.Ticks);
                break;
            case TimeSpan ts:
                BinaryPrimitives.WriteInt64LittleEndian(reserve(8), ts.Ticks);
                break;
            case IConvertible convertible:
                // Other widths (byte, short, ...): their invariant text.
                var other = Encoding.UTF8.GetBytes(convertible.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var target = reserve(4 + other.Length);
                BinaryPrimitives.WriteInt32LittleEndian(target, other.Length);
                other.CopyTo(target[4..]);
                break;
            default:
                throw new NotSupportedException($"A column of type {typeof(T).Name} cannot be versioned by content; register the data saved to a file instead.");
        }
    }
}
