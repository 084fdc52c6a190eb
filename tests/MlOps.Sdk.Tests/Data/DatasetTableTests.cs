using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Sdk.Data;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;

namespace MlOps.Sdk.Tests.Data;

/// <summary>Tabular datasets on real data (vega-datasets): schema, profile against independently computed values, loading.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class DatasetTableTests(StoreKind kind)
{
    private static readonly string Weather = Path.Combine(RepositoryPaths.VegaData, "seattle-weather.csv");
    private TestStore _test = null!;
    private DataSandbox _sandbox = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _sandbox = new DataSandbox();
        _client = _sandbox.CreateClient(_test.Store);
    }

    [TearDown]
    public async Task TearDown()
    {
        _sandbox.Dispose();
        await _test.DisposeAsync();
    }

    [Test]
    public async Task RegisterFileAsync_Csv_RecordsSchemaRowCountAndProfile()
    {
        var version = await _client.Datasets.RegisterFileAsync("weather", Weather);
        var read = await _client.Datasets.GetAsync(version.Ref);

        Assert.That(read.Format, Is.EqualTo(DatasetFormat.DelimitedText));
        Assert.That(read.Schema, Is.EqualTo(new[]
        {
            new DatasetColumn("date", "String"), new DatasetColumn("precipitation", "Single"), new DatasetColumn("temp_max", "Single"),
            new DatasetColumn("temp_min", "Single"), new DatasetColumn("wind", "Single"), new DatasetColumn("weather", "String"),
        }));
        Assert.That(read.RowCount, Is.EqualTo(1461));

        var rows = File.ReadAllLines(Weather).Skip(1).Select(l => l.Split(',')).ToList();
        foreach (var (column, index) in new[] { ("precipitation", 1), ("temp_max", 2), ("temp_min", 3), ("wind", 4) })
        {
            CheckNumeric(read.Profile![column], rows.Select(r => double.Parse(r[index], CultureInfo.InvariantCulture)).ToList());
        }

        CheckCategorical(read.Profile!["weather"], rows.Select(r => r[5]).ToList());
        CheckCategorical(read.Profile!["date"], rows.Select(r => r[0]).ToList());
    }

    [Test]
    public async Task RegisterFileAsync_VegaFlights_ProfileMatchesTheSourceJson()
    {
        // The CSV is written from vega's JSON; the expected statistics are computed from the JSON values, not from the CSV.
        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(RepositoryPaths.VegaData, "flights-10k.json")));
        var flights = json.RootElement.EnumerateArray().ToList();
        var csv = new StringBuilder("date,delay,distance,origin,destination\n");
        foreach (var f in flights)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{f.GetProperty("date").GetString()},{f.GetProperty("delay").GetInt32()},{f.GetProperty("distance").GetInt32()},{f.GetProperty("origin").GetString()},{f.GetProperty("destination").GetString()}\n");
        }

        var path = _sandbox.Write("flights.csv", csv.ToString());
        var version = await _client.Datasets.RegisterFileAsync("flights", path);

        Assert.That(version.RowCount, Is.EqualTo(flights.Count));
        CheckNumeric(version.Profile!["delay"], flights.Select(f => (double)f.GetProperty("delay").GetInt32()).ToList());
        CheckNumeric(version.Profile!["distance"], flights.Select(f => (double)f.GetProperty("distance").GetInt32()).ToList());
        CheckCategorical(version.Profile!["origin"], flights.Select(f => f.GetProperty("origin").GetString()!).ToList());
        CheckCategorical(version.Profile!["destination"], flights.Select(f => f.GetProperty("destination").GetString()!).ToList());
    }

    [Test]
    public async Task LoadAsync_Csv_GivesTheRecordedColumnsAndEveryRow()
    {
        var version = await _client.Datasets.RegisterFileAsync("weather", Weather);
        var mlContext = new MLContext(seed: 1);

        var data = await (await _client.Datasets.GetAsync("datasets:/weather@latest")).LoadAsync(mlContext);
        var typed = mlContext.Data.CreateEnumerable<WeatherRow>(await version.LoadAsync<WeatherRow>(mlContext), reuseRowObject: false).ToList();

        Assert.That(data.Schema.Select(c => (c.Name, c.Type.RawType)), Is.EqualTo(new[]
        {
            ("date", typeof(ReadOnlyMemory<char>)), ("precipitation", typeof(float)), ("temp_max", typeof(float)), ("temp_min", typeof(float)), ("wind", typeof(float)), ("weather", typeof(ReadOnlyMemory<char>)),
        }));
        Assert.That(data.GetColumn<float>("temp_max").Count(), Is.EqualTo(1461));
        Assert.That(typed, Has.Count.EqualTo(1461));
        Assert.That((typed[0].Date, typed[0].Precipitation, typed[0].TempMax, typed[0].Weather), Is.EqualTo(("2012-01-01", 0.0f, 12.8f, "drizzle")));
    }

    [Test]
    public async Task LoadAsync_RowTypeThatDoesNotFit_NamesEveryMissingAndMistypedColumn()
    {
        var version = await _client.Datasets.RegisterFileAsync("weather", Weather);

        var ex = Assert.ThrowsAsync<DatasetSchemaMismatchException>(() => version.LoadAsync<WrongRow>(new MLContext()));

        Assert.That(ex!.Problems, Has.Count.EqualTo(2));
        Assert.That(ex.Message, Does.Contain("datasets:/weather/1"));
        Assert.That(ex.Message, Does.Contain("column 'humidity' (Single) is missing"));
        Assert.That(ex.Message, Does.Contain("column 'wind' is Single in the data but Boolean in WrongRow"));
    }

    [Test]
    public async Task LoadAsync_OpaqueFiles_IsRefused()
    {
        var version = await _client.Datasets.RegisterFileAsync("blob", _sandbox.Write("blob.bin", [1, 2]));

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => version.LoadAsync(new MLContext()));

        Assert.That(ex!.Message, Does.Contain("MaterializeAsync"));
    }

    [Test]
    public async Task RegisterFileAsync_HeaderOnly_IsAnEmptyTableWithZeroCounts()
    {
        var version = await _client.Datasets.RegisterFileAsync("empty", _sandbox.Write("empty.csv", "a,b\n"));

        Assert.That(version.RowCount, Is.EqualTo(0));
        Assert.That(version.Schema.Select(c => c.Name), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(version.Profile!["a"].Count, Is.EqualTo(0));
        Assert.That((await version.LoadAsync(new MLContext())).GetColumn<ReadOnlyMemory<char>>("a"), Is.Empty);
    }

    [Test]
    public async Task RegisterFileAsync_MissingValues_AreCountedNotProfiled()
    {
        var version = await _client.Datasets.RegisterFileAsync("gaps", _sandbox.Write("gaps.csv", "x,label\n1,a\n,b\n3,\n5,a\n"));

        Assert.That(version.Profile!["x"].Missing, Is.EqualTo(1));
        Assert.That(version.Profile!["x"].Count, Is.EqualTo(3));
        Assert.That(version.Profile!["x"].Numeric!.Mean, Is.EqualTo(3.0));
        Assert.That(version.Profile!["label"].Missing, Is.EqualTo(1));
        Assert.That(version.Profile!["label"].Categorical!.Top[0], Is.EqualTo(new KeyValuePair<string, long>("a", 2)));
    }

    [Test]
    public async Task RegisterFileAsync_InfersBooleanOnlyWithoutBlanks_AndDoubleForLargeWholeNumbers()
    {
        var version = await _client.Datasets.RegisterFileAsync("types", _sandbox.Write("types.csv", "flag,maybe,id,ratio\ntrue,true,123456789012,0.5\nfalse,,17,1.5\n"));

        Assert.That(version.Schema.Select(c => c.Type), Is.EqualTo(new[] { "Boolean", "String", "Double", "Single" }));
        var data = await version.LoadAsync(new MLContext());
        Assert.That(data.GetColumn<double>("id"), Is.EqualTo(new[] { 123456789012.0, 17.0 }), "no precision lost");
    }

    [Test]
    public async Task RegisterFileAsync_SameContentWithOtherColumns_IsRefused_AndAProducingRunStillGetsItsOutput()
    {
        var path = _sandbox.Write("x.csv", "a,b\n1,2\n");
        var first = await _client.Datasets.RegisterFileAsync("x", path);

        var ex = Assert.ThrowsAsync<DatasetSchemaMismatchException>(() => _client.Datasets.RegisterFileAsync("x", path, new RegisterDatasetOptions { Columns = [new DatasetColumn("a", "String"), new DatasetColumn("b", "String")] }));
        Assert.That(ex!.Message, Does.Contain("already holds this content"));

        string runId;
        await using (var run = await _client.Runs.StartAsync("cleaning"))
        {
            runId = run.Id;
            var again = await _client.Datasets.RegisterFileAsync("x", path, new RegisterDatasetOptions { ProducedBy = run });
            Assert.That(again.Version, Is.EqualTo(first.Version));
        }

        Assert.That((await _client.Runs.GetAsync(runId)).Outputs.Select(o => o.Uri), Is.EqualTo(new[] { "datasets:/x/1" }));
    }

    [Test]
    public async Task RegisterDirectoryAsync_CsvFilesWithDifferentHeaders_IsRefused()
    {
        _sandbox.Write("2024.csv", "a,b\n1,2\n");
        _sandbox.Write("2025.csv", "a,c\n1,2\n");

        var ex = Assert.ThrowsAsync<DatasetSchemaMismatchException>(() => _client.Datasets.RegisterDirectoryAsync("years", _sandbox.Source));

        Assert.That(ex!.Message, Does.Contain("'2025.csv' has the header 'a,c'"));
        Assert.That(await _client.Datasets.ListNamesAsync(), Is.Empty);
    }

    [Test]
    public async Task RegisterDirectoryAsync_CsvFilesWithOneHeader_LoadAsOneTable()
    {
        _sandbox.Write("2024.csv", "a,b\n1,x\n2,y\n");
        _sandbox.Write("2025.csv", "a,b\n3,z\n");

        var version = await _client.Datasets.RegisterDirectoryAsync("years", _sandbox.Source);
        var data = await version.LoadAsync(new MLContext());

        Assert.That(version.RowCount, Is.EqualTo(3));
        Assert.That(data.GetColumn<float>("a"), Is.EqualTo(new[] { 1f, 2f, 3f }));
    }

    [Test]
    public async Task RegisterFileAsync_GivenColumnsThatDoNotFit_IsRefused()
    {
        var path = _sandbox.Write("x.csv", "a,b\n1,2\n");
        var options = new RegisterDatasetOptions { Columns = [new DatasetColumn("a", "Single"), new DatasetColumn("c", "Float")] };

        var ex = Assert.ThrowsAsync<DatasetSchemaMismatchException>(() => _client.Datasets.RegisterFileAsync("x", path, options));

        Assert.That(ex!.Message, Does.Contain("'Float', which is no ML.NET DataKind").And.Contain("column 'c' is 'b' in the header"));
    }

    [Test]
    public async Task RegisterFileAsync_GivenColumns_AreRecordedAndUsedToLoad()
    {
        var path = _sandbox.Write("x.tsv", "id\tscore\n7\t0.5\n8\t1.5\n");
        var options = new RegisterDatasetOptions { Columns = [new DatasetColumn("id", "Int64"), new DatasetColumn("score", "Double")] };

        var version = await _client.Datasets.RegisterFileAsync("x", path, options);
        var data = await version.LoadAsync(new MLContext());

        Assert.That(version.Schema, Is.EqualTo(options.Columns));
        Assert.That(data.GetColumn<long>("id"), Is.EqualTo(new[] { 7L, 8L }));
        Assert.That(data.GetColumn<double>("score"), Is.EqualTo(new[] { 0.5, 1.5 }));
        Assert.That(version.Profile!["id"].Numeric!.Max, Is.EqualTo(8));
    }

    [Test]
    public async Task RegisterDataViewAsync_SameDataTwice_IsOneVersion_AndLoadsBack()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 500).Select(i => new Point { X = i * 0.5f, Label = i % 3 == 0 ? "three" : "other" }).ToList();

        var first = await _client.Datasets.RegisterDataViewAsync("points", mlContext.Data.LoadFromEnumerable(rows), mlContext);
        var again = await _client.Datasets.RegisterDataViewAsync("points", mlContext.Data.LoadFromEnumerable(rows), mlContext);
        var loaded = await first.LoadAsync(mlContext);

        Assert.That(first.Kind, Is.EqualTo(DatasetKind.DataView));
        Assert.That(first.Format, Is.EqualTo(DatasetFormat.BinaryDataView));
        Assert.That(again.Version, Is.EqualTo(first.Version), "ML.NET's binary format is deterministic, so identical data is identical content");
        Assert.That(first.Schema, Is.EqualTo(new[] { new DatasetColumn("X", "Single"), new DatasetColumn("Label", "String") }));
        Assert.That(first.RowCount, Is.EqualTo(500));
        Assert.That(first.Profile!["X"].Numeric!.Max, Is.EqualTo(249.5));
        Assert.That(loaded.GetColumn<float>("X"), Is.EqualTo(rows.Select(r => r.X)));
        Assert.ThrowsAsync<DatasetSchemaMismatchException>(() => first.LoadAsync<WeatherRow>(mlContext));
    }

    [Test]
    public async Task MaterializeAsync_Twice_KeepsVerifiedFilesAndRepairsAChangedOne()
    {
        var version = await _client.Datasets.RegisterFileAsync("weather", Weather);
        var folder = await version.MaterializeAsync();
        var path = Path.Combine(folder, "seattle-weather.csv");
        var written = File.GetLastWriteTimeUtc(path);

        Assert.That(await version.MaterializeAsync(), Is.EqualTo(folder));
        Assert.That(File.GetLastWriteTimeUtc(path), Is.EqualTo(written), "kept, not rewritten");
        await File.WriteAllTextAsync(path, "tampered");
        await version.MaterializeAsync();
        Assert.That(await File.ReadAllBytesAsync(path), Is.EqualTo(await File.ReadAllBytesAsync(Weather)), "a changed copy is written again");
    }

    [Test]
    public async Task DiffAsync_TwoYearsOfWeather_ReportsRowsSchemaFilesAndShifts()
    {
        var lines = File.ReadAllLines(Weather);
        var year2012 = lines.Take(1).Concat(lines.Skip(1).Where(l => l.StartsWith("2012", StringComparison.Ordinal))).ToList();
        var year2015 = lines.Take(1).Concat(lines.Skip(1).Where(l => l.StartsWith("2015", StringComparison.Ordinal))).ToList();
        var path = _sandbox.Write("weather.csv", string.Join('\n', year2012) + "\n");
        await _client.Datasets.RegisterFileAsync("seattle", path);
        await File.WriteAllTextAsync(path, string.Join('\n', year2015.Select(l => l + ",x")) + "\n");
        await _client.Datasets.RegisterFileAsync("seattle", path);

        var diff = await _client.Datasets.DiffAsync(DatasetRef.ForVersion("seattle", 1), DatasetRef.Latest("seattle"));

        Assert.That(diff.IsSameContent, Is.False);
        Assert.That(diff.RowCountChange, Is.EqualTo((year2015.Count - 1) - (year2012.Count - 1)));
        Assert.That(diff.FilesChanged.Select(f => f.Path), Is.EqualTo(new[] { "weather.csv" }));
        Assert.That(diff.FilesAdded, Is.Empty);
        Assert.That(diff.SchemaChanges, Is.EqualTo(new[] { new DatasetSchemaChange("x", null, "String") }), "a column was added");
        var tempMax = diff.ColumnShifts.Single(c => c.Column == "temp_max");
        var mean2012 = year2012.Skip(1).Average(l => double.Parse(l.Split(',')[2], CultureInfo.InvariantCulture));
        var mean2015 = year2015.Skip(1).Average(l => double.Parse(l.Split(',')[2], CultureInfo.InvariantCulture));
        Assert.That(tempMax.MeanChange, Is.EqualTo(mean2015 - mean2012).Within(1e-4));
        var weather = diff.ColumnShifts.Single(c => c.Column == "weather");
        Assert.That(weather.TopValuesDistance, Is.InRange(0.0, 1.0));
        Assert.That(weather.TopValuesDistance, Is.GreaterThan(0), "2015 has other weather than 2012");
    }

    [Test]
    public async Task Profile_ColumnLargerThanTheExactLimit_SamplesQuantilesAndKeepsMomentsExact()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 20_000).Select(_ => Math.Round(random.NextDouble() * 100, 2)).ToList();
        var path = _sandbox.Write("big.csv", "x\n" + string.Join('\n', values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "\n");
        var limit = DatasetProfiler.ExactLimit;
        DatasetProfiler.ExactLimit = 1000;
        DatasetVersion version;
        try
        {
            version = await _client.Datasets.RegisterFileAsync("sampled", path);
        }
        finally
        {
            DatasetProfiler.ExactLimit = limit;
        }

        var numeric = version.Profile!["x"].Numeric!;
        Assert.That(numeric.SampleSize, Is.EqualTo(1000));
        Assert.That(numeric.Mean, Is.EqualTo(values.Average()).Within(1e-3), "moments stay exact");
        Assert.That((numeric.Min, numeric.Max), Is.EqualTo((values.Min(), values.Max())).Using<(double, double)>((a, b) => Math.Abs(a.Item1 - b.Item1) < 1e-4 && Math.Abs(a.Item2 - b.Item2) < 1e-4));
        Assert.That(numeric.Quantiles[0.5], Is.EqualTo(50).Within(5), "the median of a uniform 0-100 column, from 1,000 sampled values");
        Assert.That(numeric.BinCounts.Sum(), Is.EqualTo(20_000).Within(20), "bins scaled to the whole column");
    }

    private static void CheckNumeric(ColumnProfile profile, List<double> values)
    {
        var sorted = values.Order().ToList();
        var mean = values.Average();
        var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        var numeric = profile.Numeric!;
        Assert.Multiple(() =>
        {
            Assert.That(profile.Count, Is.EqualTo(values.Count), profile.Name);
            Assert.That(profile.Missing, Is.EqualTo(0), profile.Name);
            Assert.That(numeric.Mean, Is.EqualTo(mean).Within(Tolerance(mean)), $"{profile.Name} mean");
            Assert.That(numeric.StandardDeviation, Is.EqualTo(std).Within(Tolerance(std)), $"{profile.Name} std");
            Assert.That(numeric.Min, Is.EqualTo(sorted[0]).Within(Tolerance(sorted[0])), $"{profile.Name} min");
            Assert.That(numeric.Max, Is.EqualTo(sorted[^1]).Within(Tolerance(sorted[^1])), $"{profile.Name} max");
            foreach (var p in new[] { 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99 })
            {
                // Linear interpolation between closest ranks (NumPy's default), computed here independently.
                var h = (sorted.Count - 1) * p;
                var expected = sorted[(int)h] + ((h - Math.Floor(h)) * (sorted[Math.Min((int)h + 1, sorted.Count - 1)] - sorted[(int)h]));
                Assert.That(numeric.Quantiles[p], Is.EqualTo(expected).Within(Tolerance(expected)), $"{profile.Name} q{p}");
            }

            Assert.That(numeric.BinCounts.Sum(), Is.EqualTo(values.Count), $"{profile.Name} histogram");
            Assert.That(numeric.BinEdges, Has.Count.EqualTo(numeric.BinCounts.Count + 1));
            var width = (sorted[^1] - sorted[0]) / numeric.BinCounts.Count;
            var firstBin = values.Count(v => v < sorted[0] + width - Tolerance(width));
            Assert.That(numeric.BinCounts[0], Is.InRange(firstBin, values.Count(v => v <= sorted[0] + width + Tolerance(width))), $"{profile.Name} first bin");
        });
    }

    private static void CheckCategorical(ColumnProfile profile, List<string> values)
    {
        var counts = values.GroupBy(v => v).Select(g => new KeyValuePair<string, long>(g.Key, g.Count())).OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToList();
        Assert.That(profile.Count, Is.EqualTo(values.Count), profile.Name);
        Assert.That(profile.Categorical!.Cardinality, Is.EqualTo(counts.Count), $"{profile.Name} cardinality");
        Assert.That(profile.Categorical.CardinalityCapped, Is.False);
        Assert.That(profile.Categorical.Top, Is.EqualTo(counts.Take(20)), $"{profile.Name} top values");
    }

    // The data is read as 32-bit floats, so statistics agree with ones computed in doubles to about seven digits.
    private static double Tolerance(double value) => 1e-5 * Math.Max(1, Math.Abs(value));

    public sealed class WeatherRow
    {
        [ColumnName("date")]
        public string Date { get; set; } = string.Empty;

        [ColumnName("precipitation")]
        public float Precipitation { get; set; }

        [ColumnName("temp_max")]
        public float TempMax { get; set; }

        [ColumnName("weather")]
        public string Weather { get; set; } = string.Empty;
    }

    public sealed class WrongRow
    {
        [ColumnName("temp_max")]
        public float TempMax { get; set; }

        [ColumnName("humidity")]
        public float Humidity { get; set; }

        [ColumnName("wind")]
        public bool Wind { get; set; }
    }

    public sealed class Point
    {
        public float X { get; set; }

        public string Label { get; set; } = string.Empty;
    }
}
