using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.ML;
using MlOps.Sdk.Data;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Pipelines;

/// <summary>
/// Runs pipelines (<c>client.Pipelines</c>) with safe step caching: a step whose code, parameters and inputs are those
/// of an earlier run is not run again; its output is restored from the content store and its run records which run
/// produced it. A change invalidates exactly that step and what reads it, directly or not.
/// </summary>
public class PipelineCatalog
{
    private readonly MlOpsClient _client = null!;
    private readonly RecordStore _records = null!;
    private const string OptionsArtifact = "pipeline/options.json";

    private readonly ILogger _logger = null!;

    internal PipelineCatalog(MlOpsClient client)
    {
        _client = client;
        _records = new RecordStore(client.Store, client.ConflictRetry);
        _logger = client.LoggerFactory.CreateLogger<PipelineCatalog>();
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected PipelineCatalog()
    {
    }

    /// <summary>
    /// Runs a pipeline: a run in the experiment (the pipeline's name by default) with a child run per step. Cached steps
    /// are reused (unless forced); their outputs are restored only when a step that runs, or the caller, reads them.
    /// </summary>
    /// <typeparam name="TOptions">The pipeline's options.</typeparam>
    /// <param name="pipeline">The pipeline.</param>
    /// <param name="options">Its options: datasets' URIs and steps' parameters come from here.</param>
    /// <param name="runOptions">What to force, where to stop, the ML.NET context; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the run.</param>
    /// <returns>Each step's status and provenance, and access to the outputs.</returns>
    /// <exception cref="ArgumentException"><see cref="PipelineRunOptions.ForceFrom"/> or <see cref="PipelineRunOptions.UpTo"/> names no step, or a model input names a run's artifact (<c>runs:/</c>).</exception>
    /// <exception cref="FormatException">A model input's URI is not a model URI.</exception>
    /// <exception cref="Models.ModelNotFoundException">A model input names no registered version.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    /// <remarks>A step's exception ends its run and the pipeline's run Failed and is rethrown.</remarks>
    public virtual async Task<PipelineResult> RunAsync<TOptions>(Pipeline<TOptions> pipeline, TOptions options, PipelineRunOptions? runOptions = null, CancellationToken cancellationToken = default)
        where TOptions : class
    {
        SdkCall.Enter();
        var execution = Prepare(pipeline, options, runOptions);
        var startOptions = new StartRunOptions { Name = pipeline.Name, ParentRunId = execution.RunOptions.ParentRunId };
        startOptions.Tags["mlops.pipeline"] = pipeline.Name;
        foreach (var (name, value) in Flatten(options))
        {
            startOptions.Parameters[name] = value;
        }

        startOptions.Tags["mlops.pipeline.seed"] = execution.RunOptions.Seed.ToString(CultureInfo.InvariantCulture);
        if (execution.RunOptions.Variant is { } variant)
        {
            startOptions.Tags["mlops.pipeline.variant"] = variant;
        }

        if (execution.RunOptions.UpTo is { } upTo)
        {
            startOptions.Tags["mlops.pipeline.up_to"] = upTo;
        }

        if (execution.RunOptions.ReproducesRunId is { } reproduces)
        {
            startOptions.Tags["mlops.pipeline.reproduces"] = reproduces;
        }

        var run = await _client.Runs.StartAsync(execution.RunOptions.Experiment ?? pipeline.Name, startOptions, cancellationToken).ConfigureAwait(false);
        await using var disposeRun = run.ConfigureAwait(false);
        try
        {
            // The options as given, whole: what a reproduction runs with.
            await run.LogArtifactAsync(OptionsArtifact, new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(options, options.GetType(), StepKeyParts.Json)), cancellationToken).ConfigureAwait(false);
            await execution.ExecuteAsync(run, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await run.EndWithAsync(ex).ConfigureAwait(false);
            throw;
        }

        await run.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        return execution.Result(run.Id);
    }

    /// <summary>
    /// Runs a pipeline with its options bound from configuration (<see cref="PipelineConfiguration.Bind{TOptions}"/>): the
    /// section <c>Pipelines:{name}</c>, and a variant over it. The resolved options are recorded with the run.
    /// </summary>
    /// <typeparam name="TOptions">The pipeline's options.</typeparam>
    /// <param name="pipeline">The pipeline.</param>
    /// <param name="configuration">The configuration (appsettings.json, appsettings.{Environment}.json, environment variables, command line).</param>
    /// <param name="variant">A configured variant, or <see langword="null"/>.</param>
    /// <param name="runOptions">What to force and where to stop; its <see cref="PipelineRunOptions.Variant"/> is set here.</param>
    /// <param name="cancellationToken">A token to cancel the run.</param>
    /// <returns>What the run did.</returns>
    /// <exception cref="ArgumentException">The variant is not configured.</exception>
    public virtual Task<PipelineResult> RunAsync<TOptions>(Pipeline<TOptions> pipeline, Microsoft.Extensions.Configuration.IConfiguration configuration, string? variant = null, PipelineRunOptions? runOptions = null, CancellationToken cancellationToken = default)
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var options = PipelineConfiguration.Bind<TOptions>(configuration, pipeline.Name, variant);
        var given = runOptions ?? new PipelineRunOptions();
        var withVariant = new PipelineRunOptions
        {
            ForceFrom = given.ForceFrom,
            UpTo = given.UpTo,
            UseCache = given.UseCache,
            Seed = given.Seed,
            ConfigureMLContext = given.ConfigureMLContext,
            Experiment = given.Experiment,
            ParentRunId = given.ParentRunId,
            Variant = variant,
        };
        return RunAsync(pipeline, options, withVariant, cancellationToken);
    }

    /// <summary>
    /// Registers a model a pipeline run produced (a step's <see cref="Microsoft.ML.ITransformer"/> output) as a new version,
    /// as the very bytes the step stored, linked to the step's run (its parameters and the pipeline's datasets).
    /// </summary>
    /// <param name="result">A pipeline run's result.</param>
    /// <param name="model">The step whose output to register.</param>
    /// <param name="name">The registered model's name (a variant's own, for example).</param>
    /// <param name="options">
    /// A description, tags and the parent. The parent is by default the model input (<see cref="PipelineBuilder{TOptions}.Model"/>)
    /// the step read, directly or through other steps, as the version the run resolved it to: none when it read none, or
    /// several (set <see cref="Models.RegisterModelOptions.Parent"/> then).
    /// </param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The registered version.</returns>
    /// <exception cref="InvalidOperationException">The result is a plan, or the step was skipped.</exception>
    public virtual async Task<Models.ModelVersion> RegisterModelAsync(PipelineResult result, StepOutput<Microsoft.ML.ITransformer> model, string name, Models.RegisterModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(model);
        var step = result[model.Name];
        if (result.RunId is null || step.RunId is null)
        {
            throw new InvalidOperationException($"The step '{model.Name}' has no output to register ({(result.RunId is null ? "this is a plan" : step.Status.ToString())}).");
        }

        var run = await _client.Runs.GetAsync(step.RunId, cancellationToken).ConfigureAwait(false);
        var saved = run.Artifacts.First(a => a.Path == "output");
        var pipelineRun = await _client.Runs.GetAsync(result.RunId, cancellationToken).ConfigureAwait(false);
        var register = new Models.RegisterModelOptions { Description = options?.Description };
        foreach (var (tag, value) in options?.Tags ?? new Dictionary<string, string>())
        {
            register.Tags[tag] = value;
        }

        register.Tags.TryAdd("mlops.pipeline", result.Pipeline);
        register.Tags.TryAdd("mlops.step", model.Name);
        if (pipelineRun.Tags.TryGetValue("mlops.pipeline.variant", out var variant))
        {
            register.Tags.TryAdd("mlops.pipeline.variant", variant);
        }

        foreach (var input in pipelineRun.Inputs.Where(i => i.Uri.StartsWith("datasets:/", StringComparison.Ordinal)))
        {
            register.Datasets.Add(new Models.ModelDatasetLink(input.Uri, "training", input.Sha256?.ToString()));
        }

        // The parent: the one model input the step read, directly or not (the version the run resolved it to).
        var upstream = result.UpstreamOf(model.Name);
        var parents = pipelineRun.Inputs.Where(i => i.Context is not null && upstream.Contains(i.Context) && i.Uri.StartsWith("models:/", StringComparison.Ordinal))
            .Select(i => i.Uri).Distinct(StringComparer.Ordinal).ToList();
        register.Parent = options?.Parent ?? (parents.Count == 1 ? Models.ModelRef.Parse(parents[0]) : null);

        // What the steps that read the model (directly or not: an evaluation) measured goes with it; the later step's
        // value where two logged one name, the model's own step's over all. Steps of other branches measured other things.
        var related = new Dictionary<string, double>(StringComparer.Ordinal);
        var readers = result.ReadersOf(model.Name);
        foreach (var other in result.Steps.Where(s => s.RunId is not null && readers.Contains(s.Name)))
        {
            foreach (var (metric, summary) in (await _client.Runs.GetAsync(other.RunId!, cancellationToken).ConfigureAwait(false)).Metrics)
            {
                related[metric] = summary.Last;
            }
        }

        // Loaded (hash verified) for its schemas, in a context prepared as the run's were (custom mappings registered);
        // registered as the very bytes the step stored.
        var ml = new MLContext(seed: 0);
        result.ConfigureMLContext?.Invoke(ml);
        var loaded = await _client.Models.LoadAsync(Models.ModelRef.Parse($"runs:/{step.RunId}/output"), ml, cancellationToken).ConfigureAwait(false);
        return await _client.Models.RegisterFromRunAsync(name, loaded.Model, loaded.InputSchema, register, run, saved, related, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a recorded pipeline run again from its record: the same options, the same dataset versions, the same seed, no
    /// cache. Reports whether the code version matches (git commit, and a clean tree both times) and, step by step,
    /// whether each output's content hash equals the original's.
    /// </summary>
    /// <typeparam name="TOptions">The pipeline's options.</typeparam>
    /// <param name="pipeline">The pipeline the run ran (the code now).</param>
    /// <param name="runId">The id of the pipeline run to reproduce.</param>
    /// <param name="configureMLContext">What to do to each step's ML.NET context (register custom mappings), as the original run did.</param>
    /// <param name="cancellationToken">A token to cancel the run.</param>
    /// <returns>The new run and the comparison (of the steps the original ran).</returns>
    /// <exception cref="RunNotFoundException">No run has that id.</exception>
    /// <exception cref="ArgumentException">The run is not a run of <paramref name="pipeline"/>.</exception>
    public virtual async Task<PipelineReproduction> ReproduceAsync<TOptions>(Pipeline<TOptions> pipeline, string runId, Action<MLContext>? configureMLContext = null, CancellationToken cancellationToken = default)
        where TOptions : class
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(pipeline);
        var original = await _client.Runs.GetAsync(runId, cancellationToken).ConfigureAwait(false);
        if (!original.Tags.TryGetValue("mlops.pipeline", out var name) || name != pipeline.Name || original.ParentRunId is not null && original.Tags.ContainsKey("mlops.step"))
        {
            throw new ArgumentException($"Run {runId} is not a run of the pipeline '{pipeline.Name}'.", nameof(runId));
        }

        TOptions options;
        var stream = await _client.Runs.OpenArtifactAsync(runId, OptionsArtifact, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            options = await JsonSerializer.DeserializeAsync<TOptions>(stream, StepKeyParts.Json, cancellationToken).ConfigureAwait(false)
                ?? throw new Records.RecordFormatException($"runs/{runId}/{OptionsArtifact}", "holds no options");
        }

        var datasets = original.Inputs.Where(i => i.Context is not null && i.Uri.StartsWith("datasets:/", StringComparison.Ordinal))
            .ToDictionary(i => i.Context!, i => i.Uri, StringComparer.Ordinal);
        var models = original.Inputs.Where(i => i.Context is not null && i.Uri.StartsWith("models:/", StringComparison.Ordinal))
            .ToDictionary(i => i.Context!, i => i.Uri, StringComparer.Ordinal);
        var runOptions = new PipelineRunOptions
        {
            UseCache = false,
            Seed = original.Tags.TryGetValue("mlops.pipeline.seed", out var seed) ? int.Parse(seed, CultureInfo.InvariantCulture) : 1,
            Experiment = original.Experiment,
            DatasetVersions = datasets,
            ModelVersions = models,
            ConfigureMLContext = configureMLContext,
            UpTo = original.Tags.GetValueOrDefault("mlops.pipeline.up_to"),
            Variant = original.Tags.GetValueOrDefault("mlops.pipeline.variant"),
            ReproducesRunId = runId,
        };
        var again = await RunAsync(pipeline, options, runOptions, cancellationToken).ConfigureAwait(false);
        var rerun = await _client.Runs.GetAsync(again.RunId!, cancellationToken).ConfigureAwait(false);
        var before = await StepOutputsAsync(original, cancellationToken).ConfigureAwait(false);
        var after = await StepOutputsAsync(rerun, cancellationToken).ConfigureAwait(false);
        var steps = new List<StepReproduction>();
        var ml = new MLContext(seed: 0);
        pipeline.ConfigureMLContext?.Invoke(ml);
        foreach (var node in pipeline.Nodes.OfType<StepNode>().Where(n => after.ContainsKey(n.Name) && before.ContainsKey(n.Name)))
        {
            var (was, now) = (before[node.Name], after[node.Name]);
            if (was is { } a && now is { } b && a != b && StepOutputCodec.FormatOf(node.OutputType) == StepOutputCodec.DataView)
            {
                // ML.NET's binary files are not byte-stable: data views compare by their canonical content.
                was = DataViewIdentity.Compute((IDataView)(await StepOutputCodec.RestoreAsync(_client.Content, ml, StepOutputCodec.DataView, node.OutputType, a, cancellationToken).ConfigureAwait(false))!, cancellationToken);
                now = DataViewIdentity.Compute((IDataView)(await StepOutputCodec.RestoreAsync(_client.Content, ml, StepOutputCodec.DataView, node.OutputType, b, cancellationToken).ConfigureAwait(false))!, cancellationToken);
            }

            steps.Add(new StepReproduction(node.Name, was, now));
        }

        return new PipelineReproduction(runId, rerun.Id, original.Source.GitCommit, rerun.Source.GitCommit, original.Source.GitDirty, rerun.Source.GitDirty, steps);
    }

    /// <summary>A dry run: what <see cref="RunAsync{TOptions}(Pipeline{TOptions}, TOptions, PipelineRunOptions?, CancellationToken)"/> would run and what it would reuse (and from which run), without running anything or recording a run.</summary>
    /// <typeparam name="TOptions">The pipeline's options.</typeparam>
    /// <param name="pipeline">The pipeline.</param>
    /// <param name="options">Its options.</param>
    /// <param name="runOptions">What to force and where to stop.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The plan: <see cref="StepStatus.Ran"/> means it would run.</returns>
    /// <exception cref="ArgumentException"><see cref="PipelineRunOptions.ForceFrom"/> or <see cref="PipelineRunOptions.UpTo"/> names no step.</exception>
    public virtual async Task<PipelineResult> PlanAsync<TOptions>(Pipeline<TOptions> pipeline, TOptions options, PipelineRunOptions? runOptions = null, CancellationToken cancellationToken = default)
        where TOptions : class
    {
        SdkCall.Enter();
        var execution = Prepare(pipeline, options, runOptions);
        await execution.PlanAsync(cancellationToken).ConfigureAwait(false);
        return execution.Result(null);
    }

    /// <summary>The output hash of each step run under a pipeline run, by step name.</summary>
    private async Task<Dictionary<string, ContentHash?>> StepOutputsAsync(RunInfo pipelineRun, CancellationToken cancellationToken)
    {
        var outputs = new Dictionary<string, ContentHash?>(StringComparer.Ordinal);
        var query = new RunQuery { Filter = $"attributes.parent_run_id = '{pipelineRun.Id}'" };
        query.Experiments.Add(pipelineRun.Experiment);
        await foreach (var step in _client.Runs.SearchAsync(query, cancellationToken).ConfigureAwait(false))
        {
            if (step.Tags.TryGetValue("mlops.step", out var name))
            {
                // A search returns summaries; the artifacts are in the run's record.
                var full = await _client.Runs.GetAsync(step.Id, cancellationToken).ConfigureAwait(false);
                outputs[name] = full.Artifacts.FirstOrDefault(a => a.Path == "output")?.Sha256;
            }
        }

        return outputs;
    }

    private PipelineExecution Prepare<TOptions>(Pipeline<TOptions> pipeline, TOptions options, PipelineRunOptions? runOptions)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(options);
        runOptions ??= new PipelineRunOptions();
        OptionsValidation.ThrowIfInvalid(runOptions);
        foreach (var name in new[] { runOptions.ForceFrom, runOptions.UpTo })
        {
            if (name is not null && !pipeline.Nodes.Any(n => n.Name == name))
            {
                throw new ArgumentException($"The pipeline '{pipeline.Name}' has no step '{name}' (steps: {string.Join(", ", pipeline.StepNames)}).", nameof(runOptions));
            }
        }

        // The pipeline's own set-up (custom mappings its models use), then the caller's.
        var configure = pipeline.ConfigureMLContext + runOptions.ConfigureMLContext;
        return new PipelineExecution(this, pipeline.Name, pipeline.Nodes, options, runOptions, configure);
    }

    /// <summary>The options' public properties as run parameters (nested objects as JSON).</summary>
    private static IEnumerable<KeyValuePair<string, object?>> Flatten(object options)
    {
        foreach (var property in options.GetType().GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var value = property.GetValue(options);
            yield return new($"options.{property.Name}", value is null or string or IFormattable or bool ? value : JsonSerializer.Serialize(value, value.GetType()));
        }
    }

    /// <summary>One run (or plan) of a pipeline: each node's key, status and value.</summary>
    private sealed class PipelineExecution(PipelineCatalog catalog, string pipeline, IReadOnlyList<PipelineNode> nodes, object options, PipelineRunOptions runOptions, Action<MLContext>? configure)
    {
        private readonly Dictionary<string, NodeState> _states = new(StringComparer.Ordinal);
        private readonly MLContext _ml = CreateContext(runOptions.Seed, configure, "mlops.pipeline.data");

        public PipelineRunOptions RunOptions { get; } = runOptions;

        private MlOpsClient Client => catalog._client;

        public async Task PlanAsync(CancellationToken cancellationToken)
        {
            foreach (var (node, skipped, forced) in Walk())
            {
                var state = await KeyAsync(node, cancellationToken).ConfigureAwait(false);
                if (node is DatasetNode or ModelNode)
                {
                    state.Status = StepStatus.Reused;
                    continue;
                }

                if (skipped)
                {
                    state.Status = StepStatus.Skipped;
                    continue;
                }

                var cached = forced || !RunOptions.UseCache ? null : await catalog.FindAsync(state.Key, cancellationToken).ConfigureAwait(false);
                state.Status = cached is null ? StepStatus.Ran : StepStatus.Reused;
                state.ReusedFrom = cached?.RunId;
                state.Detail = cached is not null ? $"would reuse the output of run {cached.RunId}" : forced ? "would run: forced" : "would run: not cached";
            }
        }

        public async Task ExecuteAsync(Run pipelineRun, CancellationToken cancellationToken)
        {
            foreach (var (node, skipped, forced) in Walk())
            {
                var clock = Stopwatch.StartNew();
                var state = await KeyAsync(node, cancellationToken).ConfigureAwait(false);
                if (node is DatasetNode)
                {
                    await pipelineRun.UseDatasetAsync(state.Dataset!, node.Name, cancellationToken).ConfigureAwait(false);
                    state.Status = StepStatus.Reused;
                    continue;
                }

                if (node is ModelNode)
                {
                    if (state.Model is { } version)
                    {
                        pipelineRun.LogInput(version.Uri, node.Name, version.Sha256);
                    }

                    state.Status = StepStatus.Reused;
                    continue;
                }

                var step = (StepNode)node;
                if (skipped)
                {
                    state.Status = StepStatus.Skipped;
                    state.Detail = $"after {RunOptions.UpTo}";
                    continue;
                }

                var cached = forced || !RunOptions.UseCache ? null : await catalog.FindAsync(state.Key, cancellationToken).ConfigureAwait(false);
                if (cached is not null)
                {
                    await ReuseAsync(pipelineRun, step, state, cached, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    state.Detail = forced ? "forced" : "not cached";
                    await RunStepAsync(pipelineRun, step, state, cancellationToken).ConfigureAwait(false);
                }

                state.Duration = clock.Elapsed;
                PipelineLog.StepDone(catalog._logger, pipeline, step.Name, state.Status, state.Detail);
            }
        }

        public PipelineResult Result(string? runId)
            => new(
                pipeline,
                runId,
                [.. nodes.Select(n => _states.TryGetValue(n.Name, out var s)
                    ? new StepResult(n.Name, s.Status, s.Key, s.RunId, s.ReusedFrom, s.Duration, s.Detail)
                    : new StepResult(n.Name, StepStatus.Skipped, string.Empty, null, null, TimeSpan.Zero, null))],
                (name, cancellationToken) => runId is null
                    ? throw new InvalidOperationException("A plan has no outputs; run the pipeline to get them.")
                    : ValueAsync(name, cancellationToken))
            {
                ConfigureMLContext = configure,
                Inputs = nodes.OfType<StepNode>().ToDictionary(n => n.Name, n => n.Inputs, StringComparer.Ordinal),
            };

        /// <summary>The nodes in order, with whether each is after <c>UpTo</c> and whether it is forced (<c>ForceFrom</c> or reads a forced one).</summary>
        private IEnumerable<(PipelineNode Node, bool Skipped, bool Forced)> Walk()
        {
            var forced = new HashSet<string>(StringComparer.Ordinal);
            var past = false;
            foreach (var node in nodes)
            {
                var isForced = node.Name == RunOptions.ForceFrom || (node is StepNode step && step.Inputs.Any(forced.Contains));
                if (isForced)
                {
                    forced.Add(node.Name);
                }

                yield return (node, past, isForced);
                past |= node.Name == RunOptions.UpTo;
            }
        }

        /// <summary>Resolves a node's cache key: a dataset's identity, or a step's code, parameters and inputs' keys.</summary>
        private async Task<NodeState> KeyAsync(PipelineNode node, CancellationToken cancellationToken)
        {
            var state = new NodeState();
            _states[node.Name] = state;
            switch (node)
            {
                case DatasetNode dataset:
                    var uri = RunOptions.DatasetVersions?.GetValueOrDefault(dataset.Name) ?? dataset.ResolveUri(options);
                    state.Dataset = await Client.Datasets.GetAsync(uri, cancellationToken).ConfigureAwait(false);
                    // The content, and how it is read: the same files read with another format or schema are other data.
                    state.Key = Hash($"mlops.pipeline.dataset.v2\n{state.Dataset.Identity}\n{state.Dataset.Format}\n{string.Join(';', state.Dataset.Schema.Select(c => $"{c.Name}:{c.Type}"))}");
                    state.Detail = state.Dataset.Uri;
                    break;
                case ModelNode model:
                    var modelUri = RunOptions.ModelVersions?.GetValueOrDefault(model.Name) ?? model.ResolveUri(options);
                    if (modelUri is null)
                    {
                        // No model: the readers train from scratch, and their keys say so.
                        state.Key = Hash("mlops.pipeline.model.v1\nnone");
                        state.Detail = "no model";
                        state.HasValue = true;
                        break;
                    }

                    var reference = Models.ModelRef.Parse(modelUri);
                    if (reference.Name is null)
                    {
                        throw new ArgumentException($"The model input '{model.Name}' of the pipeline '{pipeline}' names '{modelUri}', a run's artifact: name a registered version (models:/name/3) or alias (models:/name@alias).");
                    }

                    // An alias is resolved here, once: the key covers the version read, not a name that moves. The same
                    // bytes under another version number are the same parameters to start from.
                    state.Model = await Client.Models.GetAsync(reference, cancellationToken).ConfigureAwait(false);
                    state.Key = Hash($"mlops.pipeline.model.v1\n{state.Model.Sha256}\n{state.Model.Flavor}");
                    state.Detail = state.Model.Uri;
                    break;
                case StepNode step:
                    state.Parameters = step.Parameters(options);
                    state.ParametersJson = StepKeyParts.Parameters(step.Name, state.Parameters);
                    state.Fingerprint = StepFingerprint.Compute(step.Body, step.Version);
                    var captured = StepKeyParts.Captured(step.Name, step.Body, options.GetType());
                    var text = new StringBuilder()
                        .Append("mlops.pipeline.step.v1\n")
                        .Append(step.Name).Append('\n')
                        .Append(state.Fingerprint).Append('\n')
                        .Append(step.OutputType.FullName).Append('\n')
                        .Append(CultureInfo.InvariantCulture, $"seed {RunOptions.Seed}\n")
                        .Append(state.ParametersJson).Append('\n')
                        .Append(captured).Append('\n');
                    foreach (var input in step.Inputs)
                    {
                        text.Append(input).Append('=').Append(_states[input].Key).Append('\n');
                    }

                    state.Key = Hash(text.ToString());
                    break;
            }

            return state;
        }

        private async Task RunStepAsync(Run pipelineRun, StepNode step, NodeState state, CancellationToken cancellationToken)
        {
            var inputs = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var input in step.Inputs)
            {
                inputs[input] = await ValueAsync(input, cancellationToken).ConfigureAwait(false);
            }

            var run = await StartStepRunAsync(pipelineRun, step, state, "miss", null, cancellationToken).ConfigureAwait(false);
            await using var disposeRun = run.ConfigureAwait(false);
            try
            {
                var output = await step.Execute(state.Parameters, inputs, CreateContext(RunOptions.Seed, configure, step.Name), run, cancellationToken).ConfigureAwait(false);
                var format = StepOutputCodec.FormatOf(step.OutputType);
                var stored = await StepOutputCodec.StoreAsync(Client.Content, _ml, format, step.OutputType, output, inputs.Values, cancellationToken).ConfigureAwait(false);

                // Later steps read a data view (and a JSON value) as the cache holds it, whether this step ran or is reused:
                // ML.NET trainers behave differently on an in-memory view (hidden columns, no shuffling) than on its stored
                // form, and a run that reuses must give what a run that does not gives.
                if (format == StepOutputCodec.Json)
                {
                    var bytes = await Client.Content.ReadAsync(stored.Hash, cancellationToken).ConfigureAwait(false);
                    object? restored = null;
                    StepOutputCodec.CheckRoundTrip(step.Name, step.OutputType, output, () => restored = JsonSerializer.Deserialize(bytes.ToMemory().Span, step.OutputType, StepKeyParts.Json));
                    state.Value = restored;
                }
                else
                {
                    state.Value = format == StepOutputCodec.Model
                        ? output
                        : await StepOutputCodec.RestoreAsync(Client.Content, _ml, format, step.OutputType, stored.Hash, cancellationToken).ConfigureAwait(false);
                }

                await run.RecordStoredArtifactAsync("output", stored, cancellationToken).ConfigureAwait(false);

                // What the step logged is stored before the cache names its run: a run that reuses it copies from there.
                await run.FlushAsync(cancellationToken).ConfigureAwait(false);
                await catalog.RememberAsync(
                    new StepCacheRecord
                    {
                        Key = state.Key,
                        Step = step.Name,
                        Pipeline = pipeline,
                        Format = format,
                        OutputType = step.OutputType.FullName ?? step.OutputType.Name,
                        Sha256 = stored.Hash.ToString(),
                        Size = stored.Length,
                        RunId = run.Id,
                        CreatedAt = Client.TimeProvider.GetUtcNow(),
                        CodeFingerprint = state.Fingerprint,
                        Parameters = state.ParametersJson,
                    },
                    cancellationToken).ConfigureAwait(false);
                await run.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await run.EndWithAsync(ex).ConfigureAwait(false);
                throw;
            }

            state.HasValue = true;
            state.Status = StepStatus.Ran;
            state.RunId = run.Id;
        }

        /// <summary>
        /// Records a reused step: a run born finished (one record write, no heartbeat) with the output as its artifact, the
        /// parameters the step logged when it ran and the last value of each metric it logged (the history stays with the
        /// original run, which the tag <c>mlops.step.reused_from</c> names), so a run that reuses records the results a run
        /// that does not records, at a fraction of the writes. Copying is best effort: the output is reused whatever happens.
        /// </summary>
        private async Task ReuseAsync(Run pipelineRun, StepNode step, NodeState state, StepCacheRecord cached, CancellationToken cancellationToken)
        {
            var start = StepRunOptions(pipelineRun, step, state, "hit", cached.RunId);
            IReadOnlyDictionary<string, MetricSummary> metrics = new Dictionary<string, MetricSummary>();
            try
            {
                var original = await Client.Runs.GetAsync(cached.RunId, cancellationToken).ConfigureAwait(false);
                foreach (var (name, value) in original.Parameters)
                {
                    start.Parameters.TryAdd(name, value);
                }

                metrics = original.Metrics;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                PipelineLog.CopyFailed(catalog._logger, ex, pipeline, step.Name, cached.RunId);
                start.Tags["mlops.step.copied"] = "partial";
            }

            var output = new RunArtifact("output", ContentHash.Parse(cached.Sha256), cached.Size);
            state.RunId = await Client.Runs.RecordFinishedAsync(pipelineRun.Experiment, start, [output], metrics, cancellationToken).ConfigureAwait(false);
            state.Cached = cached;
            state.Status = StepStatus.Reused;
            state.ReusedFrom = cached.RunId;
            state.Detail = $"reused the output of run {cached.RunId}";
        }

        /// <summary>A step run's name, parent, tags (key, code, cache hit or miss, the run reused) and its parameters as JSON.</summary>
        private StartRunOptions StepRunOptions(Run pipelineRun, StepNode step, NodeState state, string cache, string? reusedFrom)
        {
            var start = new StartRunOptions { Name = step.Name, ParentRunId = pipelineRun.Id };
            start.Tags["mlops.pipeline"] = pipeline;
            start.Tags["mlops.step"] = step.Name;
            start.Tags["mlops.step.key"] = state.Key;
            start.Tags["mlops.step.cache"] = cache;
            start.Tags["mlops.step.code"] = state.Fingerprint!;
            if (reusedFrom is not null)
            {
                start.Tags["mlops.step.reused_from"] = reusedFrom;
            }

            if (state.ParametersJson is { Length: > 2 } json)
            {
                start.Parameters["step.parameters"] = json.Length > TrackingNames.MaxParameterValueLength ? json[..TrackingNames.MaxParameterValueLength] : json;
            }

            return start;
        }

        private Task<Run> StartStepRunAsync(Run pipelineRun, StepNode step, NodeState state, string cache, string? reusedFrom, CancellationToken cancellationToken)
            => pipelineRun.StartChildAsync(step.Name, StepRunOptions(pipelineRun, step, state, cache, reusedFrom), cancellationToken);

        /// <summary>A node's value: computed here, restored from the cache, or a dataset loaded.</summary>
        private async Task<object?> ValueAsync(string name, CancellationToken cancellationToken)
        {
            var state = _states.TryGetValue(name, out var known) ? known : throw new KeyNotFoundException($"The pipeline '{pipeline}' has no step '{name}'.");
            if (state.HasValue)
            {
                return state.Value;
            }

            var node = nodes.First(n => n.Name == name);
            if (state.Dataset is { } dataset)
            {
                state.Value = await dataset.LoadAsync(_ml, cancellationToken).ConfigureAwait(false);
            }
            else if (state.Model is { } model)
            {
                // Hash verified before ML.NET reads it, in a context prepared as the steps' are (custom mappings).
                state.Value = (await Client.Models.LoadAsync(model.Ref, _ml, cancellationToken).ConfigureAwait(false)).Model;
            }
            else if (state.Cached is { } cached)
            {
                state.Value = await StepOutputCodec.RestoreAsync(Client.Content, _ml, cached.Format, node.OutputType, ContentHash.Parse(cached.Sha256), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                throw new InvalidOperationException($"The step '{name}' did not run (status {state.Status}): it has no output.");
            }

            state.HasValue = true;
            return state.Value;
        }

        private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

        /// <summary>A context of its own for each step: ML.NET hands its components seeds in turn, so a shared one would make a step's randomness depend on which steps ran before it.</summary>
        private static MLContext CreateContext(int pipelineSeed, Action<MLContext>? configure, string stepName)
        {
            var seed = BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes($"{pipelineSeed}\n{stepName}"))) & int.MaxValue;
            var ml = new MLContext(seed);
            configure?.Invoke(ml);
            return ml;
        }
    }

    /// <summary>The cache record of a key, if its content is still stored (a record whose content was collected is a miss).</summary>
    private async Task<StepCacheRecord?> FindAsync(string key, CancellationToken cancellationToken)
    {
        var record = await _records.GetAsync(PipelineKeys.Cache(key), PipelineJsonContext.Default.StepCacheRecord, cancellationToken).ConfigureAwait(false);
        return record is not null && await _client.Content.ExistsAsync(ContentHash.Parse(record.Sha256), cancellationToken).ConfigureAwait(false) ? record : null;
    }

    private async Task RememberAsync(StepCacheRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await _records.CreateAsync(PipelineKeys.Cache(record.Key), record, PipelineJsonContext.Default.StepCacheRecord, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            // Another run cached the same key meanwhile (same code, parameters and inputs): either output will do.
            PipelineLog.CacheRace(_logger, record.Pipeline, record.Step, record.Key);
        }
    }

    private sealed class NodeState
    {
        public string Key { get; set; } = string.Empty;

        public StepStatus Status { get; set; } = StepStatus.Skipped;

        public string? Detail { get; set; }

        public string? RunId { get; set; }

        public string? ReusedFrom { get; set; }

        public TimeSpan Duration { get; set; }

        public DatasetVersion? Dataset { get; set; }

        public Models.ModelVersion? Model { get; set; }

        public object? Parameters { get; set; }

        public string? ParametersJson { get; set; }

        public string? Fingerprint { get; set; }

        public StepCacheRecord? Cached { get; set; }

        public object? Value { get; set; }

        public bool HasValue { get; set; }
    }
}

/// <summary>Where pipelines keep things: <c>pipelines/cache/{key}.json</c>, a step's cached output.</summary>
internal static class PipelineKeys
{
    public static string Cache(string key) => $"pipelines/cache/{key}.json";
}
