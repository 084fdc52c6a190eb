using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Tests.Models;

/// <summary>A small real model for registry tests: temp_max from the other Seattle weather columns (SDCA regression).</summary>
public static class TestModels
{
    public static readonly string WeatherCsv = Path.Combine(RepositoryPaths.VegaData, "seattle-weather.csv");

    public static (ITransformer Model, IDataView Data, MLContext MlContext) TrainWeather(int iterations = 5)
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromTextFile<WeatherInput>(WeatherCsv, hasHeader: true, separatorChar: ',');
        var pipeline = mlContext.Transforms.Concatenate("Features", "precipitation", "temp_min", "wind")
            .Append(mlContext.Transforms.NormalizeMinMax("Features"))
            .Append(mlContext.Regression.Trainers.Sdca(labelColumnName: "temp_max", maximumNumberOfIterations: iterations));
        return (pipeline.Fit(data), data, mlContext);
    }

    public static List<WeatherInput> Rows(int count) => File.ReadLines(WeatherCsv).Skip(1).Take(count).Select(l => l.Split(',')).Select(f => new WeatherInput
    {
        Date = f[0],
        Precipitation = float.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture),
        TempMax = float.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture),
        TempMin = float.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture),
        Wind = float.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture),
    }).ToList();
}

public sealed class WeatherInput
{
    [LoadColumn(0)]
    [ColumnName("date")]
    public string Date { get; set; } = string.Empty;

    [LoadColumn(1)]
    [ColumnName("precipitation")]
    public float Precipitation { get; set; }

    [LoadColumn(2)]
    [ColumnName("temp_max")]
    public float TempMax { get; set; }

    [LoadColumn(3)]
    [ColumnName("temp_min")]
    public float TempMin { get; set; }

    [LoadColumn(4)]
    [ColumnName("wind")]
    public float Wind { get; set; }
}

public sealed class TempPrediction
{
    public float Score { get; set; }
}
