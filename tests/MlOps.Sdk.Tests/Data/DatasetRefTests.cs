using MlOps.Sdk.Data;

namespace MlOps.Sdk.Tests.Data;

public sealed class DatasetRefTests
{
    [TestCase("datasets:/flights/3", "flights", 3, null)]
    [TestCase("datasets:/flights@latest", "flights", null, "latest")]
    [TestCase("datasets:/us.flights-2024_v2@champion-1", "us.flights-2024_v2", null, "champion-1")]
    [TestCase("datasets:/a/2147483647", "a", int.MaxValue, null)]
    public void Parse_ValidUri_RoundTrips(string uri, string name, int? version, string? alias)
    {
        var reference = DatasetRef.Parse(uri);

        Assert.That(reference.Name, Is.EqualTo(name));
        Assert.That(reference.Version, Is.EqualTo(version));
        Assert.That(reference.Alias, Is.EqualTo(alias));
        Assert.That(reference.ToString(), Is.EqualTo(uri));
        Assert.That(DatasetRef.TryParse(uri, out var again), Is.True);
        Assert.That(again, Is.EqualTo(reference));
    }

    [TestCase("models:/flights/3", "must start with 'datasets:/'")]
    [TestCase("datasets:/flights", "names no version")]
    [TestCase("datasets:/flights/0", "whole number from 1")]
    [TestCase("datasets:/flights/03", "without leading zeros")]
    [TestCase("datasets:/flights/-1", "whole number from 1")]
    [TestCase("datasets:/flights/3.5", "whole number from 1")]
    [TestCase("datasets:/flights/99999999999", "whole number from 1")]
    [TestCase("datasets:/flights@", "alias must be 1 to 64")]
    [TestCase("datasets:/flights@prod!", "alias has '!'")]
    [TestCase("datasets:/flights@123", "not be only digits")]
    [TestCase("datasets:/@prod", "name must be 1 to 128")]
    [TestCase("datasets:/-flights/1", "must start with a letter or a digit")]
    [TestCase("datasets:/fl ights/1", "name has ' '")]
    [TestCase("datasets:/a/b/1", "whole number from 1")]
    [TestCase("datasets:/data./1", "must not end with '.'")]
    public void Parse_InvalidUri_SaysWhatIsWrong(string uri, string problem)
    {
        var ex = Assert.Throws<FormatException>(() => DatasetRef.Parse(uri));

        Assert.That(ex!.Message, Does.Contain(uri).And.Contain(problem));
        Assert.That(DatasetRef.TryParse(uri, out _), Is.False);
    }

    [Test]
    public void Factories_CheckNamesAndNumbers()
    {
        Assert.That(DatasetRef.ForVersion("flights", 2).ToString(), Is.EqualTo("datasets:/flights/2"));
        Assert.That(DatasetRef.Latest("flights").ToString(), Is.EqualTo("datasets:/flights@latest"));
        Assert.That(DatasetRef.ForAlias("flights", "prod").ToString(), Is.EqualTo("datasets:/flights@prod"));
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetRef.ForVersion("flights", 0));
        Assert.That(Assert.Throws<ArgumentException>(() => DatasetRef.ForVersion("../etc", 1))!.Message, Does.Contain("'../etc'"));
        Assert.Throws<ArgumentException>(() => DatasetRef.ForAlias("flights", "with space"));
        Assert.Throws<ArgumentNullException>(() => DatasetRef.Parse(null!));
    }
}
