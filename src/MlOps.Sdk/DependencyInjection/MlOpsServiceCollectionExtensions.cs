using Azure.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlOps.Sdk;
using MlOps.Sdk.DependencyInjection;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers MlOps.Sdk in a service collection.</summary>
public static class MlOpsServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="MlOpsClient"/> (and its <see cref="ObjectStore"/>, <see cref="ContentStore"/>,
    /// <see cref="MlOps.Sdk.Tracking.RunCatalog"/> and <see cref="MlOps.Sdk.Tracking.ExperimentCatalog"/>),
    /// with <see cref="MlOpsOptions"/> bound from the <c>MlOps</c> section of the registered <see cref="IConfiguration"/>
    /// (when there is one), then changed by <paramref name="configure"/>, and validated when the host starts.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Changes the options after configuration is bound; optional.</param>
    /// <returns>A builder to configure the SDK further.</returns>
    /// <remarks>Safe to call more than once: services are added only if absent, and every <paramref name="configure"/> applies.</remarks>
    public static MlOpsBuilder AddMlOps(this IServiceCollection services, Action<MlOpsOptions>? configure = null)
    {
        Guard.NotNull(services);
        AddCore(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return new MlOpsBuilder(services);
    }

    /// <summary>
    /// Registers MlOps.Sdk like <see cref="AddMlOps(IServiceCollection, Action{MlOpsOptions})"/>, binding the options from
    /// <paramref name="configuration"/> (for example <c>builder.Configuration.GetSection("MlOps")</c>) instead of the host's
    /// <c>MlOps</c> section.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section to bind <see cref="MlOpsOptions"/> from.</param>
    /// <returns>A builder to configure the SDK further.</returns>
    public static MlOpsBuilder AddMlOps(this IServiceCollection services, IConfiguration configuration)
    {
        Guard.NotNull(services);
        Guard.NotNull(configuration);
        AddCore(services);
        services.Replace(ServiceDescriptor.Singleton(new MlOpsConfigurationSource(configuration)));
        return new MlOpsBuilder(services);
    }

    private static void AddCore(IServiceCollection services)
    {
        services.AddOptions<MlOpsOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<MlOpsOptions>, BindMlOpsConfiguration>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MlOpsOptions>, ValidateMlOpsOptions>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(CreateClient);
        services.TryAddSingleton(sp => sp.GetRequiredService<MlOpsClient>().Store);
        services.TryAddSingleton(sp => sp.GetRequiredService<MlOpsClient>().Content);
        services.TryAddSingleton(sp => sp.GetRequiredService<MlOpsClient>().Runs);
        services.TryAddSingleton(sp => sp.GetRequiredService<MlOpsClient>().Experiments);
    }

    private static MlOpsClient CreateClient(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<MlOpsOptions>>().Value;
        var store = services.GetService<ObjectStoreRegistration>()?.Factory(services);
        return new MlOpsClient(
            options,
            store,
            services.GetService<TokenCredential>(),
            services.GetService<ILoggerFactory>(),
            services.GetService<TimeProvider>());
    }

    /// <summary>Binds the explicit section, or else the <c>MlOps</c> section of the host's configuration, if any.</summary>
    private sealed class BindMlOpsConfiguration(IServiceProvider services) : IConfigureOptions<MlOpsOptions>
    {
        public void Configure(MlOpsOptions options)
        {
            var section = services.GetService<MlOpsConfigurationSource>()?.Section
                ?? services.GetService<IConfiguration>()?.GetSection(MlOpsOptions.SectionName);
            section?.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
    }

    /// <summary>Validates with the same rules the constructors apply.</summary>
    private sealed class ValidateMlOpsOptions : IValidateOptions<MlOpsOptions>
    {
        public ValidateOptionsResult Validate(string? name, MlOpsOptions options)
        {
            var failures = OptionsValidation.Validate(options);
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
