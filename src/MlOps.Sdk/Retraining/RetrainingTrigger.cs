namespace MlOps.Sdk.Retraining;

/// <summary>What started a retraining attempt.</summary>
public enum RetrainingTriggerKind
{
    /// <summary>A call: <see cref="Retrainer{TOptions}.RetrainAsync"/> or <see cref="RetrainingCatalog.RequestAsync"/>.</summary>
    Manual = 0,

    /// <summary>A new version of a watched dataset.</summary>
    DatasetVersion = 1,

    /// <summary>A schedule (an interval or a cron expression).</summary>
    Schedule = 2,

    /// <summary>An alert (from monitoring), through <see cref="RetrainingCatalog.RequestAsync"/>.</summary>
    Alert = 3,
}

/// <summary>
/// When a retrainer retrains by itself, checked by each <see cref="Retrainer{TOptions}.RunOnceAsync"/>. Manual calls and
/// alerts need no trigger: they are requests (<see cref="RetrainingCatalog.RequestAsync"/>) every retrainer of the model
/// picks up.
/// </summary>
public abstract class RetrainingTrigger
{
    private protected RetrainingTrigger()
    {
    }

    /// <summary>Retrains when the dataset has a version the production model was not trained on (the latest one; versions in between are skipped).</summary>
    /// <param name="datasetName">The watched dataset.</param>
    /// <returns>The trigger.</returns>
    public static RetrainingTrigger OnNewDatasetVersion(string datasetName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datasetName);
        return new DatasetTrigger(datasetName);
    }

    /// <summary>Retrains once per interval (slots counted from the Unix epoch, in UTC: every day is at midnight UTC).</summary>
    /// <param name="interval">The interval: one minute or more.</param>
    /// <returns>The trigger.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is shorter than a minute.</exception>
    public static RetrainingTrigger Every(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.FromMinutes(1));
        return new IntervalTrigger(interval);
    }

    /// <summary>Retrains on a cron schedule (five fields, UTC; see <see cref="CronSchedule"/>).</summary>
    /// <param name="expression">The expression: <c>0 3 * * 1</c> is Mondays at 03:00 UTC.</param>
    /// <returns>The trigger.</returns>
    /// <exception cref="FormatException">The expression is invalid.</exception>
    public static RetrainingTrigger Cron(string expression) => new CronTrigger(CronSchedule.Parse(expression));

    /// <summary>The occurrence due now, if any: a key naming it (claimed once across retrainers) and a description.</summary>
    internal abstract Task<TriggerOccurrence?> DueAsync(MlOpsClient client, RetrainingContextSource source, CancellationToken cancellationToken);

    internal sealed class DatasetTrigger(string datasetName) : RetrainingTrigger
    {
        public string DatasetName { get; } = datasetName;

        internal override async Task<TriggerOccurrence?> DueAsync(MlOpsClient client, RetrainingContextSource source, CancellationToken cancellationToken)
        {
            Data.DatasetVersion latest;
            try
            {
                latest = await client.Datasets.GetAsync($"datasets:/{DatasetName}@latest", cancellationToken).ConfigureAwait(false);
            }
            catch (Data.DatasetNotFoundException)
            {
                return null;
            }

            var identity = latest.Identity.ToString();
            if (source.Champion is { } champion && champion.Datasets.Any(d => d.Identity == identity))
            {
                return null; // production was trained on it
            }

            return new TriggerOccurrence($"dataset:{latest.Uri}", RetrainingTriggerKind.DatasetVersion, $"new data {latest.Uri}", latest);
        }

        public override string ToString() => $"a new version of {DatasetName}";
    }

    internal sealed class IntervalTrigger(TimeSpan interval) : RetrainingTrigger
    {
        internal override Task<TriggerOccurrence?> DueAsync(MlOpsClient client, RetrainingContextSource source, CancellationToken cancellationToken)
        {
            var now = client.TimeProvider.GetUtcNow();
            var slot = new DateTimeOffset(now.UtcTicks - (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) % interval.Ticks, TimeSpan.Zero);
            return Task.FromResult<TriggerOccurrence?>(new TriggerOccurrence($"schedule:every {interval}:{slot:O}", RetrainingTriggerKind.Schedule, $"every {interval} (slot {slot:u})", null));
        }

        public override string ToString() => $"every {interval}";
    }

    internal sealed class CronTrigger(CronSchedule schedule) : RetrainingTrigger
    {
        internal override Task<TriggerOccurrence?> DueAsync(MlOpsClient client, RetrainingContextSource source, CancellationToken cancellationToken)
        {
            var fired = schedule.GetPreviousOccurrence(client.TimeProvider.GetUtcNow());
            return Task.FromResult(fired is { } at ? new TriggerOccurrence($"schedule:cron {schedule}:{at:O}", RetrainingTriggerKind.Schedule, $"cron '{schedule}' ({at:u})", null) : null);
        }

        public override string ToString() => $"cron '{schedule}'";
    }
}

/// <summary>One occurrence of a trigger: its claim key, kind, description and the new data, if any.</summary>
internal sealed record TriggerOccurrence(string Key, RetrainingTriggerKind Kind, string Reason, Data.DatasetVersion? Dataset);

/// <summary>What a trigger may look at: the production version now.</summary>
internal sealed record RetrainingContextSource(Models.ModelVersion? Champion);
