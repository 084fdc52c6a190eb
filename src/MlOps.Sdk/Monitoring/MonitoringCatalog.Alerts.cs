using System.Security.Cryptography;
using System.Text;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Registry;

namespace MlOps.Sdk.Monitoring;

public partial class MonitoringCatalog
{
    /// <summary>Raised for every alert a check raises (not for suppressed ones), after it is logged. A handler's exception is logged, not thrown.</summary>
    public event EventHandler<AlertRaisedEventArgs>? AlertRaised;

    /// <summary>
    /// Checks a model: measures what its rules need over the lookback (live performance, drift against the training
    /// data), evaluates every rule, and for each alert — unless the same rule alerted within the cooldown — logs a
    /// warning (an error when critical), calls <see cref="MonitorOptions.OnAlert"/>, raises <see cref="AlertRaised"/>, and
    /// asks for a retraining when the rule says so. What cannot be measured (no predictions, no reference) is reported in
    /// the snapshot's problems; rules on it do not alert.
    /// </summary>
    /// <param name="options">The model, lookback, rules and cooldown.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>What was measured and the alerts.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> are invalid (no model, no rule, a value out of range); the message lists every problem.</exception>
    /// <exception cref="ArgumentException">Two rules have the same name.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<MonitoringCheckResult> CheckAsync(MonitorOptions options, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ValidateMonitor(options);
        var model = options.Model!;
        var until = _client.TimeProvider.GetUtcNow();
        var since = until - options.Lookback;
        var problems = new List<string>();
        using var shared = MonitoringLogReader.Share();   // performance and drift read the lookback's logs once
        PerformanceReport? performance = null;
        LiveDriftReport? drift = null;
        if (options.Rules.Any(r => r.NeedsPerformance))
        {
            var query = new PerformanceQuery { From = since, To = until, Window = null, Task = options.Task };
            performance = await MeasureAsync(() => GetPerformanceAsync(model, query, cancellationToken), "performance", problems).ConfigureAwait(false);
        }

        if (options.Rules.Any(r => r.NeedsDrift))
        {
            var query = new DriftQuery { From = since, To = until, Reference = options.Reference, Options = options.Drift };
            foreach (var feature in options.Features)
            {
                query.Features.Add(feature);
            }

            drift = await MeasureAsync(() => GetDriftAsync(model, query, cancellationToken), "drift", problems).ConfigureAwait(false);
        }

        var snapshot = new MonitoringSnapshot(model, since, until, performance, drift, problems);
        var alerts = new List<Alert>();
        foreach (var rule in options.Rules)
        {
            if (rule.Evaluate(snapshot) is not { } finding)
            {
                continue;
            }

            var (raised, before) = await TryRaiseAsync(model, rule.Name, finding.Message, until, options.Cooldown, cancellationToken).ConfigureAwait(false);
            string? request = null;
            if (raised && rule.RequestRetraining)
            {
                try
                {
                    request = await _client.Retraining.RequestAsync(model, $"alert {rule.Name}: {finding.Message}", Retraining.RetrainingTriggerKind.Alert, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    // The alert was not delivered: give the cooldown back, so the next check raises it again.
                    await GiveBackAsync(model, rule.Name, until, before, CancellationToken.None).ConfigureAwait(false);
                    throw;
                }
            }

            var alert = new Alert(model, rule.Name, rule.Severity, finding.Message, finding.Value, finding.Threshold, until, !raised, request);
            alerts.Add(alert);
            if (raised)
            {
                await NotifyAsync(alert, options.OnAlert, cancellationToken).ConfigureAwait(false);
            }
        }

        var suppressed = alerts.Count(a => a.Suppressed);
        MonitoringLog.Checked(_logger, model, alerts.Count - suppressed, suppressed, problems.Count);
        return new MonitoringCheckResult(snapshot, alerts);
    }

    /// <summary>Lists the last alert of each rule of a model that ever alerted.</summary>
    /// <param name="model">The model's name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>One entry per rule, the latest first.</returns>
    /// <exception cref="ArgumentException"><paramref name="model"/> is not a valid model name.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<IReadOnlyList<AlertState>> GetAlertStatesAsync(string model, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(model, "Model", nameof(model));
        var states = new List<AlertState>();
        await foreach (var file in _client.Store.ListAsync($"monitoring/alerts/{model}/", cancellationToken).ConfigureAwait(false))
        {
            if (await _records.GetAsync(file.Key, MonitoringJsonContext.Default.AlertStateRecord, cancellationToken).ConfigureAwait(false) is { } r)
            {
                states.Add(new AlertState(r.Model, r.Rule, r.LastRaisedAt, r.LastMessage, r.Raised, r.Suppressed));
            }
        }

        return [.. states.OrderByDescending(s => s.LastRaisedAt)];
    }

    internal static void ValidateMonitor(MonitorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionsValidation.ThrowIfInvalid(options);
        RegistryNames.Name(options.Model, "Model", nameof(options));
        if (options.Rules.Count == 0)
        {
            throw new ArgumentException($"The monitor of '{options.Model}' has no rule; add one (AlertRule.DriftedShare(), AlertRule.MetricBelow(\"accuracy\", 0.8), ...).", nameof(options));
        }

        if (options.Rules.Any(r => r is null))
        {
            throw new ArgumentException($"The monitor of '{options.Model}' has a null rule.", nameof(options));
        }

        if (options.Rules.FirstOrDefault(r => string.IsNullOrWhiteSpace(r.Name)) is { } unnamed)
        {
            throw new ArgumentException($"The monitor of '{options.Model}' has a rule without a name ({unnamed.GetType().Name}); a rule's name keys its cooldown.", nameof(options));
        }

        if (options.Rules.GroupBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"The monitor of '{options.Model}' has {twice.Count()} rules named '{twice.Key}'; a rule's name keys its cooldown: give each its own (rule with {{ Name = ... }}).", nameof(options));
        }

        if (options.Drift is { } drift)
        {
            OptionsValidation.ThrowIfInvalid(drift);
        }
    }

    private async Task<T?> MeasureAsync<T>(Func<Task<T>> measure, string what, List<string> problems)
        where T : class
    {
        try
        {
            return await measure().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or KeyNotFoundException or FormatException or Data.DatasetNotFoundException or Models.ModelNotFoundException)
        {
            // Not measurable (no reference dataset, no profile, outputs of no known task): a reported problem, and the
            // rules on it cannot alert. The store's failures and unreadable logs are thrown: an outage is not "all is well".
            problems.Add($"{what}: {ex.Message}");
            MonitoringLog.NotMeasured(_logger, what, ex.Message);
            return null;
        }
    }

    private static string AlertKey(string model, string rule) => $"monitoring/alerts/{model}/{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rule)))[..32]}.json";

    /// <summary>Takes the rule's cooldown (compare-and-swap on its state record): whether this check raises the alert, and the state before.</summary>
    private async Task<(bool Raised, AlertStateRecord? Before)> TryRaiseAsync(string model, string rule, string message, DateTimeOffset now, TimeSpan cooldown, CancellationToken cancellationToken)
    {
        var raised = false;
        AlertStateRecord? before = null;
        await _records.UpdateAsync(
            AlertKey(model, rule),
            current =>
            {
                before = current;
                raised = current is null || now - current.LastRaisedAt >= cooldown;
                return raised
                    ? new AlertStateRecord { Model = model, Rule = rule, LastRaisedAt = now, LastMessage = message, Raised = (current?.Raised ?? 0) + 1, Suppressed = current?.Suppressed ?? 0 }
                    : new AlertStateRecord { Model = model, Rule = rule, LastRaisedAt = current!.LastRaisedAt, LastMessage = current.LastMessage, Raised = current.Raised, Suppressed = current.Suppressed + 1 };
            },
            MonitoringJsonContext.Default.AlertStateRecord,
            cancellationToken).ConfigureAwait(false);
        return (raised, before);
    }

    /// <summary>Undoes <see cref="TryRaiseAsync"/> when the alert could not be delivered, unless another check raised it since; best effort.</summary>
    private async Task GiveBackAsync(string model, string rule, DateTimeOffset raisedAt, AlertStateRecord? before, CancellationToken cancellationToken)
    {
        try
        {
            if (before is null)
            {
                if (await _records.ReadAsync(AlertKey(model, rule), MonitoringJsonContext.Default.AlertStateRecord, cancellationToken).ConfigureAwait(false) is { } ours && ours.Value.LastRaisedAt == raisedAt)
                {
                    await _client.Store.DeleteAsync(AlertKey(model, rule), ours.ETag, cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            await _records.UpdateAsync(
                AlertKey(model, rule),
                current => current is not null && current.LastRaisedAt == raisedAt ? before : null,
                MonitoringJsonContext.Default.AlertStateRecord,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Storage.ObjectStoreException)
        {
            // The store is failing (which is likely why the alert was not delivered): the cooldown stays taken.
            MonitoringLog.AlertHandlerFailed(_logger, ex, model, rule);
        }
    }

    private async Task NotifyAsync(Alert alert, Func<Alert, CancellationToken, Task>? callback, CancellationToken cancellationToken)
    {
        if (alert.Severity == AlertSeverity.Critical)
        {
            MonitoringLog.CriticalAlert(_logger, alert.Model, alert.Rule, alert.Message);
        }
        else
        {
            MonitoringLog.Alert(_logger, alert.Model, alert.Rule, alert.Message);
        }

        try
        {
            if (callback is not null)
            {
                await callback(alert, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A webhook that failed or timed out (TaskCanceledException with this check's token not cancelled).
            MonitoringLog.AlertHandlerFailed(_logger, ex, alert.Model, alert.Rule);
        }

        try
        {
            AlertRaised?.Invoke(this, new AlertRaisedEventArgs(alert));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            MonitoringLog.AlertHandlerFailed(_logger, ex, alert.Model, alert.Rule);
        }
    }
}
