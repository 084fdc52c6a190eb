namespace MlOps.Sdk;

/// <summary>
/// The base class of every exception MlOps.Sdk throws for a condition a caller can act on.
/// </summary>
/// <remarks>
/// Catch a derived type (for example <see cref="Storage.PreconditionFailedException"/>) to handle one condition;
/// catch <see cref="MlOpsException"/> to handle everything the SDK reports. Argument errors are reported
/// with <see cref="ArgumentException"/> and its derived types, as in the rest of .NET.
/// </remarks>
public class MlOpsException : Exception
{
    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What went wrong, naming the thing that is wrong.</param>
    public MlOpsException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong, naming the thing that is wrong.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public MlOpsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
