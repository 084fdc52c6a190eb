using System.IO.Compression;
using Microsoft.ML;

namespace MlOps.Sdk.Models;

/// <summary>
/// Saves ML.NET models so that the same model gives the same bytes: ML.NET's zip stamps every entry with the time of
/// saving, so a model saved twice would have two content hashes. Entries are re-stamped with a fixed time (their
/// compressed data is copied as it is), which makes a model's SHA-256 a property of the model alone.
/// </summary>
internal static class ModelSerializer
{
    /// <summary>The time every entry carries: the zip format's earliest.</summary>
    private static readonly DateTimeOffset FixedTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Saves <paramref name="model"/> with <paramref name="inputSchema"/> to a file.</summary>
    public static void Save(MLContext mlContext, ITransformer model, DataViewSchema inputSchema, string path)
    {
        using var file = File.Create(path);
        Save(mlContext, model, inputSchema, file);
    }

    /// <summary>Saves <paramref name="model"/> with <paramref name="inputSchema"/> to a stream.</summary>
    public static void Save(MLContext mlContext, ITransformer model, DataViewSchema inputSchema, Stream destination)
    {
        using var buffer = new MemoryStream();
        mlContext.Model.Save(model, inputSchema, buffer);
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        {
            foreach (var entry in zip.Entries)
            {
                entry.LastWriteTime = FixedTime;
            }
        }

        buffer.Position = 0;
        buffer.CopyTo(destination);
    }
}
