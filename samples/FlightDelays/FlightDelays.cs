// The flight-delay row types and the custom mapping (departure hour, label) that the model saves by contract name.
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace FlightDelays;

/// <summary>A row of the flights data.</summary>
public sealed class Flight
{
    [LoadColumn(0)]
    [ColumnName("date")]
    public string Date { get; set; } = string.Empty;

    [LoadColumn(1)]
    [ColumnName("delay")]
    public float Delay { get; set; }

    [LoadColumn(2)]
    [ColumnName("distance")]
    public float Distance { get; set; }

    [LoadColumn(3)]
    [ColumnName("origin")]
    public string Origin { get; set; } = string.Empty;

    [LoadColumn(4)]
    [ColumnName("destination")]
    public string Destination { get; set; } = string.Empty;
}

/// <summary>The label (delayed more than 15 minutes) and the hour of departure, which delays depend on.</summary>
public sealed class Delayed
{
    public bool Label { get; set; }

    [ColumnName("hour")]
    public float Hour { get; set; }

    public static void From(Flight flight, Delayed delayed)
    {
        delayed.Label = flight.Delay > 15;
        delayed.Hour = int.Parse(flight.Date.AsSpan(11, 2), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Lets ML.NET load the custom mapping saved in the model (by its contract name).</summary>
[CustomMappingFactoryAttribute(nameof(Delayed))]
public sealed class DelayedFactory : CustomMappingFactory<Flight, Delayed>
{
    /// <inheritdoc />
    public override Action<Flight, Delayed> GetMapping() => Delayed.From;
}

/// <summary>What the model says about a flight.</summary>
public sealed class DelayPrediction
{
    /// <summary>Gets or sets whether it leaves more than 15 minutes late.</summary>
    public bool PredictedLabel { get; set; }

    /// <summary>Gets or sets how likely that is.</summary>
    public float Probability { get; set; }
}
