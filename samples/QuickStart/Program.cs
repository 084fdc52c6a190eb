// The QuickStart: the main job on the embedded default store (.mlops/ in the working directory).
// Today it versions a data file by content and reads it back verified; as MlOps.Sdk grows it becomes
// train -> track -> version the data -> register -> promote -> load by alias -> predict.
using MlOps.Sdk;
using MlOps.Sdk.Storage;

var dataFile = Path.Combine(AppContext.BaseDirectory, "data", "flights-2k.csv");

// <quickstart>
var client = MlOpsClient.CreateDefault(); // the .mlops/ folder in the working directory

// Store the file by its content: the same bytes are stored once, however often they are put.
var stored = await client.Content.PutFileAsync(dataFile);
Console.WriteLine($"Stored {stored.Length:N0} bytes as sha256:{stored.Hash} ({(stored.Uploaded ? "new" : "already stored")})");

// Read it back: verified against its SHA-256 before it is handed over.
var bytes = await client.Content.ReadAsync(stored.Hash);
Console.WriteLine($"Read back {bytes.ToMemory().Length:N0} verified bytes from {client.Store.Location}{ContentStore.GetKey(stored.Hash)}");
// </quickstart>

Console.WriteLine($"Environment: {client.Environment}. Everything lives under {client.Store.Location.LocalPath}");
