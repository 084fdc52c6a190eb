using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;

namespace MlOps.Sdk.Monitoring;

/// <summary>
/// The JSON form of a <see cref="MonitoringReport"/>: camelCase property names (dictionary keys such as metric and
/// feature names kept as they are), enums as camelCase strings, every field written (nulls too, so the shape is stable),
/// non-finite numbers as "NaN"/"Infinity"/"-Infinity", and the HTML-sensitive characters &lt; &gt; &amp; ' " escaped
/// as \uXXXX so the text can be embedded in an HTML script block as it is.
/// </summary>
internal static class ReportJson
{
    public static readonly JsonSerializerOptions Options = Create(indented: false);

    public static readonly JsonSerializerOptions Indented = Create(indented: true);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            WriteIndented = indented,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            PropertyNameCaseInsensitive = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { WithoutDerivedLists } },
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly();
        return options;
    }

    /// <summary>Leaves out <see cref="DriftReport.Drifted"/>: a filter of the features already written.</summary>
    private static void WithoutDerivedLists(JsonTypeInfo type)
    {
        if (type.Type == typeof(DriftReport))
        {
            var drifted = type.Properties.FirstOrDefault(p => p.Name == "drifted");
            if (drifted is not null)
            {
                type.Properties.Remove(drifted);
            }
        }
    }
}
