using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tests.Storage;

public sealed class VerifyingStreamTests
{
    [Test]
    public void Read_ExactlyTheLength_VerifiesOnTheReadThatCompletesIt()
    {
        // Regression: the hash was only checked by a read that returned 0 bytes, which ReadExactly(Length) never makes.
        using var stream = new VerifyingStream(new MemoryStream("tampered"u8.ToArray()), ContentHash.Compute("original"u8), "test");

        Assert.Throws<ContentIntegrityException>(() => stream.ReadExactly(new byte[stream.Length]));
        Assert.Throws<ContentIntegrityException>(() => stream.ReadByte(), "once corrupt, every later read fails too");
    }

    [Test]
    public void Read_IntactContent_ReadsToTheEnd()
    {
        using var stream = new VerifyingStream(new MemoryStream("original"u8.ToArray()), ContentHash.Compute("original"u8), "test");

        var buffer = new byte[stream.Length];
        stream.ReadExactly(buffer);

        Assert.That(buffer, Is.EqualTo("original"u8.ToArray()));
        Assert.That(stream.ReadByte(), Is.EqualTo(-1));
    }

    [Test]
    public void Read_UnknownLength_VerifiesAtTheEnd()
    {
        using var stream = new VerifyingStream(new NonSeekable("tampered"u8.ToArray()), ContentHash.Compute("original"u8), "test");

        Assert.Throws<ContentIntegrityException>(() => stream.CopyTo(Stream.Null));
    }

    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
