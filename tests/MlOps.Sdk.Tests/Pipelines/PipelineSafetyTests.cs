using Microsoft.Extensions.Configuration;
using Microsoft.ML;
using MlOps.Sdk.Pipelines;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Pipelines;

/// <summary>What must never give a false cache hit, and failure paths: parameters in fields and tuples, captured values, JSON outputs, forced datasets, outputs that cannot be stored, the command line's exit codes, list overlays.</summary>
public sealed class PipelineSafetyTests
{
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _client = TrackingClients.Create(new InMemoryObjectStore());
        var ml = new MLContext(seed: 1);
        await _client.Datasets.RegisterDataViewAsync("points", ml.Data.LoadFromEnumerable(Enumerable.Range(0, 100).Select(i => new PipelineCachingTests.Point { X = i % 50, Y = (2 * (i % 50)) + 1 })), ml);
    }

    [Test]
    public async Task TupleParameters_AreInTheKey()
    {
        var pipeline = Pipeline.Create<LineOptions>("tuple", p =>
        {
            var points = p.Dataset("points", o => o.Data);
            p.Step("iters", [points], o => (o.MaxX, o.Iterations), ctx => ctx.Parameters.Iterations);
        });
        await _client.Pipelines.RunAsync(pipeline, new LineOptions { Iterations = 5 });
        var second = await _client.Pipelines.RunAsync(pipeline, new LineOptions { Iterations = 9 });
        Assert.That(await second.GetAsync(new StepOutput<int>("iters")), Is.EqualTo(9));
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1051:Do not declare visible instance fields", Justification = "The point: parameters held in a field.")]
    public sealed class FieldParams
    {
        public int Iterations;
    }

    [Test]
    public async Task FieldParameters_AreInTheKey()
    {
        var pipeline = Pipeline.Create<LineOptions>("fields", p =>
        {
            var points = p.Dataset("points", o => o.Data);
            p.Step("iters", [points], o => new FieldParams { Iterations = o.Iterations }, ctx => ctx.Parameters.Iterations);
        });
        await _client.Pipelines.RunAsync(pipeline, new LineOptions { Iterations = 5 });
        var second = await _client.Pipelines.RunAsync(pipeline, new LineOptions { Iterations = 9 });
        Assert.That(await second.GetAsync(new StepOutput<int>("iters")), Is.EqualTo(9));
    }

    [Test]
    public async Task TupleOutput_IsRestoredFromTheCacheAsItWas()
    {
        var pipeline = Pipeline.Create<LineOptions>("tuple-out", p =>
        {
            var points = p.Dataset("points", o => o.Data);
            p.Step("metrics", [points], ctx => (Rmse: 1.5, R2: 0.9));
        });
        await _client.Pipelines.RunAsync(pipeline, new LineOptions());
        var second = await _client.Pipelines.RunAsync(pipeline, new LineOptions());
        Assert.That(second["metrics"].Status, Is.EqualTo(StepStatus.Reused));
        Assert.That(await second.GetAsync(new StepOutput<(double Rmse, double R2)>("metrics")), Is.EqualTo((1.5, 0.9)));
    }

    private static Pipeline<LineOptions> Captured(int leaves) => Pipeline.Create<LineOptions>("captured", p =>
    {
        var points = p.Dataset("points", o => o.Data);
        p.Step("leaves", [points], ctx => leaves);
    });

    [Test]
    public async Task ACapturedValue_IsInTheKey()
    {
        await _client.Pipelines.RunAsync(Captured(31), new LineOptions());
        var second = await _client.Pipelines.RunAsync(Captured(63), new LineOptions());
        Assert.That(await second.GetAsync(new StepOutput<int>("leaves")), Is.EqualTo(63));
    }

    [Test]
    public async Task ForceFrom_ADataset_RerunsItsReaders()
    {
        var pipeline = LinePipeline.Create(new StepCounter()).Pipeline;
        await _client.Pipelines.RunAsync(pipeline, new LineOptions());
        var forced = await _client.Pipelines.RunAsync(pipeline, new LineOptions(), new PipelineRunOptions { ForceFrom = "points" });
        Assert.That(forced["clean"].Status, Is.EqualTo(StepStatus.Ran));
    }

    [Test]
    public async Task AnOutputThatCannotBeStored_FailsTheStepsRun()
    {
        var pipeline = Pipeline.Create<LineOptions>("null-view", p =>
        {
            var points = p.Dataset("points", o => o.Data);
            p.Step("nothing", [points], ctx => (IDataView)null!);
        });
        Assert.ThrowsAsync<InvalidOperationException>(() => _client.Pipelines.RunAsync(pipeline, new LineOptions()));
        var runs = await _client.Runs.SearchAsync(new RunQuery { Experiments = { "null-view" } }).ToListAsync();
        var step = runs.Single(r => r.Tags.ContainsKey("mlops.step"));
        Assert.That(step.Status, Is.EqualTo(RunStatus.Failed));
    }

    [Test]
    public async Task CommandLine_AMisspelledVariant_IsABadArgument()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipelines:line:Data"] = "datasets:/points@latest",
            ["Pipelines:line:Variants:west:Iterations"] = "6",
        }).Build();
        using var output = new StringWriter();
        var code = await PipelineCommandLine.RunAsync(_client, LinePipeline.Create(new StepCounter()).Pipeline, configuration, ["plan", "--variant", "wset", "--set", "Iterations=9"], new() { Output = output });
        Assert.That(code, Is.EqualTo(2), output.ToString());
    }

    [Test]
    public async Task CommandLine_AFailingStep_ExitsWithOne_NotTheBadArgumentsCode()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Pipelines:bad-step:Data"] = "datasets:/points@latest" }).Build();
        var pipeline = Pipeline.Create<LineOptions>("bad-step", p =>
        {
            var points = p.Dataset("points", o => o.Data);
            p.Step("select", [points], ctx => ctx.Get(points).Schema["NoSuchColumn"].Index);
        });
        using var output = new StringWriter();
        var code = await PipelineCommandLine.RunAsync(_client, pipeline, configuration, ["run"], new() { Output = output });
        Assert.That(code, Is.EqualTo(1), output.ToString());
        Assert.That(output.ToString(), Does.Contain("failed: ArgumentOutOfRangeException").Or.Contain("failed: ArgumentException"));
    }

    [Test]
    public async Task VariantList_ReplacesThePipelinesList()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipelines:lists:Features:0"] = "x",
            ["Pipelines:lists:Features:1"] = "y",
            ["Pipelines:lists:Variants:v:Features:0"] = "a",
        }).Build();
        var bound = PipelineConfiguration.Bind<ListOptions>(configuration, "lists", "v");
        Assert.That(bound.Features, Is.EqualTo(new[] { "a" }));
    }

    public sealed class ListOptions
    {
        public List<string> Features { get; set; } = [];
    }

    [Test]
    public void CapturingTheOptions_IsRefused_NamingTheWayOut()
    {
        var options = new LineOptions();
        var pipeline = Pipeline.Create<LineOptions>("captures-options", p =>
        {
            var points = p.Dataset("points", o => o.Data);
            p.Step("leaky", [points], ctx => options.Iterations);
        });

        var error = Assert.ThrowsAsync<ArgumentException>(() => _client.Pipelines.RunAsync(pipeline, options));

        Assert.That(error!.Message, Does.Contain("captures the pipeline's options").And.Contain("parameters"));
    }

    [Test]
    public void AnOutputThatDoesNotSurviveJson_IsRefused()
    {
        var pipeline = Pipeline.Create<LineOptions>("opaque", p =>
        {
            var points = p.Dataset("points", o => o.Data);
            p.Step("opaque", [points], _ => new Opaque(3));
        });

        var error = Assert.ThrowsAsync<InvalidOperationException>(() => _client.Pipelines.RunAsync(pipeline, new LineOptions()));

        Assert.That(error!.Message, Does.Contain("does not survive"));
    }

    public sealed class Opaque(int value)
    {
        public int Value() => value;
    }
}
