// The worker process of the multi-process tests. Usage:
//   worker <command> --store FileSystem|AzureBlob --target <folder | connection-string|container> [options]
// Commands print one line per event on stdout; the test that started the worker parses them.
using System.Globalization;
using Azure;
using Microsoft.ML;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;

var command = args.Length > 0 ? args[0] : "help";
var options = ParseOptions(args.Skip(1).ToArray());
string Option(string name) => options.TryGetValue(name, out var value) ? value : throw new ArgumentException($"Missing --{name}.");
int IntOption(string name) => int.Parse(Option(name), CultureInfo.InvariantCulture);

try
{
    var store = TestStores.Open(Enum.Parse<StoreKind>(Option("store")), Option("target"));
    switch (command)
    {
        case "open-loop":
            // Opens the same store over and over, as many short-lived processes sharing one folder do.
            await WaitForGoAsync(Option("go"));
            for (var i = 0; i < IntOption("count"); i++)
            {
                _ = TestStores.Open(Enum.Parse<StoreKind>(Option("store")), Option("target"));
            }

            Console.WriteLine("OPENED");
            break;

        case "track-and-hang":
            // Starts a run, logs to it, then keeps logging until the test kills the process.
            var tracked = TrackingClient(store);
            var hanging = await tracked.Runs.StartAsync(Option("experiment"));
            hanging.LogParameter("worker", Environment.ProcessId);
            for (var step = 0; step < 5; step++)
            {
                hanging.LogMetric("loss", 1.0 / (step + 1), step);
            }

            await hanging.FlushAsync();
            Console.WriteLine($"RUN {hanging.Id}");
            for (var step = 5; ; step++)
            {
                hanging.LogMetric("loss", 1.0 / (step + 1), step);
                await Task.Delay(50);
            }

        case "track-runs":
            // Records several complete runs, as a search worker or a training job would, all sharing one store.
            var client = TrackingClient(store);
            await WaitForGoAsync(Option("go"));
            for (var i = 0; i < IntOption("runs"); i++)
            {
                await using var run = await client.Runs.StartAsync(Option("experiment"), new MlOps.Sdk.Tracking.StartRunOptions { Name = $"{Option("id")}-{i}" });
                run.LogParameter("worker", Option("id"));
                run.LogParameter("index", i);
                for (var step = 0; step < 20; step++)
                {
                    run.LogMetric("loss", (i + 1) / (double)(step + 1), step);
                }

                run.LogMetric("score", (IntOption("id") * 1000) + i);
            }

            Console.WriteLine("DONE");
            break;

        case "create-race":
            await WaitForGoAsync(Option("go"));
            for (var i = 0; i < IntOption("keys"); i++)
            {
                try
                {
                    await store.WriteAsync($"{Option("prefix")}/{i}", BinaryData.FromString(Option("id")), WriteCondition.IfNotExists);
                    Console.WriteLine($"WON {i}");
                }
                catch (PreconditionFailedException)
                {
                    // Another worker created it first.
                }
            }

            break;

        case "increment":
            await WaitForGoAsync(Option("go"));
            var attempts = 0;
            for (var i = 0; i < IntOption("count"); i++)
            {
                while (true)
                {
                    attempts++;
                    var current = await store.ReadAsync(Option("key"));
                    var value = current is null ? 0 : int.Parse(current.Content.ToString(), CultureInfo.InvariantCulture);
                    var condition = current is null ? WriteCondition.IfNotExists : WriteCondition.IfMatch(current.ETag);
                    try
                    {
                        await store.WriteAsync(Option("key"), BinaryData.FromString((value + 1).ToString(CultureInfo.InvariantCulture)), condition);
                        break;
                    }
                    catch (PreconditionFailedException)
                    {
                        // Lost the race: re-read and try again.
                    }
                }
            }

            Console.WriteLine($"ATTEMPTS {attempts}");
            break;

        case "write-loop":
            // Writes self-checking objects (the seed is in the key) until it is killed.
            var size = IntOption("size");
            for (var i = 0; ; i++)
            {
                var seed = (ulong)(i + 1);
                await store.UploadAsync($"{Option("prefix")}/{seed}", new TestContentStream(size, seed));
                Console.WriteLine($"WROTE {seed}");
            }

        case "cache-read":
            var content = new ContentStore(store, new ContentCacheOptions { Enabled = true, Path = Option("cache"), MaxSizeBytes = long.Parse(Option("cache-max"), CultureInfo.InvariantCulture) });
            var hashes = File.ReadAllLines(Option("hashes")).Select(h => ContentHash.Parse(h)).ToArray();
            var random = new Random(IntOption("seed"));
            await WaitForGoAsync(Option("go"));
            var reads = 0;
            for (var round = 0; round < IntOption("rounds"); round++)
            {
                foreach (var hash in hashes.OrderBy(_ => random.Next()))
                {
                    await using var stream = await content.OpenReadAsync(hash);
                    await stream.CopyToAsync(Stream.Null); // the stream verifies the hash at its end
                    reads++;
                }
            }

            Console.WriteLine($"READ {reads}");
            break;

        case "register-dataset":
            // Registers a local file or folder as a dataset version, with its own hash cache, as a data job would.
            // The default registration timeout (1 minute): a busy machine must not make workers take over each other's claims.
            var datasets = TrackingClient(store, o => o.Datasets.HashCachePath = Option("hash-cache"));
            if (options.ContainsKey("go"))
            {
                await WaitForGoAsync(Option("go"));
            }

            Console.WriteLine("STARTED");
            var source = Option("path");
            var registered = Directory.Exists(source)
                ? await datasets.Datasets.RegisterDirectoryAsync(Option("name"), source)
                : await datasets.Datasets.RegisterFileAsync(Option("name"), source);
            Console.WriteLine($"VERSION {registered.Version} {(registered.Created ? "created" : "found")} {registered.Identity}");
            break;

        case "register-models":
            // Registers several versions of one small model, as parallel training jobs would.
            var registry = TrackingClient(store);
            var mlContext = new Microsoft.ML.MLContext(seed: 1);
            var rows = Enumerable.Range(0, 50).Select(i => new Point { X = i, Y = (2 * i) + 1 }).ToList();
            var training = mlContext.Data.LoadFromEnumerable(rows);
            var trained = mlContext.Transforms.Concatenate("Features", "X").Append(mlContext.Regression.Trainers.Sdca(labelColumnName: "Y", maximumNumberOfIterations: 2)).Fit(training);
            await WaitForGoAsync(Option("go"));
            for (var i = 0; i < IntOption("count"); i++)
            {
                var model = await registry.Models.RegisterAsync(Option("name"), trained, training.Schema);
                Console.WriteLine($"VERSION {model.Version}");
            }

            break;

        case "search":
            // A search worker: runs its share of trials of a study that other processes share.
            var searcher = TrackingClient(store);
            var study = await searcher.Studies.OpenAsync(Option("study"));
            await WaitForGoAsync(Option("go"));
            var delay = TimeSpan.FromMilliseconds(IntOption("delay-ms"));
            var result = await study.OptimizeAsync(
                async (trial, ct) =>
                {
                    var x = trial.SuggestFloat("x", -5, 10);
                    var y = trial.SuggestFloat("y", 0, 15);
                    await Task.Delay(delay, ct);
                    Console.WriteLine($"TRIAL {trial.Number}");
                    return Branin(x, y);
                },
                new MlOps.Sdk.Search.SearchBudget { Trials = IntOption("trials"), Parallelism = IntOption("parallelism") });
            Console.WriteLine($"DONE {result.Complete}");
            break;

        case "search-and-hang":
            // Takes a trial of a study, then hangs in its objective until the test kills the process.
            var hangingSearch = await TrackingClient(store).Studies.OpenAsync(Option("study"));
            await hangingSearch.OptimizeAsync(
                async (trial, ct) =>
                {
                    trial.SuggestFloat("x", -5, 10);
                    trial.Report(1.0, 0);
                    await Task.Delay(500, ct);   // long enough for the parameter and the report to be stored in the background
                    Console.WriteLine($"TRIAL {trial.Number} {trial.Run.Id}");
                    await Task.Delay(Timeout.Infinite, ct);
                    return 0;
                },
                1);
            break;

        case "run-pipeline":
            // Runs a small pipeline on a shared store, as two developers (or a developer and a scheduled job) might at once.
            var piper = TrackingClient(store);
            await WaitForGoAsync(Option("go"));
            var ran = await piper.Pipelines.RunAsync(WorkerPipeline.Create(), new WorkerPipeline.Options());
            foreach (var step in ran.Steps)
            {
                Console.WriteLine($"STEP {step.Name} {step.Status} {step.Key}");
            }

            var predictions = (await ran.GetAsync(WorkerPipeline.Model)).Transform(await ran.GetAsync(WorkerPipeline.Doubled));
            Console.WriteLine($"SCORE {Microsoft.ML.Data.ColumnCursorExtensions.GetColumn<float>(predictions, "Score").First().ToString("R", CultureInfo.InvariantCulture)}");
            break;

        case "retrain-pass":
        case "retrain-now":
            // A retrainer of the model "points" in a process of its own, as on another machine: one pass of its triggers,
            // or an attempt by hand, at the same moment as the other workers.
            var retrainer = TrackingClient(store).Retraining.Create(WorkerRetraining.Policy());
            await WaitForGoAsync(Option("go"));
            var made = command == "retrain-pass" ? await retrainer.RunOnceAsync() : [await retrainer.RetrainAsync("racing by hand")];
            foreach (var attempt in made)
            {
                Console.WriteLine($"ATTEMPT {attempt.Outcome} {attempt.Challenger} {attempt.Champion} {attempt.RunId}");
            }

            break;

        case "compact-and-hang":
            // Compacts the monitoring logs, letting through --deletes deletes of old files, then hangs in the next one
            // (the new files are written by then) until the test kills the process: a crash mid-compaction.
            var hangingStore = new HangingDeleteStore(store, IntOption("deletes"));
            await TrackingClient(hangingStore).Monitoring.CompactAsync();
            Console.WriteLine("COMPACTED");
            break;

        default:
            Console.Error.WriteLine("Commands: open-loop, track-and-hang, track-runs, create-race, increment, write-loop, cache-read, register-dataset, register-models, search, search-and-hang, run-pipeline, retrain-pass, retrain-now, compact-and-hang.");
            return 2;
    }

    return 0;
}
catch (Exception ex)
{
    Console.Error.WriteLine(ex);
    return 1;
}

static MlOps.Sdk.MlOpsClient TrackingClient(ObjectStore store, Action<MlOps.Sdk.MlOpsOptions>? configure = null)
{
    var options = new MlOps.Sdk.MlOpsOptions { Environment = "test" };
    options.ContentCache.Enabled = false;
    options.Tracking.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
    options.Tracking.CrashGracePeriod = TimeSpan.FromSeconds(2);
    options.Tracking.FlushInterval = TimeSpan.FromMilliseconds(100);
    configure?.Invoke(options);
    return new MlOps.Sdk.MlOpsClient(store, options);
}

static async Task WaitForGoAsync(string path)
{
    Console.WriteLine("READY");
    var deadline = DateTime.UtcNow.AddMinutes(2);
    while (!File.Exists(path))
    {
        if (DateTime.UtcNow > deadline)
        {
            throw new TimeoutException($"No start signal at '{path}'.");
        }

        await Task.Delay(1);
    }
}

static double Branin(double x, double y)
    => Math.Pow(y - (5.1 / (4 * Math.PI * Math.PI) * x * x) + (5 / Math.PI * x) - 6, 2) + (10 * (1 - (1 / (8 * Math.PI))) * Math.Cos(x)) + 10;

static Dictionary<string, string> ParseOptions(string[] args)
{
    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        options[args[i].TrimStart('-')] = args[i + 1];
    }

    return options;
}

/// <summary>A row of the worker's tiny regression data.</summary>
internal sealed class Point
{
    public float X { get; set; }

    public float Y { get; set; }
}

/// <summary>The pipeline the worker runs: points -> doubled (2x) -> train (SDCA, one thread).</summary>
internal static class WorkerPipeline
{
    public static MlOps.Sdk.Pipelines.StepOutput<IDataView> Doubled { get; private set; } = null!;

    public static MlOps.Sdk.Pipelines.StepOutput<ITransformer> Model { get; private set; } = null!;

    public static MlOps.Sdk.Pipelines.Pipeline<Options> Create() => MlOps.Sdk.Pipelines.Pipeline.Create<Options>("shared-pipeline", p =>
    {
        var points = p.Dataset("points", o => o.Data);
        Doubled = p.Step("doubled", [points], ctx =>
        {
            Thread.Sleep(300); // long enough for both processes to be inside the step at once
            return ctx.ML.Transforms.CustomMapping<Point, Point>((input, output) => { output.X = 2 * input.X; output.Y = input.Y; }, contractName: null).Fit(ctx.Get(points)).Transform(ctx.Get(points));
        });
        Model = p.Step("train", [Doubled], ctx => (ITransformer)ctx.ML.Transforms.Concatenate("Features", "X")
            .Append(ctx.ML.Regression.Trainers.Sdca(new Microsoft.ML.Trainers.SdcaRegressionTrainer.Options { LabelColumnName = "Y", MaximumNumberOfIterations = 5, NumberOfThreads = 1 }))
            .Fit(ctx.Get(Doubled)));
    });

    internal sealed class Options
    {
        public string Data { get; set; } = "datasets:/points@latest";
    }
}

/// <summary>The retraining policy of the tests' "points" model (RetrainingScenario in the tests): SDCA on X and Z, AUC on the clean holdout.</summary>
internal static class WorkerRetraining
{
    public static MlOps.Sdk.Retraining.RetrainingPolicy<Options> Policy()
    {
        var policy = new MlOps.Sdk.Retraining.RetrainingPolicy<Options>
        {
            ModelName = "points",
            Pipeline = MlOps.Sdk.Pipelines.Pipeline.Create<Options>("points-model", p =>
            {
                var points = p.Dataset("points", o => o.Data);
                p.Step("train", [points], ctx => (ITransformer)ctx.ML.Transforms.Concatenate("Features", "X", "Z")
                    .Append(ctx.ML.Transforms.NormalizeMinMax("Features"))
                    .Append(ctx.ML.BinaryClassification.Trainers.SdcaLogisticRegression(labelColumnName: "Label", maximumNumberOfIterations: 20))
                    .Fit(ctx.Get(points)));
            }),
            ModelStep = "train",
            Options = context => new Options { Data = context.Dataset?.Uri ?? "datasets:/points@latest" },
            Holdout = "datasets:/points-holdout@latest",
            Evaluator = MlOps.Sdk.Retraining.ModelEvaluator.BinaryClassification(),
            Rule = new MlOps.Sdk.Retraining.PromotionRule { Metric = "auc", MinimumMargin = 0.01 },
        };
        policy.Triggers.Add(MlOps.Sdk.Retraining.RetrainingTrigger.OnNewDatasetVersion("points"));
        return policy;
    }

    internal sealed class Options
    {
        public string Data { get; set; } = "datasets:/points@latest";
    }
}

/// <summary>A store whose deletes go through until <c>allowed</c> have, then hang (printing HANGING) until the process is killed.</summary>
internal sealed class HangingDeleteStore(ObjectStore inner, int allowed) : ObjectStore
{
    private int _deletes;

    public override Uri Location => inner.Location;

    protected override Task<DateTimeOffset> GetCurrentTimeCoreAsync(CancellationToken cancellationToken) => inner.GetCurrentTimeAsync(cancellationToken);

    protected override Task<ObjectProperties?> GetPropertiesCoreAsync(string key, CancellationToken cancellationToken) => inner.GetPropertiesAsync(key, cancellationToken);

    protected override Task<StoredObject?> ReadCoreAsync(string key, CancellationToken cancellationToken) => inner.ReadAsync(key, cancellationToken);

    protected override Task<ObjectProperties> WriteCoreAsync(string key, BinaryData content, WriteCondition condition, CancellationToken cancellationToken) => inner.WriteAsync(key, content, condition, cancellationToken);

    protected override Task<ObjectProperties> UploadCoreAsync(string key, Stream content, WriteCondition condition, CancellationToken cancellationToken) => inner.UploadAsync(key, content, condition, cancellationToken);

    protected override Task<Stream> OpenReadCoreAsync(string key, CancellationToken cancellationToken) => inner.OpenReadAsync(key, cancellationToken);

    protected override Task<ObjectProperties> DownloadToCoreAsync(string key, Stream destination, CancellationToken cancellationToken) => inner.DownloadToAsync(key, destination, cancellationToken);

    protected override Task<ObjectPage> ListPageCoreAsync(string prefix, string? continuationToken, int pageSize, CancellationToken cancellationToken) => inner.ListPageAsync(prefix, continuationToken, pageSize, cancellationToken);

    protected override async Task<bool> DeleteCoreAsync(string key, ETag? ifMatch, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _deletes) > allowed)
        {
            Console.WriteLine($"HANGING {key}");
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        var deleted = await inner.DeleteAsync(key, ifMatch, cancellationToken);
        Console.WriteLine($"DELETED {key}");
        return deleted;
    }
}
