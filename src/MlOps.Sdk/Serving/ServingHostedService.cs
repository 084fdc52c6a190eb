using Microsoft.Extensions.Hosting;

namespace MlOps.Sdk.Serving;

/// <summary>Starts every predictor added with <c>AddPredictor</c> when the host starts (loading in the background: the host does not wait for the store), and stops them with it.</summary>
internal sealed class ServingHostedService(IEnumerable<IServedPredictor> predictors) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var predictor in predictors)
        {
            predictor.Start();
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var predictor in predictors)
        {
            await predictor.StopAsync().ConfigureAwait(false);
        }
    }
}
