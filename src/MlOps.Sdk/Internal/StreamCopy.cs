namespace MlOps.Sdk.Internal;

/// <summary>Buffer sizes for streamed transfers: large enough to keep a disk or a network busy, small enough to pool.</summary>
internal static class StreamCopy
{
    /// <summary>1 MiB, the size of the pooled buffers streamed copies use.</summary>
    public const int BufferSize = 1 << 20;
}
