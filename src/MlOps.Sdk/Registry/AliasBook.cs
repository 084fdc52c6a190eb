using System.Text.Json.Serialization;
using MlOps.Sdk.Records;

namespace MlOps.Sdk.Registry;

/// <summary>
/// <c>{prefix}/aliases/{alias}.json</c>: the version an alias points at, and every change (who, when, from, to, why),
/// changed by compare-and-swap so concurrent moves never lose one.
/// </summary>
internal sealed class AliasRecord : IRecord
{
    public int SchemaVersion { get; set; } = IRecord.CurrentSchemaVersion;

    public required string Alias { get; set; }

    /// <summary>The current version, or <see langword="null"/> once deleted (the history stays).</summary>
    public int? Version { get; set; }

    /// <summary>Set once the alias was moved as a protected one: from then on every client refuses to move it casually.</summary>
    public bool? Protected { get; set; }

    /// <summary>The share of requests a served arm following this alias gets, when set (models only; cleared when the alias moves).</summary>
    public double? Weight { get; set; }

    public List<AliasChangeRecord> History { get; set; } = [];
}

internal sealed class AliasChangeRecord
{
    public int? From { get; set; }

    public int? To { get; set; }

    public required string By { get; set; }

    public DateTimeOffset At { get; set; }

    public string? Reason { get; set; }

    /// <summary>Whether this change undid an earlier one (a rollback), so a second rollback goes further back.</summary>
    public bool? Rollback { get; set; }

    /// <summary>The traffic weight set by this change (<see cref="From"/> equals <see cref="To"/> when only the weight changed).</summary>
    public double? Weight { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PreferredObjectCreationHandling = JsonObjectCreationHandling.Populate,
    WriteIndented = false)]
[JsonSerializable(typeof(AliasRecord))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;

/// <summary>The aliases of one registry (a dataset's, a model's): read, move, delete, with history.</summary>
internal sealed class AliasBook(RecordStore records, TimeProvider timeProvider, string prefix)
{
    public string Key(string alias) => $"{prefix}aliases/{alias}.json";

    public string Folder => $"{prefix}aliases/";

    public Task<AliasRecord?> GetAsync(string alias, CancellationToken cancellationToken)
        => records.GetAsync(Key(alias), RegistryJsonContext.Default.AliasRecord, cancellationToken);

    /// <summary>
    /// Points an alias at a version (or deletes it with <see langword="null"/>), appending the change to its history;
    /// nothing is written when it already points there. <paramref name="check"/> sees the current record first and may
    /// throw to refuse the change (it may run more than once, on conflicts).
    /// </summary>
    /// <returns>The version it pointed at before.</returns>
    public async Task<int?> MoveAsync(string alias, int? version, string? reason, Action<AliasRecord?>? check, CancellationToken cancellationToken, bool protect = false, bool rollback = false, string? by = null, double? weight = null)
    {
        int? previous = null;
        await records.UpdateAsync(
            Key(alias),
            current =>
            {
                check?.Invoke(current);
                previous = current?.Version;
                if (current?.Version == version || (current is null && version is null))
                {
                    return null;
                }

                var next = new AliasRecord
                {
                    Alias = current?.Alias ?? alias,
                    Version = version,
                    Protected = protect || current?.Protected == true ? true : null,
                    Weight = weight,
                    History = current is null ? [] : [.. current.History],
                };

                // Never earlier than the change before it, whatever this writer's clock says: the history stays in order.
                var at = timeProvider.GetUtcNow();
                if (next.History.Count > 0 && next.History[^1].At >= at)
                {
                    at = next.History[^1].At.AddTicks(1);
                }

                next.History.Add(new AliasChangeRecord { From = current?.Version, To = version, By = by ?? Environment.UserName, At = at, Reason = reason, Rollback = rollback ? true : null, Weight = weight });
                return next;
            },
            RegistryJsonContext.Default.AliasRecord,
            cancellationToken).ConfigureAwait(false);
        return previous;
    }

    /// <summary>Sets the traffic weight of an alias that points at a version (<paramref name="check"/> sees the record first), recording the change.</summary>
    public async Task SetWeightAsync(string alias, double? weight, string reason, Action<AliasRecord?> check, CancellationToken cancellationToken, string? by = null)
        => await records.UpdateAsync(
            Key(alias),
            current =>
            {
                check(current);
                if (current?.Version is not { } version || current.Weight == weight)
                {
                    return null;
                }

                var at = timeProvider.GetUtcNow();
                if (current.History.Count > 0 && current.History[^1].At >= at)
                {
                    at = current.History[^1].At.AddTicks(1);
                }

                return new AliasRecord
                {
                    Alias = current.Alias,
                    Version = version,
                    Protected = current.Protected,
                    Weight = weight,
                    History = [.. current.History, new AliasChangeRecord { From = version, To = version, By = by ?? Environment.UserName, At = at, Reason = reason, Weight = weight }],
                };
            },
            RegistryJsonContext.Default.AliasRecord,
            cancellationToken).ConfigureAwait(false);

    /// <summary>Lists the aliases that point at a version now.</summary>
    public async Task<IReadOnlyList<AliasRecord>> ListAsync(CancellationToken cancellationToken)
    {
        var result = new List<AliasRecord>();
        await foreach (var item in records.Store.ListAsync(Folder, cancellationToken).ConfigureAwait(false))
        {
            if (await records.GetAsync(item.Key, RegistryJsonContext.Default.AliasRecord, cancellationToken).ConfigureAwait(false) is { Version: not null } alias)
            {
                result.Add(alias);
            }
        }

        return result;
    }
}
