using Microsoft.Extensions.Logging;

namespace MlOps.Sdk.Serving;

/// <summary>Serving's log messages (event ids 3200-3299), source-generated.</summary>
internal static partial class ServingLog
{
    [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Predictor {Name} ({Uri}) now serves version {Version} (was {Previous})")]
    public static partial void Swapped(ILogger logger, string name, string uri, int? previous, int version);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Predictor {Name} could not look at {Uri}; it keeps serving what it has")]
    public static partial void RefreshFailed(ILogger logger, string name, string uri, Exception exception);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "The shadow of predictor {Name} failed on a request copy; callers are not affected")]
    public static partial void ShadowFailed(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "Could not write {Rows} logged predictions of {Model}; they are lost, the service is not affected")]
    public static partial void PredictionLogFailed(ILogger logger, string model, int rows, Exception exception);
}
