using System.Security.Cryptography;
using System.Text;

namespace MlOps.Sdk.Pipelines;

/// <summary>The code part of a step's cache key (see docs/pipeline-fingerprints.md for the scheme).</summary>
internal static class StepFingerprint
{
    /// <summary>Fingerprints a step's body and the version its author gave.</summary>
    public static string Compute(Delegate body, string? version)
    {
        // Interim scheme: the body method's identity and IL. The full scheme (callees within the user's code) replaces it.
        var method = body.Method;
        var il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        var text = $"{method.DeclaringType?.FullName}.{method.Name}|{version}|{Convert.ToHexString(SHA256.HashData(il))}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
