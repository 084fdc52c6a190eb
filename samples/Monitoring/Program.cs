// Monitoring a served model. The QuickStart trained models:/flight-delays@production on flights of January to March
// 2001; here it serves June's flights (a slice of vega-datasets, samples/Retraining/data) with prediction logging on,
// the delays come back as ground truth once the flights have left, and monitoring says how the model does live: its
// performance by ML.NET's evaluators, drift of its inputs and outputs against its training data, the alert rules, and
// an HTML report (monitoring-report.html).
//
//   dotnet run --project samples/QuickStart && dotnet run --project samples/Monitoring
using System.Globalization;
using Microsoft.ML;
using MlOps.Sdk;
using MlOps.Sdk.Monitoring;
using MlOps.Sdk.Serving;
using FlightDelays;

var client = MlOpsClient.CreateDefault();
if (!(await client.Models.GetAliasesAsync("flight-delays")).ContainsKey("production"))
{
    Console.WriteLine("No models:/flight-delays@production in this folder's store: run the QuickStart first (dotnet run --project samples/QuickStart).");
    return 1;
}

var june = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "data", "flights-monthly.csv")).Skip(1)
    .Where(line => line.StartsWith("2001/06", StringComparison.Ordinal))
    .Select(line => line.Split(','))
    .Select(f => (Flight: new Flight { Date = f[0], Distance = float.Parse(f[2], CultureInfo.InvariantCulture), Origin = f[3], Destination = f[4], Delay = float.NaN },
                  Delay: float.Parse(f[1], CultureInfo.InvariantCulture)))
    .ToList();
var since = DateTimeOffset.UtcNow;

// <monitoring>
// Serve production with prediction logging on: each prediction (input, output, version, arm, latency) goes to Parquet.
var options = new PredictorOptions();
options.PredictionLog.Enabled = true;
var predictor = await ServedPredictor.StartAsync<Flight, DelayPrediction>(client, "delays", "models:/flight-delays@production", options, new MLContext(seed: 1));
var truth = new List<PredictionFeedback<bool>>();
foreach (var (flight, delay) in june)                             // the delay is not known when the flight is asked about
{
    var result = predictor.Predict(flight);
    truth.Add(new(result.PredictionId!.Value, delay > 15));        // ... it is once the flight has left
}

await predictor.DisposeAsync();                                    // stops serving and writes the last log file
await client.Monitoring.RecordFeedbackAsync(truth);                // ground truth, joined to the predictions by id

// Check the model: live performance, drift against its training data, and the rules.
var monitor = new MonitorOptions { Model = "flight-delays", Lookback = DateTimeOffset.UtcNow - since + TimeSpan.FromMinutes(1) };
monitor.Features.Add("distance");                                  // the date differs in every window by nature
monitor.Features.Add("origin");
monitor.Features.Add("destination");
monitor.Rules.Add(AlertRule.DriftedShare() with { RequestRetraining = true });
monitor.Rules.Add(AlertRule.PredictionDrift());
monitor.Rules.Add(AlertRule.MetricBelow("auc", 0.70));
var check = await client.Monitoring.CheckAsync(monitor);
foreach (var problem in check.Snapshot.Problems)
{
    Console.WriteLine($"not measured: {problem}");
}

foreach (var total in check.Snapshot.Performance!.Totals)
{
    Console.WriteLine($"version {total.Version} ({total.Arm}): {total.Predictions} predictions, {total.WithFeedback} with ground truth, " +
        string.Join(", ", total.Metrics.Select(m => $"{m.Key} {m.Value:F3}")));
}

foreach (var feature in check.Snapshot.Drift!.Overall.Features.Features.Concat(check.Snapshot.Drift.Overall.Outputs?.Features ?? []))
{
    Console.WriteLine($"  {feature.Feature}: {feature.Status.ToString().ToLowerInvariant()} ({feature.Reason})");
}

Console.WriteLine(check.Raised.Any() ? string.Join(Environment.NewLine, check.Raised.Select(a => $"ALERT {a.Rule}: {a.Message}")) : "no alert");

// The same as a self-contained HTML page: performance, drift scores and every feature's distribution, with charts.
var report = await client.Monitoring.CreateReportAsync("flight-delays", new ReportOptions { From = since, Window = null, Features = { "distance", "origin", "destination" } });
await File.WriteAllTextAsync("monitoring-report.html", report.ToHtml());
// </monitoring>

Console.WriteLine($"Report: {Path.GetFullPath("monitoring-report.html")}");
return 0;
