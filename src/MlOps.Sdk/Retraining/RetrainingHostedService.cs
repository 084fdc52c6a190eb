using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Retraining;

/// <summary>How a hosted retrainer (<c>AddRetraining</c>) runs.</summary>
public sealed class RetrainingHostOptions
{
    /// <summary>Gets or sets the time between passes (<see cref="Retrainer{TOptions}.RunOnceAsync"/>): how soon a trigger or request is seen.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Runs a retrainer's passes in the background for as long as the host runs; a failed pass is logged and the next one comes.</summary>
internal sealed class RetrainingHostedService<TOptions>(Retrainer<TOptions> retrainer, RetrainingHostOptions options, TimeProvider timeProvider, ILogger logger) : BackgroundService
    where TOptions : class
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await retrainer.RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                RetrainingLog.PassFailed(logger, ex, retrainer.ModelName, options.PollInterval);
            }

            try
            {
                await Task.Delay(options.PollInterval, timeProvider, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
