// A web service that serves models:/flight-delays@production, the model the QuickStart registers, and keeps serving
// while the alias moves: run the QuickStart first, then `dotnet run --project samples/WebService` in the same folder.
//   POST /predict {"date":"2001/01/14 17:55","distance":1500,"origin":"ORD","destination":"LAX"}   (?user=42: sticky)
//   GET  /model    what serves now, per arm
//   GET  /health   Unhealthy until the model is loaded, Degraded while the store cannot be reached
using FlightDelays;
using Microsoft.ML;
using MlOps.Sdk;
using MlOps.Sdk.Serving;

var builder = WebApplication.CreateBuilder(args);

// The model has a custom mapping (the hour of departure); ML.NET loads it through a context that knows its factory.
builder.Services.AddSingleton(_ =>
{
    var mlContext = new MLContext();
    mlContext.ComponentCatalog.RegisterAssembly(typeof(DelayedFactory).Assembly);
    return mlContext;
});

// The store comes from configuration (appsettings.json, MlOps__Store__Path, ...): the same code in every environment.
builder.Services.AddMlOps()
    .AddPredictor<Flight, DelayPrediction>("flight-delays", "models:/flight-delays@production", options =>
    {
        options.PollInterval = TimeSpan.FromSeconds(builder.Configuration.GetValue("PollSeconds", 5.0));
        options.Canary("flight-delays", builder.Configuration.GetValue("CanaryWeight", 0.1)); // @canary, when it is set
    });
builder.Services.AddHealthChecks().Add(PredictorHealthCheck.Registration("flight-delays"));

var app = builder.Build();

app.MapPost("/predict", (Flight flight, string? user, IPredictor<Flight, DelayPrediction> predictor) =>
{
    try
    {
        var result = predictor.Predict(flight, user);
        return Results.Ok(new PredictResponse(result.Value.PredictedLabel, result.Value.Probability, result.Model, result.Version, result.Arm));
    }
    catch (PredictorNotReadyException ex)
    {
        return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
});

app.MapGet("/model", ([FromKeyedServices("flight-delays")] IPredictor<Flight, DelayPrediction> predictor) =>
{
    var served = (ServedPredictor<Flight, DelayPrediction>)predictor;
    return Results.Ok(served.Arms.Select(a => new ArmResponse(a.Arm, a.Weight, a.Live?.Model, a.Live?.Version, a.Live?.LoadedAt)));
});

app.MapHealthChecks("/health");

app.Run();

/// <summary>What /predict answers.</summary>
internal sealed record PredictResponse(bool Delayed, float Probability, string Model, int Version, string Arm);

/// <summary>One arm in what /model answers.</summary>
internal sealed record ArmResponse(string Arm, double Weight, string? Model, int? Version, DateTimeOffset? LoadedAt);
