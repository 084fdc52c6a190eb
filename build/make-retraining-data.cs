#!/usr/bin/env dotnet
// Makes samples/Retraining/data from vega-datasets' flights-3m.parquet (installed by build/test.sh):
//   dotnet run build/make-retraining-data.cs
// flights-monthly.csv: every 120th flight of each month of 2001 in the file, in order (date,delay,distance,origin,destination);
// flights-holdout.csv: every 1200th flight starting one later (so none is in flights-monthly.csv), over all months.
#:property PublishAot=false
#:property NoWarn=CA2007
#:package Parquet.Net
using System.Globalization;
using Parquet;

var root = Path.GetFullPath(Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? ".", ".."));
var source = Path.Combine(root, "build", "node_modules", "vega-datasets", "data", "flights-3m.parquet");
var output = Path.Combine(root, "samples", "Retraining", "data");
Directory.CreateDirectory(output);
await using var reader = await ParquetReader.CreateAsync(source);
var fields = reader.Schema.GetDataFields().ToDictionary(f => f.Name);
using var monthly = new StreamWriter(Path.Combine(output, "flights-monthly.csv"));
using var holdout = new StreamWriter(Path.Combine(output, "flights-holdout.csv"));
monthly.WriteLine("date,delay,distance,origin,destination");
holdout.WriteLine("date,delay,distance,origin,destination");
var counts = new SortedDictionary<string, int>();
long row = 0;
for (var group = 0; group < reader.RowGroupCount; group++)
{
    using var rows = reader.OpenRowGroupReader(group);
    var n = checked((int)rows.RowCount);
    var dates = new DateTime?[n];
    var delays = new long?[n];
    var distances = new long?[n];
    var origins = new string?[n];
    var destinations = new string?[n];
    await rows.ReadAsync(fields["date"], dates.AsMemory());
    await rows.ReadAsync(fields["delay"], delays.AsMemory());
    await rows.ReadAsync(fields["distance"], distances.AsMemory());
    await rows.ReadAsync(fields["origin"], origins.AsMemory());
    await rows.ReadAsync(fields["destination"], destinations.AsMemory());
    for (var i = 0; i < n; i++, row++)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{dates[i]!.Value:yyyy/MM/dd HH:mm},{delays[i]},{distances[i]},{origins[i]},{destinations[i]}");
        if (row % 120 == 0)
        {
            monthly.WriteLine(line);
            var month = dates[i]!.Value.ToString("yyyy-MM", CultureInfo.InvariantCulture);
            counts[month] = counts.GetValueOrDefault(month) + 1;
        }
        else if (row % 1200 == 1)
        {
            holdout.WriteLine(line);
        }
    }
}

foreach (var (month, count) in counts)
{
    Console.WriteLine($"{month}: {count} flights");
}
