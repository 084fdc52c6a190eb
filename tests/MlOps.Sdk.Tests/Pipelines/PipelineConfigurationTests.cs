using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.ML;
using MlOps.Sdk.Pipelines;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Pipelines;

/// <summary>Options bound from configuration, variants as overlays that register their own models, the command line.</summary>
public sealed class PipelineConfigurationTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Pipelines:line:Data"] = "datasets:/points@latest",
        ["Pipelines:line:Iterations"] = "4",
        ["Pipelines:line:ModelName"] = "line",
        ["Pipelines:line:Variants:west:Iterations"] = "6",
        ["Pipelines:line:Variants:west:ModelName"] = "line-west",
        ["Pipelines:line:Variants:east:Iterations"] = "8",
        ["Pipelines:line:Variants:east:ModelName"] = "line-east",
    };

    private MlOpsClient _client = null!;
    private IConfiguration _configuration = null!;

    [SetUp]
    public async Task SetUp()
    {
        _client = TrackingClients.Create(new InMemoryObjectStore());
        _configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings).Build();
        var ml = new MLContext(seed: 1);
        await _client.Datasets.RegisterDataViewAsync("points", ml.Data.LoadFromEnumerable(Enumerable.Range(0, 100).Select(i => new PipelineCachingTests.Point { X = i % 50, Y = (2 * (i % 50)) + 1 })), ml);
    }

    [Test]
    public void Bind_LaysTheVariantOverThePipelinesSection_AndNamesTheVariantsWhenOneIsMissing()
    {
        var base_ = PipelineConfiguration.Bind<LineOptions>(_configuration, "line");
        var west = PipelineConfiguration.Bind<LineOptions>(_configuration, "line", "west");
        var missing = Assert.Throws<ArgumentException>(() => PipelineConfiguration.Bind<LineOptions>(_configuration, "line", "north"));
        var invalid = Assert.Throws<OptionsValidationException>(() => PipelineConfiguration.Bind<CheckedOptions>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Pipelines:checked:Leaves"] = "0" }).Build(), "checked"));

        Assert.That((base_.Iterations, base_.ModelName, base_.Data), Is.EqualTo((4, "line", "datasets:/points@latest")));
        Assert.That((west.Iterations, west.ModelName, west.Data), Is.EqualTo((6, "line-west", "datasets:/points@latest")), "the variant sets what it names; the rest is the pipeline's");
        Assert.That(missing!.Message, Does.Contain("'north'").And.Contain("east, west"));
        Assert.That(invalid!.Message, Does.Contain("Leaves"));
    }

    [Test]
    public async Task Variants_RunWithTheirOwnParameters_AndRegisterTheirOwnModels_WithoutFalseHits()
    {
        var pipeline = LinePipeline.Create(new StepCounter());

        var west = await _client.Pipelines.RunAsync(pipeline.Pipeline, _configuration, "west");
        var east = await _client.Pipelines.RunAsync(pipeline.Pipeline, _configuration, "east");
        var westModel = await _client.Pipelines.RegisterModelAsync(west, pipeline.Model, PipelineConfiguration.Bind<LineOptions>(_configuration, "line", "west").ModelName);
        var eastModel = await _client.Pipelines.RegisterModelAsync(east, pipeline.Model, PipelineConfiguration.Bind<LineOptions>(_configuration, "line", "east").ModelName);

        var westRun = await _client.Runs.GetAsync(west.RunId!);
        var trainRun = await _client.Runs.GetAsync(east["train"].RunId!);
        Assert.That(east["clean"].Status, Is.EqualTo(StepStatus.Reused), "what the variants share (same data, same parameters) is computed once");
        Assert.That(east["train"].Status, Is.EqualTo(StepStatus.Ran), "east's iterations differ: no hit on west's model");
        Assert.That(westRun.Tags["mlops.pipeline.variant"], Is.EqualTo("west"));
        Assert.That(westRun.Parameters["options.Iterations"], Is.EqualTo("6"), "the resolved configuration is recorded");
        Assert.That((westModel.Name, eastModel.Name), Is.EqualTo(("line-west", "line-east")));
        Assert.That(eastModel.Tags["mlops.pipeline.variant"], Is.EqualTo("east"));
        Assert.That(eastModel.SourceRunId, Is.EqualTo(east["train"].RunId));
        Assert.That(eastModel.Sha256, Is.EqualTo(trainRun.Artifacts.Single(a => a.Path == "output").Sha256), "the very bytes the step stored");
        Assert.That(eastModel.Datasets.Single().Uri, Is.EqualTo("datasets:/points/1"));
    }

    [Test]
    public async Task CommandLine_AfterRun_SeesTheVariantsOptions_OnlyAfterAWholeRun_AndItsFailureExitsOne()
    {
        var pipeline = LinePipeline.Create(new StepCounter()).Pipeline;
        using var output = new StringWriter();
        var seen = new List<(string? RunId, string ModelName, StepStatus Train)>();
        var options = new PipelineCommandLineOptions<LineOptions>
        {
            Output = output,
            AfterRun = (result, bound, _) =>
            {
                seen.Add((result.RunId, bound.ModelName, result["train"].Status));
                return bound.ModelName == "line-east" ? throw new InvalidOperationException("no registry today") : Task.CompletedTask;
            },
        };

        var west = await PipelineCommandLine.RunAsync(_client, pipeline, _configuration, ["run", "--variant", "west"], options);
        var partial = await PipelineCommandLine.RunAsync(_client, pipeline, _configuration, ["run", "--variant", "west", "--up-to", "scale"], options);
        var east = await PipelineCommandLine.RunAsync(_client, pipeline, _configuration, ["run", "--variant", "east"], options);

        Assert.That((west, partial, east), Is.EqualTo((0, 0, 1)));
        Assert.That(seen.Select(s => (s.ModelName, s.Train)), Is.EqualTo(new[] { ("line-west", StepStatus.Ran), ("line-east", StepStatus.Ran) }), "not after --up-to: the model step did not run");
        Assert.That(output.ToString(), Does.Contain($"failed after the run {seen[1].RunId} completed: InvalidOperationException: no registry today"));
    }

    [Test]
    public async Task CommandLine_RunsPlansAndListsVariants_WithSetValuesWinning()
    {
        var pipeline = LinePipeline.Create(new StepCounter()).Pipeline;
        using var output = new StringWriter();

        var ran = await PipelineCommandLine.RunAsync(_client, pipeline, _configuration, ["run", "--variant", "west", "--set", "Iterations=9", "--env", "dev"], new() { Output = output });
        var planned = await PipelineCommandLine.RunAsync(_client, pipeline, _configuration, ["plan", "--variant", "west", "--set", "Iterations=9"], new() { Output = output });
        var listed = await PipelineCommandLine.RunAsync(_client, pipeline, _configuration, ["variants"], new() { Output = output });
        var bad = await PipelineCommandLine.RunAsync(_client, pipeline, _configuration, ["run", "--sett", "x=1"], new() { Output = output });

        var text = output.ToString();
        var run = await _client.Runs.SearchAsync(new RunQuery { Experiments = { "line" }, Filter = "tags.mlops.pipeline.variant = 'west'" }).SingleAsync();
        Assert.That((ran, planned, listed, bad), Is.EqualTo((0, 0, 0, 2)));
        Assert.That(run.Parameters["options.Iterations"], Is.EqualTo("9"), "--set wins over the variant");
        Assert.That(text, Does.Contain($"run {run.Id}"));
        Assert.That(text, Does.Contain("would reuse the output of run"));
        Assert.That(text, Does.Contain("east\nwest\n").Or.Contain("east\r\nwest\r\n"));
        Assert.That(text, Does.Contain("error: Unknown option '--sett'"));
        Assert.That(PipelineCommandLine.EnvironmentName(["run", "--env", "dev"]), Is.EqualTo("dev"));
    }

    public sealed class CheckedOptions
    {
        [System.ComponentModel.DataAnnotations.Range(1, 1000)]
        public int Leaves { get; set; } = 31;
    }
}
