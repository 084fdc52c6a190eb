using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.DependencyInjection;

/// <summary>Configures the MlOps.Sdk services registered by <c>services.AddMlOps(...)</c>; each feature adds its own methods.</summary>
public sealed class MlOpsBuilder
{
    internal MlOpsBuilder(IServiceCollection services)
    {
        Services = services;
    }

    /// <summary>Gets the service collection the SDK is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Changes the options after they are bound from configuration (code wins over configuration).</summary>
    /// <param name="configure">The change.</param>
    /// <returns>This builder.</returns>
    public MlOpsBuilder Configure(Action<MlOpsOptions> configure)
    {
        Guard.NotNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>
    /// Adds a served predictor: resolve <c>IPredictor&lt;TIn, TOut&gt;</c> (keyed by <paramref name="name"/>; the first one
    /// added also without a key). It follows <paramref name="uri"/> in the background from when the host starts, swaps new
    /// versions in without dropping a request, and keeps serving the last good model when the store fails. Add its health
    /// check with <c>services.AddHealthChecks().Add(PredictorHealthCheck.Registration(name))</c>.
    /// </summary>
    /// <typeparam name="TIn">The input row type.</typeparam>
    /// <typeparam name="TOut">The output row type.</typeparam>
    /// <param name="name">The predictor's name, its DI key.</param>
    /// <param name="uri">What to serve: <c>models:/churn@production</c>.</param>
    /// <param name="configure">Changes the poll interval and circuit breaker.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="FormatException"><paramref name="uri"/> is not a <c>models:/</c> URI.</exception>
    public MlOpsBuilder AddPredictor<TIn, TOut>(string name, string uri, Action<Serving.PredictorOptions>? configure = null)
        where TIn : class
        where TOut : class, new()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Models.ModelRef.Parse(uri);
        var options = new Serving.PredictorOptions();
        configure?.Invoke(options);
        OptionsValidation.ThrowIfInvalid(options);
        Services.AddKeyedSingleton(name, (services, _) => new Serving.ServedPredictor<TIn, TOut>(
            services.GetRequiredService<MlOpsClient>(), name, uri, options, services.GetService<Microsoft.ML.MLContext>(), services.GetService<Microsoft.Extensions.Logging.ILoggerFactory>()));
        Services.AddKeyedSingleton<Serving.IPredictor<TIn, TOut>>(name, (services, key) => services.GetRequiredKeyedService<Serving.ServedPredictor<TIn, TOut>>(key));
        Services.AddKeyedSingleton<Serving.IServedPredictor>(name, (services, key) => services.GetRequiredKeyedService<Serving.ServedPredictor<TIn, TOut>>(key));
        Services.AddSingleton<Serving.IServedPredictor>(services => services.GetRequiredKeyedService<Serving.ServedPredictor<TIn, TOut>>(name));
        Services.TryAddSingleton<Serving.IPredictor<TIn, TOut>>(services => services.GetRequiredKeyedService<Serving.IPredictor<TIn, TOut>>(name));
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, Serving.ServingHostedService>());
        return this;
    }

    /// <summary>
    /// Adds a retrainer that runs in the background while the host runs: every <see cref="Retraining.RetrainingHostOptions.PollInterval"/>
    /// it looks at its policy's triggers and at requests (<c>client.Retraining.RequestAsync</c>, monitoring's alerts) and
    /// makes the attempts due. Resolve it as <c>Retrainer&lt;TOptions&gt;</c> keyed by <paramref name="name"/> to call it directly.
    /// </summary>
    /// <typeparam name="TOptions">The pipeline's options.</typeparam>
    /// <param name="name">The retrainer's name, its DI key (the model's name, say).</param>
    /// <param name="policy">Creates the policy, once, from the service provider (checked then).</param>
    /// <param name="configure">Changes the poll interval.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    public MlOpsBuilder AddRetraining<TOptions>(string name, Func<IServiceProvider, Retraining.RetrainingPolicy<TOptions>> policy, Action<Retraining.RetrainingHostOptions>? configure = null)
        where TOptions : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Guard.NotNull(policy);
        var options = new Retraining.RetrainingHostOptions();
        configure?.Invoke(options);
        OptionsValidation.ThrowIfInvalid(options);
        Services.AddKeyedSingleton(name, (services, _) => services.GetRequiredService<MlOpsClient>().Retraining.Create(policy(services)));
        Services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(services => new Retraining.RetrainingHostedService<TOptions>(
            services.GetRequiredKeyedService<Retraining.Retrainer<TOptions>>(name),
            options,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            Microsoft.Extensions.Logging.LoggerFactoryExtensions.CreateLogger<Retraining.Retrainer<TOptions>>(services.GetService<Microsoft.Extensions.Logging.ILoggerFactory>() ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance)));
        return this;
    }

    /// <summary>
    /// Adds a monitor that checks a model in the background while the host runs: every
    /// <see cref="Monitoring.MonitoringHostOptions.Interval"/> it measures what the rules need over the lookback and raises
    /// their alerts (logged, <see cref="Monitoring.MonitorOptions.OnAlert"/>, <c>client.Monitoring.AlertRaised</c>, and a
    /// retraining request for rules that ask for one).
    /// </summary>
    /// <param name="monitor">Creates the monitor's options, once, from the service provider (checked then).</param>
    /// <param name="configure">Changes the interval.</param>
    /// <returns>This builder.</returns>
    public MlOpsBuilder AddMonitoring(Func<IServiceProvider, Monitoring.MonitorOptions> monitor, Action<Monitoring.MonitoringHostOptions>? configure = null)
    {
        Guard.NotNull(monitor);
        var options = new Monitoring.MonitoringHostOptions();
        configure?.Invoke(options);
        OptionsValidation.ThrowIfInvalid(options);
        Services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(services =>
        {
            var checkedOptions = monitor(services);
            Monitoring.MonitoringCatalog.ValidateMonitor(checkedOptions);
            return new Monitoring.MonitoringHostedService(
                services.GetRequiredService<MlOpsClient>(),
                checkedOptions,
                options,
                services.GetService<TimeProvider>() ?? TimeProvider.System,
                Microsoft.Extensions.Logging.LoggerFactoryExtensions.CreateLogger<Monitoring.MonitoringCatalog>(services.GetService<Microsoft.Extensions.Logging.ILoggerFactory>() ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));
        });
        return this;
    }

    /// <summary>
    /// Uses a store created by code instead of the one the options describe (for example an
    /// <see cref="AzureBlobObjectStore"/> with a particular credential, or a decorator around one).
    /// </summary>
    /// <param name="factory">Creates the store, once, from the service provider.</param>
    /// <returns>This builder.</returns>
    public MlOpsBuilder UseObjectStore(Func<IServiceProvider, ObjectStore> factory)
    {
        Guard.NotNull(factory);
        Services.Replace(ServiceDescriptor.Singleton(new ObjectStoreRegistration(factory)));
        return this;
    }
}

/// <summary>A store factory given to <see cref="MlOpsBuilder.UseObjectStore"/>.</summary>
internal sealed record ObjectStoreRegistration(Func<IServiceProvider, ObjectStore> Factory);

/// <summary>The configuration section given to <c>AddMlOps(IConfiguration)</c>, bound instead of the host's <c>MlOps</c> section.</summary>
internal sealed record MlOpsConfigurationSource(Microsoft.Extensions.Configuration.IConfiguration Section);
