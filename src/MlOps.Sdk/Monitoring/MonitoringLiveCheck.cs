using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Retraining;

namespace MlOps.Sdk.Monitoring;

/// <summary>What a live check of a canary compares: one live metric of the challenger against the champion's.</summary>
public sealed class LiveCheckOptions
{
    private static readonly string[] LowerIsBetter = ["log-loss", "mae", "mse", "rmse"];

    /// <summary>Gets or sets the metric compared, as <see cref="PerformanceWindow.Metrics"/> names it.</summary>
    /// <value>Default <c>auc</c>; one of <c>auc</c>, <c>auprc</c>, <c>accuracy</c>, <c>f1</c>, <c>precision</c>, <c>recall</c>, <c>log-loss</c>, <c>mae</c>, <c>mse</c>, <c>rmse</c>, <c>r2</c>, <c>micro-accuracy</c>, <c>macro-accuracy</c>.</value>
    [Required]
    [AllowedValues("auc", "auprc", "accuracy", "f1", "precision", "recall", "log-loss", "mae", "mse", "rmse", "r2", "micro-accuracy", "macro-accuracy")]
    public string Metric { get; set; } = "auc";

    /// <summary>Gets or sets whether a larger value of the metric is better.</summary>
    /// <value>Default <see langword="null"/>: decided by the metric (<c>log-loss</c>, <c>mae</c>, <c>mse</c> and <c>rmse</c> are errors, lower is better; the others higher).</value>
    public bool? HigherIsBetter { get; set; }

    /// <summary>Gets or sets how much worse than the champion's the challenger's metric may be, in the metric's units.</summary>
    /// <value>Default 0.02; 0 or more.</value>
    [Range(0, double.MaxValue)]
    public double MaxDrop { get; set; } = 0.02;

    /// <summary>Gets or sets how many predictions with ground truth each version needs since the stage began before it is judged; healthy until then.</summary>
    /// <value>Default 100; from 1.</value>
    [Range(1, int.MaxValue)]
    public int MinFeedback { get; set; } = 100;

    /// <summary>Gets or sets what the model predicts.</summary>
    /// <value>Default <see cref="MonitoringTask.Auto"/>.</value>
    public MonitoringTask Task { get; set; } = MonitoringTask.Auto;

    internal bool Higher => HigherIsBetter ?? !LowerIsBetter.Contains(Metric, StringComparer.Ordinal);
}

/// <summary>Live checks for canary rollouts (<see cref="CanaryOptions.LiveCheck"/>) made of live performance.</summary>
public static class MonitoringLiveCheck
{
    /// <summary>
    /// Creates a live check that compares the challenger's live metric with the champion's on the predictions of the
    /// stage so far (from <see cref="RolloutCheck.StageStartedAt"/> to now, every arm pooled, through
    /// <see cref="MonitoringCatalog.CompareAsync"/>). Unhealthy when the challenger is worse by more than
    /// <see cref="LiveCheckOptions.MaxDrop"/>; healthy, saying why, while either version has fewer than
    /// <see cref="LiveCheckOptions.MinFeedback"/> predictions with ground truth, when the metric is not measured (a
    /// single class so far) or when there is no champion. Unhealthy, naming the metric and the task, as soon as the
    /// task decided from the logged outputs (<see cref="MonitoringTask.Auto"/>) is one whose metrics do not include
    /// <see cref="LiveCheckOptions.Metric"/> (the default <c>auc</c> on a regression model): such a check could never judge.
    /// </summary>
    /// <param name="client">The client whose monitoring reads the logs.</param>
    /// <param name="options">The metric and the guard; copied, later changes do not count.</param>
    /// <returns>The check, for <see cref="CanaryOptions.LiveCheck"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (an unknown metric, a negative drop, or a <see cref="LiveCheckOptions.Task"/> other than <see cref="MonitoringTask.Auto"/> whose metrics do not include <see cref="LiveCheckOptions.Metric"/>).</exception>
    public static Func<RolloutCheck, CancellationToken, Task<RolloutHealth>> Create(MlOpsClient client, LiveCheckOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        OptionsValidation.ThrowIfInvalid(options);
        if (Mismatch(options.Metric, options.Task) is { } mismatch)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(LiveCheckOptions), [$"LiveCheckOptions.Metric: {mismatch}."]);
        }

        var copy = new LiveCheckOptions { Metric = options.Metric, HigherIsBetter = options.HigherIsBetter, MaxDrop = options.MaxDrop, MinFeedback = options.MinFeedback, Task = options.Task };
        var logger = client.LoggerFactory.CreateLogger(typeof(MonitoringLiveCheck));
        return async (check, cancellationToken) =>
        {
            ArgumentNullException.ThrowIfNull(check);
            var health = await CheckAsync(client, copy, check, cancellationToken).ConfigureAwait(false);
            if (health.Healthy)
            {
                MonitoringLog.LiveCheckHealthy(logger, check.Model, check.Challenger, health.Reason);
            }
            else
            {
                MonitoringLog.LiveCheckUnhealthy(logger, check.Model, check.Challenger, health.Reason);
            }

            return health;
        };
    }

    private static async Task<RolloutHealth> CheckAsync(MlOpsClient client, LiveCheckOptions options, RolloutCheck check, CancellationToken cancellationToken)
    {
        if (check.Champion is not { } champion || champion == check.Challenger)
        {
            return new RolloutHealth(true, "no production version to compare with");
        }

        var now = client.TimeProvider.GetUtcNow();
        var query = new PerformanceQuery { From = check.StageStartedAt, To = now > check.StageStartedAt ? now : check.StageStartedAt.AddTicks(1), Window = null, Task = options.Task };
        var comparison = await client.Monitoring.CompareAsync(check.Model, champion, check.Challenger, query, cancellationToken).ConfigureAwait(false);
        if (Mismatch(options.Metric, comparison.Task) is { } mismatch)
        {
            return RolloutHealth.Unhealthy($"{mismatch}: the check could never judge; set LiveCheckOptions.Metric to one of them");
        }

        var total = comparison.Total;
        var (theirs, ours) = (total.Champion, total.Challenger);
        var since = string.Create(CultureInfo.InvariantCulture, $"since {check.StageStartedAt:u}");
        if (ours.WithFeedback < options.MinFeedback || theirs.WithFeedback < options.MinFeedback)
        {
            return new RolloutHealth(true, string.Create(CultureInfo.InvariantCulture, $"not enough feedback yet ({Math.Min(ours.WithFeedback, theirs.WithFeedback)} of {options.MinFeedback}: version {check.Challenger} has {ours.WithFeedback} predictions with ground truth, version {champion} {theirs.WithFeedback}, {since})"));
        }

        if (!total.Metrics.TryGetValue(options.Metric, out var metric) || metric is not { Champion: { } before, Challenger: { } after })
        {
            return new RolloutHealth(true, $"{options.Metric} not measured yet {since}: {ours.Note ?? theirs.Note ?? "the evaluator does not give it for this task"}");
        }

        var worse = options.Higher ? before - after : after - before;
        var judged = string.Create(CultureInfo.InvariantCulture, $"live {options.Metric} {after:0.####} of version {check.Challenger} against {before:0.####} of version {champion} on {ours.WithFeedback} and {theirs.WithFeedback} predictions with ground truth {since} (guard: at most {options.MaxDrop} worse)");
        return worse > options.MaxDrop ? RolloutHealth.Unhealthy(judged) : new RolloutHealth(true, judged);
    }

    /// <summary>Why the metric can never be measured for the task (naming both and the task's metrics), or <see langword="null"/> when it can or the task is not decided.</summary>
    private static string? Mismatch(string metric, MonitoringTask task)
    {
        var metrics = PerformanceMeter.MetricsOf(task);
        return task == MonitoringTask.Auto || metrics.Contains(metric, StringComparer.Ordinal)
            ? null
            : $"the metric {metric} is not measured for {task} (its metrics: {string.Join(", ", metrics)})";
    }
}
