using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Monitoring;

/// <summary>Checks a model every <see cref="MonitoringHostOptions.Interval"/> for as long as the host runs; a failed check is logged and the next one comes.</summary>
internal sealed class MonitoringHostedService(MlOpsClient client, MonitorOptions monitor, MonitoringHostOptions options, TimeProvider timeProvider, ILogger logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await client.Monitoring.CheckAsync(monitor, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                MonitoringLog.CheckFailed(logger, ex, monitor.Model!, options.Interval);
            }

            try
            {
                await Task.Delay(options.Interval, timeProvider, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
