using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tests.Data;

public sealed class DatasetOptionsTests
{
    [Test]
    public void Client_DatasetOptionsOutOfRange_ListsEveryProblem()
    {
        var options = new MlOpsOptions();
        options.Datasets.MaxPackBytes = 10;
        options.Datasets.PackThresholdBytes = -1;
        options.Datasets.RegistrationTimeout = TimeSpan.Zero;

        var ex = Assert.Throws<OptionsValidationException>(() => _ = new MlOpsClient(new InMemoryObjectStore(), options));

        Assert.That(ex!.Failures, Has.Some.Contains("Datasets.MaxPackBytes"));
        Assert.That(ex.Failures, Has.Some.Contains("Datasets.PackThresholdBytes"));
        Assert.That(ex.Failures, Has.Some.Contains("Datasets.RegistrationTimeout"));
    }

    [Test]
    public void AddMlOps_BindsTheDatasetsSection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MlOps:Store:Provider"] = "InMemory",
            ["MlOps:Datasets:HashCacheEnabled"] = "false",
            ["MlOps:Datasets:PackThresholdBytes"] = "4096",
        }).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddMlOps().Services.BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<MlOpsOptions>>().Value;

        Assert.That(options.Datasets.HashCacheEnabled, Is.False);
        Assert.That(options.Datasets.PackThresholdBytes, Is.EqualTo(4096));
        Assert.That(services.GetRequiredService<MlOpsClient>().Datasets, Is.Not.Null);
    }
}
