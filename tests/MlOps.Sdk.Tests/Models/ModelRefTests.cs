using MlOps.Sdk.Models;

namespace MlOps.Sdk.Tests.Models;

public sealed class ModelRefTests
{
    [TestCase("models:/churn/3", "churn", 3, null, null)]
    [TestCase("models:/churn@production", "churn", null, "production", null)]
    [TestCase("models:/churn-eu.v2@latest", "churn-eu.v2", null, "latest", null)]
    [TestCase("runs:/0123456789abcdef0123456789abcdef/model", null, null, null, "0123456789abcdef0123456789abcdef")]
    public void Parse_ValidUri_RoundTrips(string uri, string? name, int? version, string? alias, string? runId)
    {
        var reference = ModelRef.Parse(uri);

        Assert.That((reference.Name, reference.Version, reference.Alias, reference.RunId), Is.EqualTo((name, version, alias, runId)));
        Assert.That(reference.ToString(), Is.EqualTo(uri));
        Assert.That(ModelRef.TryParse(uri, out var again) && again == reference, Is.True);
    }

    [TestCase("datasets:/churn/3", "must start with 'models:/' or 'runs:/'")]
    [TestCase("models:/churn", "names no version")]
    [TestCase("models:/churn/0", "whole number from 1")]
    [TestCase("models:/churn/v3", "whole number from 1")]
    [TestCase("models:/churn@prod uction", "alias has ' '")]
    [TestCase("models:/churn@42", "not be only digits")]
    [TestCase("models:/ch urn/1", "name has ' '")]
    [TestCase("runs:/abc/model", "32 lower-case hex digits")]
    [TestCase("runs:/0123456789abcdef0123456789abcdef", "needs a run id and an artifact path")]
    [TestCase("runs:/0123456789abcdef0123456789abcdef/../x", "artifact path is invalid")]
    public void Parse_InvalidUri_SaysWhatIsWrong(string uri, string problem)
    {
        var ex = Assert.Throws<FormatException>(() => ModelRef.Parse(uri));

        Assert.That(ex!.Message, Does.Contain(uri).And.Contain(problem));
        Assert.That(ModelRef.TryParse(uri, out _), Is.False);
    }

    [Test]
    public void Factories_BuildTheSameUris()
    {
        Assert.That(ModelRef.ForVersion("churn", 2).ToString(), Is.EqualTo("models:/churn/2"));
        Assert.That(ModelRef.ForAlias("churn", "staging").ToString(), Is.EqualTo("models:/churn@staging"));
        Assert.That(ModelRef.ForRun("0123456789abcdef0123456789abcdef").ToString(), Is.EqualTo("runs:/0123456789abcdef0123456789abcdef/model"));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelRef.ForVersion("churn", 0));
        Assert.Throws<ArgumentException>(() => ModelRef.ForAlias("churn", "a b"));
    }
}
