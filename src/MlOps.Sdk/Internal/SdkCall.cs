namespace MlOps.Sdk.Internal;

/// <summary>
/// Marks the asynchronous flow of a public SDK call (and everything it calls), so that exceptions the SDK throws and
/// catches itself are not taken for the user's. Call <see cref="Enter"/> first thing in an <c>async</c> method: the mark
/// flows into what it awaits and is undone when it returns, as every <see cref="AsyncLocal{T}"/> change in an async method.
/// </summary>
internal static class SdkCall
{
    private static readonly AsyncLocal<int> Depth = new();

    /// <summary>Gets a value indicating whether the current flow is inside an SDK call.</summary>
    public static bool IsActive => Depth.Value > 0;

    /// <summary>Marks the calling async method's flow as the SDK's own.</summary>
    public static void Enter() => Depth.Value++;
}
