using System.Text.Json;
using Microsoft.ML;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Pipelines;

/// <summary>
/// How a step's output is stored in the content store and restored: a data view as ML.NET's binary format, a model as
/// ML.NET's zip (with the schema of the step's first data input), anything else as JSON.
/// </summary>
internal static class StepOutputCodec
{
    public const string DataView = "dataview";
    public const string Model = "model";
    public const string Json = "json";

    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "mlops-pipeline-outputs");

    /// <summary>Refuses an output that does not survive JSON (a reused run would get something else than a fresh one).</summary>
    public static void CheckRoundTrip(string step, Type type, object? output, Func<object?> restore)
    {
        object? restored;
        try
        {
            restored = restore();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException)
        {
            throw new InvalidOperationException($"The output of step '{step}' ({type.Name}) does not survive its round trip through JSON ({ex.Message}): a run that reuses it would get something else. Return a data view, a model, or a type with public, settable properties or fields (a record, a dictionary, a tuple).", ex);
        }

        var before = JsonSerializer.Serialize(output, type, StepKeyParts.Json);
        var after = JsonSerializer.Serialize(restored, type, StepKeyParts.Json);
        if (before != after || (before == "{}" && output is not null && type.GetProperties().Length + type.GetFields().Length > 0))
        {
            throw new InvalidOperationException($"The output of step '{step}' ({type.Name}) does not survive its round trip through JSON ({before} came back as {after}): a run that reuses it would get something else. Return a data view, a model, or a type with public, settable properties or fields (a record, a dictionary, a tuple).");
        }
    }

    public static string FormatOf(Type type)
        => typeof(IDataView).IsAssignableFrom(type) ? DataView : typeof(ITransformer).IsAssignableFrom(type) ? Model : Json;

    public static async Task<ContentInfo> StoreAsync(ContentStore content, MLContext ml, string format, Type type, object? output, IEnumerable<object?> inputs, CancellationToken cancellationToken)
    {
        switch (format)
        {
            case DataView:
                var view = output as IDataView ?? throw new InvalidOperationException("A step that returns a data view returned null.");
                var file = Path.Combine(Path.GetTempPath(), $"mlops-step-{Guid.NewGuid():N}.idv");
                try
                {
                    using (var stream = File.Create(file))
                    {
                        ml.Data.SaveAsBinary(view, stream, keepHidden: false);
                    }

                    return await content.PutFileAsync(file, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    File.Delete(file);
                }

            case Model:
                var model = output as ITransformer ?? throw new InvalidOperationException("A step that returns a model returned null.");
                var schema = inputs.OfType<IDataView>().FirstOrDefault()?.Schema
                    ?? throw new InvalidOperationException("A step that returns a model must read data (an IDataView input): its schema is saved with the model.");
                using (var buffer = new MemoryStream())
                {
                    Models.ModelSerializer.Save(ml, model, schema, buffer);
                    buffer.Position = 0;
                    return await content.PutAsync(buffer, cancellationToken).ConfigureAwait(false);
                }

            default:
                return await content.PutAsync(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(output, type, StepKeyParts.Json)), cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task<object?> RestoreAsync(ContentStore content, MLContext ml, string format, Type type, ContentHash hash, CancellationToken cancellationToken)
    {
        switch (format)
        {
            case DataView:
                // ML.NET reads a binary data view lazily from its file: the file stays (content-addressed, so shared and reused).
                Directory.CreateDirectory(Folder);
                var path = Path.Combine(Folder, $"{hash}.idv");
                if (!File.Exists(path))
                {
                    var partial = $"{path}.{Guid.NewGuid():N}.partial";
                    await content.DownloadToFileAsync(hash, partial, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        File.Move(partial, path, overwrite: false);
                    }
                    catch (IOException) when (File.Exists(path))
                    {
                        // Another restore put the same bytes there first.
                        File.Delete(partial);
                    }
                }

                return ml.Data.LoadFromBinary(path);

            case Model:
                var bytes = await content.ReadAsync(hash, cancellationToken).ConfigureAwait(false);
                using (var stream = bytes.ToStream())
                {
                    return ml.Model.Load(stream, out _);
                }

            default:
                var json = await content.ReadAsync(hash, cancellationToken).ConfigureAwait(false);
                return JsonSerializer.Deserialize(json.ToMemory().Span, type, StepKeyParts.Json);
        }
    }
}
