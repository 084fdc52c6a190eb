namespace MlOps.Sdk.Pipelines;

/// <summary>The code part of a step's cache key (see docs/pipeline-fingerprints.md for the scheme).</summary>
internal static class StepFingerprint
{
    /// <summary>Fingerprints a step's body (its IL and the user code it reaches) and the version its author gave.</summary>
    public static string Compute(Delegate body, string? version) => CodeFingerprint.Of(body, version).Hash;
}
