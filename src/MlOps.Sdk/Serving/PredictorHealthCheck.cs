using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MlOps.Sdk.Serving;

/// <summary>
/// The health of a served predictor: Unhealthy until its first model is loaded, Degraded while it cannot look at the
/// store (it keeps serving the last good model), Healthy otherwise.
/// </summary>
public sealed class PredictorHealthCheck : IHealthCheck
{
    private readonly IServedPredictor _predictor;

    internal PredictorHealthCheck(IServedPredictor predictor)
    {
        _predictor = predictor;
    }

    /// <summary>A registration for <c>services.AddHealthChecks().Add(...)</c> of the predictor added with <c>AddPredictor(name, ...)</c>.</summary>
    /// <param name="name">The predictor's name.</param>
    /// <param name="tags">Tags for filtering health endpoints, if any.</param>
    /// <returns>The registration, named <c>mlops-{name}</c>.</returns>
    public static HealthCheckRegistration Registration(string name, IEnumerable<string>? tags = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new HealthCheckRegistration($"mlops-{name}", services => new PredictorHealthCheck(services.GetRequiredKeyedService<IServedPredictor>(name)), failureStatus: HealthStatus.Unhealthy, tags);
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var live = _predictor.Live;
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["uri"] = _predictor.Uri };
        if (live is not null)
        {
            data["version"] = live.Version;
            data["loadedAt"] = live.LoadedAt;
        }

        if (_predictor.LastRefresh is { } refreshed)
        {
            data["lastRefresh"] = refreshed;
        }

        var result = live is null
            ? HealthCheckResult.Unhealthy($"{_predictor.Name} has not loaded {_predictor.Uri} yet.", _predictor.LastError, data)
            : _predictor.LastError is { } error
                ? HealthCheckResult.Degraded($"{_predictor.Name} serves models:/{live.Model}/{live.Version} but cannot look at the store: {error.Message}", error, data)
                : HealthCheckResult.Healthy($"{_predictor.Name} serves models:/{live.Model}/{live.Version}.", data);
        return Task.FromResult(result);
    }
}
