using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tests.DependencyInjection;

public sealed class AddMlOpsTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("mlops-di-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void AddMlOps_BindsTheMlOpsSectionOfTheHostConfiguration()
    {
        var configuration = Configuration(new()
        {
            ["MlOps:Environment"] = "acceptance",
            ["MlOps:Store:Provider"] = "FileSystem",
            ["MlOps:Store:Path"] = _folder,
            ["MlOps:Store:FileSystem:LockTimeout"] = "00:00:05",
            ["MlOps:Tracking:HeartbeatInterval"] = "00:00:02",
            ["MlOps:Tracking:SecretNames:0"] = "customer_*",
        });
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);

        services.AddMlOps();
        using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<MlOpsClient>();

        Assert.That(client.Environment, Is.EqualTo("acceptance"));
        Assert.That(((FileSystemObjectStore)client.Store).RootPath, Is.EqualTo(_folder));
        Assert.That(provider.GetRequiredService<ObjectStore>(), Is.SameAs(client.Store));
        Assert.That(provider.GetRequiredService<ContentStore>(), Is.SameAs(client.Content));
        Assert.That(provider.GetRequiredService<MlOps.Sdk.Tracking.RunCatalog>(), Is.SameAs(client.Runs));
        Assert.That(provider.GetRequiredService<MlOps.Sdk.Tracking.ExperimentCatalog>(), Is.SameAs(client.Experiments));
        var options = provider.GetRequiredService<IOptions<MlOpsOptions>>().Value;
        Assert.That(options.Store.FileSystem.LockTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(options.Tracking.HeartbeatInterval, Is.EqualTo(TimeSpan.FromSeconds(2)));
        Assert.That(options.Tracking.SecretNames, Is.EqualTo(new[] { "customer_*" }));
    }

    [Test]
    public void AddMlOps_CodeConfiguration_WinsOverTheSection()
    {
        var services = new ServiceCollection().AddSingleton<IConfiguration>(Configuration(new() { ["MlOps:Environment"] = "test" }));

        services.AddMlOps(o =>
        {
            o.Environment = "production";
            o.Store.Path = _folder;
        });
        using var provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<MlOpsClient>().Environment, Is.EqualTo("production"));
    }

    [Test]
    public void AddMlOps_ExplicitSection_IsBoundInsteadOfTheHostOne()
    {
        var section = Configuration(new() { ["Custom:Environment"] = "test", ["Custom:Store:Path"] = _folder }).GetSection("Custom");
        var services = new ServiceCollection().AddSingleton<IConfiguration>(Configuration(new() { ["MlOps:Environment"] = "production" }));

        services.AddMlOps(section);
        using var provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<MlOpsClient>().Environment, Is.EqualTo("test"));
    }

    [Test]
    public void AddMlOps_CalledTwice_RegistersEachServiceOnce()
    {
        var services = new ServiceCollection();

        services.AddMlOps(o => o.Store.Path = _folder);
        services.AddMlOps(o => o.Environment = "test");
        using var provider = services.BuildServiceProvider();

        Assert.That(services.Count(d => d.ServiceType == typeof(MlOpsClient)), Is.EqualTo(1));
        Assert.That(services.Count(d => d.ServiceType == typeof(IValidateOptions<MlOpsOptions>)), Is.EqualTo(1));
        Assert.That(services.Count(d => d.ServiceType == typeof(IConfigureOptions<MlOpsOptions>) && d.ImplementationType?.Name == "BindMlOpsConfiguration"), Is.EqualTo(1));
        var client = provider.GetRequiredService<MlOpsClient>();
        Assert.That(client.Environment, Is.EqualTo("test"), "both configure actions applied");
        Assert.That(((FileSystemObjectStore)client.Store).RootPath, Is.EqualTo(_folder));
    }

    [Test]
    public void AddMlOps_InvalidConfiguration_FailsWhenTheHostStarts()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MlOps:Store:Provider"] = "AzureBlob",
            ["MlOps:Store:AzureBlob:MaxTransferConcurrency"] = "500",
        });
        builder.Services.AddMlOps();
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(ex!.Failures, Has.Some.Contains("MlOpsOptions.Store.AzureBlob.MaxTransferConcurrency"));
        Assert.That(ex.Failures, Has.Some.Contains("ConnectionString"));
    }

    [Test]
    public void AddMlOps_MisspelledSetting_IsReportedNotIgnored()
    {
        var services = new ServiceCollection().AddSingleton<IConfiguration>(Configuration(new() { ["MlOps:Stor:Path"] = _folder }));
        services.AddMlOps();
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<MlOpsClient>());

        Assert.That(ex!.Message, Does.Contain("Stor"));
    }

    [Test]
    public void UseObjectStore_ReplacesTheConfiguredStore()
    {
        var store = new InMemoryObjectStore("injected");
        var services = new ServiceCollection();

        services.AddMlOps().UseObjectStore(_ => store);
        using var provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<MlOpsClient>().Store, Is.SameAs(store));
        Assert.That(provider.GetRequiredService<ObjectStore>(), Is.SameAs(store));
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values)
        => new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
