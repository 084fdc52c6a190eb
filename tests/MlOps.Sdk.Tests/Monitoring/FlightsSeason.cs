using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using MlOps.Sdk.Models;
using MlOps.Sdk.Serving;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests.Monitoring;

/// <summary>
/// The real flights data of the season tests (samples/Retraining/data: every 120th US flight of January to June 2001)
/// and their model, "flight-delays": January's even rows are its training data (profiled at registration) for a small
/// model (late: delay &gt; 15 minutes, from distance, departure time and origin; logistic regression), and the flights
/// asked for are logged with their real times and the model's real outputs.
/// </summary>
public static class FlightsSeason
{
    public const string Model = "flight-delays";

    private static readonly string Monthly = Path.Combine(RepositoryPaths.Root, "samples", "Retraining", "data", "flights-monthly.csv");

    /// <summary>Every flight of the sample, in file order.</summary>
    public static List<Flight> Read() => File.ReadLines(Monthly).Skip(1).Select(line => line.Split(',')).Select(f =>
    {
        var date = DateTime.ParseExact(f[0], "yyyy/MM/dd HH:mm", CultureInfo.InvariantCulture);
        return new Flight(new DateTimeOffset(date, TimeSpan.Zero), new FlightRow
        {
            Delay = float.Parse(f[1], CultureInfo.InvariantCulture),
            Distance = float.Parse(f[2], CultureInfo.InvariantCulture),
            Time = (float)(date.Hour + (date.Minute / 60.0)),
            Origin = f[3],
            Destination = f[4],
        });
    }).ToList();

    /// <summary>January's even rows: the training half.</summary>
    public static IEnumerable<Flight> JanuaryTraining(IEnumerable<Flight> flights) => flights.Where(f => f.Date.Month == 1).Where((_, i) => i % 2 == 0);

    /// <summary>January's odd rows: the held-out half.</summary>
    public static IEnumerable<Flight> JanuaryHeldOut(IEnumerable<Flight> flights) => flights.Where(f => f.Date.Month == 1).Where((_, i) => i % 2 == 1);

    /// <summary>Registers the training half as "flight-january" and the model trained on it (version 1), then logs the flights given with the model's outputs.</summary>
    public static async Task RegisterAndLogAsync(MlOpsClient client, IEnumerable<Flight> flights, IEnumerable<Flight> logged)
    {
        var ml = new MLContext(seed: 0);
        var rows = ml.Data.LoadFromEnumerable(JanuaryTraining(flights).Select(f => new TrainingRow(f.Row)));
        var training = await client.Datasets.RegisterDataViewAsync("flights-january", rows, ml);
        var model = ml.Transforms.Categorical.OneHotEncoding("OriginKey", nameof(FlightRow.Origin))
            .Append(ml.Transforms.Concatenate("Features", nameof(FlightRow.Distance), nameof(FlightRow.Time), "OriginKey"))
            .Append(ml.Transforms.NormalizeMinMax("Features"))
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(labelColumnName: nameof(TrainingRow.Late)))
            .Fit(rows);
        var options = new RegisterModelOptions();
        options.Datasets.Add(new ModelDatasetLink(training.Uri, "training", null));
        await client.Models.RegisterAsync(Model, model, rows.Schema, options);
        using var engine = ml.Model.CreatePredictionEngine<FlightRow, LiveDriftTests.Scored>(model);
        await client.Monitoring.WritePredictionsAsync(logged.Select(f => new PredictionLogRow
        {
            Id = Guid.CreateVersion7(f.Date).ToString("N"),
            Timestamp = f.Date.UtcDateTime,
            Model = Model,
            Version = 1,
            Arm = "main",
            Input = JsonSerializer.Serialize(f.Row),
            Output = JsonSerializer.Serialize(engine.Predict(f.Row)),
        }).ToList());
    }

    public sealed record Flight(DateTimeOffset Date, FlightRow Row);

    public sealed class TrainingRow(FlightRow row)
    {
        public float Delay { get; set; } = row.Delay;

        public float Distance { get; set; } = row.Distance;

        public float Time { get; set; } = row.Time;

        public string Origin { get; set; } = row.Origin;

        public string Destination { get; set; } = row.Destination;

        public bool Late { get; set; } = row.Delay > 15;
    }

    public sealed class FlightRow
    {
        public float Delay { get; set; }

        public float Distance { get; set; }

        public float Time { get; set; }

        public string Origin { get; set; } = string.Empty;

        public string Destination { get; set; } = string.Empty;
    }
}
