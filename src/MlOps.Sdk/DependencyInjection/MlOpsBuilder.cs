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
