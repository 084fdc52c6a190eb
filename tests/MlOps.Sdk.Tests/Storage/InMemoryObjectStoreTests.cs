using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tests.Storage;

/// <summary>What the in-memory provider adds to the shared contract.</summary>
public sealed class InMemoryObjectStoreTests
{
    [Test]
    public async Task WriteAsync_KeyUnderAnObject_ThrowsLikeTheFileSystemProvider()
    {
        var store = new InMemoryObjectStore("conflicts");
        await store.WriteAsync("a", BinaryData.FromString("object"));
        await store.WriteAsync("c/d", BinaryData.FromString("x"));

        Assert.ThrowsAsync<ObjectStoreException>(() => store.WriteAsync("a/b", BinaryData.FromString("x")));
        Assert.ThrowsAsync<ObjectStoreException>(() => store.WriteAsync("c", BinaryData.FromString("x")));
        Assert.That(store.Count, Is.EqualTo(2));
        Assert.That(store.Location, Is.EqualTo(new Uri("memory://conflicts/")));
    }

    [Test]
    public async Task OpenReadAsync_LargeUpload_SeeksAcrossChunks()
    {
        var store = new InMemoryObjectStore();
        var bytes = new byte[(9 << 20) + 5];
        new Random(1).NextBytes(bytes);
        await store.UploadAsync("big", new MemoryStream(bytes));

        await using var stream = await store.OpenReadAsync("big");
        stream.Position = (4 << 20) - 2;
        var window = new byte[6];
        await stream.ReadExactlyAsync(window);

        Assert.That(window, Is.EqualTo(bytes.AsSpan((4 << 20) - 2, 6).ToArray()));
        Assert.That((await store.ReadAsync("big"))!.Content.ToArray(), Is.EqualTo(bytes));
    }
}
