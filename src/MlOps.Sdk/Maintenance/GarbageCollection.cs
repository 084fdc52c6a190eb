using System.ComponentModel.DataAnnotations;

namespace MlOps.Sdk.Maintenance;

/// <summary>How <see cref="MlOpsClient.CollectGarbageAsync"/> decides what to delete.</summary>
public sealed class GarbageCollectionOptions
{
    /// <summary>
    /// Gets or sets how old, by the store's clock, unreferenced content must be before it is deleted: content uploaded
    /// for a registration or run that has not written its record yet is younger than this, and is kept.
    /// </summary>
    /// <value>Default 1 day; between 0 and 365 days. Shorter than the longest upload plus its commit is unsafe.</value>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Gets or sets a value indicating whether to report what would be deleted without deleting it.</summary>
    public bool DryRun { get; set; }
}

/// <summary>What a garbage collection found and did.</summary>
/// <param name="Referenced">Content objects and packs that records refer to (kept).</param>
/// <param name="Deleted">Unreferenced objects older than the grace period: deleted, or that would be on a dry run.</param>
/// <param name="DeletedBytes">Their total size.</param>
/// <param name="KeptYoung">Unreferenced objects younger than the grace period (kept: possibly in-flight writes).</param>
/// <param name="DryRun">Whether nothing was deleted.</param>
public sealed record GarbageCollectionResult(int Referenced, int Deleted, long DeletedBytes, int KeptYoung, bool DryRun);
