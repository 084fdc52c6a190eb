using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tests.Storage;

public sealed class ContentHashTests
{
    [Test]
    public void Parse_ToString_RoundTripsInLowerCase()
    {
        var upper = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";

        var hash = ContentHash.Parse(upper);

        Assert.That(hash.ToString(), Is.EqualTo(upper.ToLowerInvariant()));
        Assert.That(hash, Is.EqualTo(ContentHash.Compute("abc"u8)));
        Assert.That(hash == ContentHash.Parse(hash.ToString()), Is.True);
        Assert.That($"{hash}", Has.Length.EqualTo(64));
    }

    [TestCase("")]
    [TestCase("ba7816bf")]
    [TestCase("zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [TestCase("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad00")]
    public void Parse_NotSixtyFourHexDigits_ThrowsFormatExceptionNamingTheText(string text)
    {
        var ex = Assert.Throws<FormatException>(() => ContentHash.Parse(text));

        Assert.That(ex!.Message, Does.Contain($"'{text}'").And.Contain("64 hexadecimal digits"));
        Assert.That(ContentHash.TryParse(text, out _), Is.False);
    }

    [Test]
    public void FromBytes_WrongLength_Throws()
        => Assert.Throws<ArgumentException>(() => ContentHash.FromBytes(new byte[31]));
}
