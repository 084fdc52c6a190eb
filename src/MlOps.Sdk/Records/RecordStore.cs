using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Azure;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Records;

/// <summary>
/// Layer 3: typed JSON records (System.Text.Json, source-generated) on the object store. Numbered things are created
/// if absent; mutable things are changed by compare-and-swap through <see cref="ConflictRetry"/>. Every record carries a
/// schema version, and a record written by a newer SDK than this one is refused rather than misread.
/// </summary>
internal sealed class RecordStore(ObjectStore store, ConflictRetry conflictRetry)
{
    public ObjectStore Store => store;

    public async Task<(T Value, ETag ETag)?> ReadAsync<T>(string key, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class, IRecord
    {
        var stored = await store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        return stored is null ? null : (Deserialize(key, stored.Content, type), stored.ETag);
    }

    public async Task<T?> GetAsync<T>(string key, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class, IRecord
        => (await ReadAsync(key, type, cancellationToken).ConfigureAwait(false))?.Value;

    /// <summary>Creates a record that must not exist yet.</summary>
    /// <exception cref="PreconditionFailedException">It exists.</exception>
    public Task<ObjectProperties> CreateAsync<T>(string key, T value, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class, IRecord
        => store.WriteAsync(key, Serialize(value, type), WriteCondition.IfNotExists, cancellationToken);

    public Task<ObjectProperties> WriteAsync<T>(string key, T value, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class, IRecord
        => store.WriteAsync(key, Serialize(value, type), WriteCondition.None, cancellationToken);

    /// <summary>
    /// Changes a record by compare-and-swap. <paramref name="update"/> gets the current record (<see langword="null"/>
    /// when missing) and returns the new one, or <see langword="null"/> to leave it; it may run more than once, so it must
    /// not have side effects beyond its result, and must not change the record it is given.
    /// </summary>
    /// <returns>The record as stored afterwards, or <see langword="null"/> when there is none.</returns>
    public async Task<T?> UpdateAsync<T>(string key, Func<T?, T?> update, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class, IRecord
    {
        T? result = null;
        await conflictRetry.UpdateAsync(
            store,
            key,
            current =>
            {
                var before = current is null ? null : Deserialize(key, current.Content, type);
                var after = update(before);
                result = after ?? before;
                return after is null ? null : Serialize(after, type);
            },
            cancellationToken).ConfigureAwait(false);
        return result;
    }

    public static BinaryData Serialize<T>(T value, JsonTypeInfo<T> type) => BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(value, type));

    public static T Deserialize<T>(string key, BinaryData content, JsonTypeInfo<T> type)
        where T : class, IRecord
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(content.ToMemory().Span, type);
        }
        catch (JsonException ex)
        {
            throw new RecordFormatException(key, $"is not a valid {typeof(T).Name} record: {ex.Message}", ex);
        }

        if (value is null)
        {
            throw new RecordFormatException(key, "is empty (JSON null)");
        }

        if (value.SchemaVersion > IRecord.CurrentSchemaVersion)
        {
            throw new RecordFormatException(key, $"has schema version {value.SchemaVersion}, written by a newer MlOps.Sdk; this one reads up to version {IRecord.CurrentSchemaVersion}. Upgrade the package");
        }

        return value;
    }
}

/// <summary>A JSON record with a schema version.</summary>
internal interface IRecord
{
    /// <summary>The schema version this SDK writes and the newest it reads.</summary>
    const int CurrentSchemaVersion = 1;

    int SchemaVersion { get; }
}
