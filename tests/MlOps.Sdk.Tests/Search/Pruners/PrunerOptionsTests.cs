using Microsoft.Extensions.Options;
using MlOps.Sdk.Search;

namespace MlOps.Sdk.Tests.Search.Pruners;

public sealed class PrunerOptionsTests
{
    private static readonly (string Property, Action Create)[] BadOptions =
    [
        ("StartupTrials", () => _ = new MedianPruner(new MedianPrunerOptions { StartupTrials = -1 })),
        ("WarmupSteps", () => _ = new MedianPruner(new MedianPrunerOptions { WarmupSteps = -1 })),
        ("IntervalSteps", () => _ = new MedianPruner(new MedianPrunerOptions { IntervalSteps = 0 })),
        ("MinTrials", () => _ = new MedianPruner(new MedianPrunerOptions { MinTrials = 0 })),
        ("Percentile", () => _ = new PercentilePruner(new PercentilePrunerOptions { Percentile = 100.5 })),
        ("Percentile", () => _ = new PercentilePruner(new PercentilePrunerOptions { Percentile = -1 })),
        ("IntervalSteps", () => _ = new PercentilePruner(new PercentilePrunerOptions { IntervalSteps = 0 })),
        ("MinResource", () => _ = new SuccessiveHalvingPruner(new SuccessiveHalvingPrunerOptions { MinResource = 0 })),
        ("ReductionFactor", () => _ = new SuccessiveHalvingPruner(new SuccessiveHalvingPrunerOptions { ReductionFactor = 1 })),
        ("MinEarlyStoppingRate", () => _ = new SuccessiveHalvingPruner(new SuccessiveHalvingPrunerOptions { MinEarlyStoppingRate = -1 })),
        ("BootstrapCount", () => _ = new SuccessiveHalvingPruner(new SuccessiveHalvingPrunerOptions { MinResource = 1, BootstrapCount = -1 })),
        ("BootstrapCount", () => _ = new SuccessiveHalvingPruner(new SuccessiveHalvingPrunerOptions { BootstrapCount = 2 })),
        ("MinResource", () => _ = new HyperbandPruner(new HyperbandPrunerOptions { MinResource = 0 })),
        ("MaxResource", () => _ = new HyperbandPruner(new HyperbandPrunerOptions { MaxResource = 0 })),
        ("MaxResource", () => _ = new HyperbandPruner(new HyperbandPrunerOptions { MinResource = 10, MaxResource = 9 })),
        ("ReductionFactor", () => _ = new HyperbandPruner(new HyperbandPrunerOptions { ReductionFactor = 1 })),
        ("BootstrapCount", () => _ = new HyperbandPruner(new HyperbandPrunerOptions { BootstrapCount = 1 })),
    ];

    private static IEnumerable<TestCaseData> Cases()
        => BadOptions.Select((c, i) => new TestCaseData(c.Property, c.Create).SetArgDisplayNames($"{i}: {c.Property}"));

    [TestCaseSource(nameof(Cases))]
    public void Constructor_OptionOutOfRange_ThrowsNamingTheProperty(string property, Action create)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => create());

        Assert.That(ex!.Failures, Has.Some.Contains($"Options.{property}"));
    }

    [Test]
    public void Constructor_DefaultsAndEdges_AreValid()
    {
        Assert.DoesNotThrow(() => _ = new MedianPruner());
        Assert.DoesNotThrow(() => _ = new PercentilePruner(new PercentilePrunerOptions { Percentile = 0 }));
        Assert.DoesNotThrow(() => _ = new PercentilePruner(new PercentilePrunerOptions { Percentile = 100 }));
        Assert.DoesNotThrow(() => _ = new SuccessiveHalvingPruner());
        Assert.DoesNotThrow(() => _ = new SuccessiveHalvingPruner(new SuccessiveHalvingPrunerOptions { MinResource = 1, BootstrapCount = 3 }));
        Assert.DoesNotThrow(() => _ = new HyperbandPruner());
        Assert.DoesNotThrow(() => _ = new HyperbandPruner(new HyperbandPrunerOptions { MinResource = 5, MaxResource = 5, BootstrapCount = 1 }));
    }
}
