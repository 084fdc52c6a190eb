using System.Diagnostics;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;

namespace MlOps.Sdk.Benchmarks;

/// <summary>
/// A 512 MB upload through <see cref="AzureBlobObjectStore"/> against a plain <see cref="BlobClient.UploadAsync(Stream, BlobUploadOptions, CancellationToken)"/>
/// with the same transfer options, both to the same Azurite, alternating so both see the same conditions.
/// </summary>
internal static class AzurePutBenchmark
{
    public static async Task RunAsync(AzuriteServer azurite, string scratch, bool quick)
    {
        var size = quick ? 256L << 20 : 512L << 20;
        var file = Path.Combine(scratch, "azure-put.bin");
        TestContentStream.WriteFile(file, size, seed: 512);

        var options = new AzureBlobObjectStoreOptions();
        var container = new BlobContainerClient(azurite.ConnectionString, "bench-" + Guid.NewGuid().ToString("N")[..12]);
        await container.CreateAsync();
        var store = new AzureBlobObjectStore(container, options);
        var transfer = new StorageTransferOptions
        {
            MaximumConcurrency = options.MaxTransferConcurrency,
            MaximumTransferSize = options.TransferChunkSize,
            InitialTransferSize = options.TransferChunkSize,
        };

        // Warm up both paths (connections, JIT) on a small upload.
        await container.GetBlobClient("warm-raw").UploadAsync(BinaryData.FromBytes(new byte[1 << 20]), overwrite: true);
        await store.WriteAsync("warm-ours", BinaryData.FromBytes(new byte[1 << 20]));

        var repetitions = quick ? 2 : 4;
        var ours = new List<TimeSpan>();
        var raw = new List<TimeSpan>();
        for (var i = 0; i < repetitions; i++)
        {
            var watch = Stopwatch.StartNew();
            await using (var stream = OpenFile(file))
            {
                await container.GetBlobClient($"raw/{i}").UploadAsync(stream, new BlobUploadOptions { TransferOptions = transfer });
            }

            raw.Add(watch.Elapsed);

            watch.Restart();
            await store.UploadFileAsync($"ours/{i}", file);
            ours.Add(watch.Elapsed);
        }

        var ourMedian = Report.Median(ours);
        var rawMedian = Report.Median(raw);
        Report.Bench($"azure_put_{size >> 20}mb", Report.MegabytesPerSecond(size, ourMedian), "MB/s");
        Report.Bench($"azure_put_{size >> 20}mb_raw_sdk", Report.MegabytesPerSecond(size, rawMedian), "MB/s");
        Report.Ratio("azure_put_vs_raw_sdk", rawMedian / ourMedian);

        // The content store on Azure: hash, check, upload.
        var content = new ContentStore(store, new ContentCacheOptions { Enabled = false });
        var put = Stopwatch.StartNew();
        await content.PutFileAsync(file);
        Report.Bench($"azure_content_put_{size >> 20}mb", Report.MegabytesPerSecond(size, put.Elapsed), "MB/s");

        await container.DeleteAsync();
        File.Delete(file);
    }

    private static FileStream OpenFile(string path)
        => new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
}
