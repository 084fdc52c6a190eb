using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace MlOps.Sdk.Records;

/// <summary>Deep copies of records through their JSON form, so a compare-and-swap update never changes the version it read.</summary>
internal static class RecordCopy
{
    public static T Of<T>(T value, JsonTypeInfo<T> type)
        => JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(value, type), type)!;
}
