using Microsoft.Extensions.Options;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Sdk.Data;
using MlOps.Sdk.Models;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Models;

/// <summary>
/// Batch scoring: a dataset version scored by a model version into a new dataset version, with the run, the versions
/// it read and wrote, and the alias resolution as lineage. The model is a small binary classification (label: X &gt; 50)
/// that normalizes X in place, so carried input columns must keep their input values.
/// </summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class BatchScoringTests(StoreKind kind)
{
    private TestStore _test = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _client = TrackingClients.Create(_test.Store);
        var (model, schema) = Train(iterations: 20, invert: false);
        await _client.Models.RegisterAsync("points", model, schema);
        await _client.Models.PromoteAsync("points", "production", 1, "first model");
        await _client.Datasets.RegisterDataViewAsync("to-score", Unlabelled(seed: 7), new MLContext(seed: 1));
    }

    [TearDown]
    public async Task TearDown() => await _test.DisposeAsync();

    [Test]
    public async Task ScoreAsync_WritesWhatTheModelPredicts_RowByRow_WithTheInputColumnsAsTheyWere()
    {
        var result = await _client.Models.ScoreAsync("models:/points/1", "datasets:/to-score/1", "points-scored");

        var ml = new MLContext(seed: 1);
        var input = await (await _client.Datasets.GetAsync("datasets:/to-score/1")).LoadAsync(ml);
        var loaded = await _client.Models.LoadAsync("models:/points/1");
        var expected = ml.Data.CreateEnumerable<Scored>(loaded.Model.Transform(input), reuseRowObject: false).ToList();
        var output = await _client.Datasets.GetAsync(result.Output.Uri);
        var written = ml.Data.CreateEnumerable<Scored>(await output.LoadAsync(ml), reuseRowObject: false).ToList();
        var inputRows = ml.Data.CreateEnumerable<UnlabelledPoint>(input, reuseRowObject: false).ToList();

        Assert.That(output.Schema.Select(c => c.Name), Is.EqualTo(new[] { "Id", "X", "Z", "PredictedLabel", "Score", "Probability" }), "the input's scalar columns, then the model's new scalar ones: no Features, no hidden columns");
        Assert.That((result.Output.Created, result.RowCount, output.RowCount), Is.EqualTo((true, 200L, (long?)200)));
        Assert.That(written.Select(r => (r.PredictedLabel, r.Score, r.Probability)), Is.EqualTo(expected.Select(r => (r.PredictedLabel, r.Score, r.Probability))), "what the model predicts, row by row");
        Assert.That(written.Select(r => (r.Id, r.X, r.Z)), Is.EqualTo(inputRows.Select(r => (r.Id, r.X, r.Z))), "X as it was in the input, not as the model normalized it");
        Assert.That(written.Count(r => r.PredictedLabel == r.X > 50), Is.GreaterThan(150), "a model that learned something (chance: about 100)");
    }

    [Test]
    public async Task ScoreAsync_RecordsLineage_TheRunReadsTheDatasetAndTheAliasesVersion_AndProducesTheOutput()
    {
        var result = await _client.Models.ScoreAsync("models:/points@production", "datasets:/to-score@latest", "points-scored");

        var run = await _client.Runs.GetAsync(result.RunId);
        var output = await _client.Datasets.GetAsync("datasets:/points-scored/1");
        Assert.That((result.Model.Uri, result.Input.Uri, result.Output.Uri), Is.EqualTo(("models:/points/1", "datasets:/to-score/1", "datasets:/points-scored/1")), "aliases resolved to fixed versions");
        Assert.That((run.Status, run.Experiment), Is.EqualTo((RunStatus.Finished, "batch-scoring")));
        Assert.That(run.Inputs.Select(i => (i.Uri, i.Context, i.Sha256)), Is.EquivalentTo(new (string, string?, MlOps.Sdk.Storage.ContentHash?)[]
        {
            ("datasets:/to-score/1", "scoring", result.Input.Identity),
            ("models:/points/1", "model", result.Model.Sha256),
        }));
        Assert.That(run.Outputs.Select(o => (o.Uri, o.Sha256)), Is.EqualTo(new (string, MlOps.Sdk.Storage.ContentHash?)[] { ("datasets:/points-scored/1", output.Identity) }));
        Assert.That(run.Parameters["model"], Is.EqualTo("models:/points/1"));
        Assert.That(run.Parameters["model.reference"], Is.EqualTo("models:/points@production"), "what was asked, next to what it meant");
        Assert.That(run.Parameters["dataset.reference"], Is.EqualTo("datasets:/to-score@latest"));
        Assert.That(run.Metrics["rows"].Last, Is.EqualTo(200));
        Assert.That(run.Metrics["duration_seconds"].Last, Is.GreaterThan(0));
        Assert.That(output.ProducedBy!.RunId, Is.EqualTo(result.RunId));
        Assert.That(output.ProducedBy.Parameters["model"], Is.EqualTo("models:/points/1"));
        Assert.That(output.Tags["mlops.scoring.model"], Is.EqualTo("models:/points/1"));
        Assert.That((await _client.Datasets.GetUsageAsync(result.Input.Ref)).Select(u => (u.RunId, u.Experiment, u.Contexts.Single())), Is.EqualTo(new[] { (result.RunId, "batch-scoring", "scoring") }));
    }

    [Test]
    public async Task ScoreAsync_IdenticalData_IsTheSameVersion_ProducedByTheFirstRun_AndTheSecondRunRecordsIt()
    {
        var first = await _client.Models.ScoreAsync("models:/points/1", "datasets:/to-score/1", "points-scored");
        var second = await _client.Models.ScoreAsync("models:/points@production", "datasets:/to-score/1", "points-scored");

        Assert.That((second.Output.Uri, second.Output.Created, second.Output.Identity), Is.EqualTo((first.Output.Uri, false, first.Output.Identity)), "identity is content: the same predictions are the same version");
        Assert.That(second.RunId, Is.Not.EqualTo(first.RunId));
        Assert.That(second.Output.ProducedBy!.RunId, Is.EqualTo(first.RunId), "a version's producer is the run that first made it");
        var run = await _client.Runs.GetAsync(second.RunId);
        Assert.That((run.Status, run.Tags["mlops.scoring.created"]), Is.EqualTo((RunStatus.Finished, "false")));
        Assert.That(run.Outputs.Select(o => o.Uri), Is.EqualTo(new[] { "datasets:/points-scored/1" }), "the second run still records the version it produced");
        Assert.That(await _client.Datasets.ListVersionsAsync("points-scored").CountAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task ScoreAsync_AliasMovesBetweenScorings_EachOutputNamesTheVersionThatScoredIt()
    {
        var first = await _client.Models.ScoreAsync("models:/points@production", "datasets:/to-score/1", "points-scored");
        var (inverted, schema) = Train(iterations: 20, invert: true);
        await _client.Models.RegisterAsync("points", inverted, schema);
        await _client.Models.PromoteAsync("points", "production", 2, "second model");

        var second = await _client.Models.ScoreAsync("models:/points@production", "datasets:/to-score/1", "points-scored");

        Assert.That((first.Model.Version, second.Model.Version), Is.EqualTo((1, 2)));
        Assert.That((first.Output.Version, second.Output.Version, second.Output.Created), Is.EqualTo((1, 2, true)), "other predictions, another version");
        var v1 = await _client.Datasets.GetAsync("datasets:/points-scored/1");
        var v2 = await _client.Datasets.GetAsync("datasets:/points-scored/2");
        Assert.That((v1.ProducedBy!.RunId, v2.ProducedBy!.RunId), Is.EqualTo((first.RunId, second.RunId)));
        Assert.That((v1.ProducedBy.Parameters["model"], v2.ProducedBy.Parameters["model"]), Is.EqualTo(("models:/points/1", "models:/points/2")));
        Assert.That((v1.ProducedBy.Parameters["model.reference"], v2.ProducedBy.Parameters["model.reference"]), Is.EqualTo(("models:/points@production", "models:/points@production")));
        Assert.That((await _client.Runs.GetAsync(second.RunId)).Inputs.Single(i => i.Context == "model").Uri, Is.EqualTo("models:/points/2"));
    }

    [Test]
    public async Task ScoreAsync_DataWithoutAColumnTheModelReads_ThrowsNamingIt_RegistersNothing_AndTheRunFails()
    {
        var ml = new MLContext(seed: 1);
        var noZ = ml.Transforms.SelectColumns("Id", "X").Fit(Unlabelled(seed: 7)).Transform(Unlabelled(seed: 7));
        await _client.Datasets.RegisterDataViewAsync("without-z", noZ, ml);

        var error = Assert.ThrowsAsync<ScoringSchemaMismatchException>(() => _client.Models.ScoreAsync("models:/points/1", "datasets:/without-z/1", "points-scored"));

        Assert.That(error!.Problems, Is.EqualTo(new[] { "no column 'Z' (Single)" }), "the label the model was trained with is not needed to score");
        Assert.That((error.Dataset, error.Model), Is.EqualTo(("datasets:/without-z/1", "models:/points/1")));
        Assert.That(error.Message, Does.Contain("datasets:/without-z/1 cannot be scored by models:/points/1: no column 'Z' (Single)"));
        Assert.That(await _client.Datasets.ListVersionsAsync("points-scored").CountAsync(), Is.Zero, "no version, not even half of one");
        var runs = await _client.Runs.SearchAsync(new RunQuery { Experiments = { "batch-scoring" } }).ToListAsync();
        Assert.That(runs.Select(r => (r.Status, r.Failure?.Type)), Is.EqualTo(new[] { (RunStatus.Failed, (string?)typeof(ScoringSchemaMismatchException).FullName) }));
        Assert.That(runs.Single().Outputs, Is.Empty);
    }

    [Test]
    public async Task ScoreAsync_DataWithAColumnOfAnotherType_ThrowsNamingBothTypes()
    {
        var ml = new MLContext(seed: 1);
        var doubled = ml.Transforms.Conversion.ConvertType("X", outputKind: DataKind.Double).Fit(Unlabelled(seed: 7)).Transform(Unlabelled(seed: 7));
        await _client.Datasets.RegisterDataViewAsync("x-as-double", ml.Transforms.SelectColumns("Id", "X", "Z").Fit(doubled).Transform(doubled), ml);

        var error = Assert.ThrowsAsync<ScoringSchemaMismatchException>(() => _client.Models.ScoreAsync("models:/points/1", "datasets:/x-as-double/1", "points-scored"));

        Assert.That(error!.Problems, Is.EqualTo(new[] { "'X' is Double, the model reads Single" }));
        Assert.That(await _client.Datasets.ListVersionsAsync("points-scored").CountAsync(), Is.Zero);
    }

    [Test]
    public async Task ScoreAsync_ChosenColumns_AreWrittenInTheirOrder_VectorsWhenNamed()
    {
        var options = new BatchScoringOptions { Experiment = "nightly-scoring", InputColumns = ["Id"], OutputColumns = ["PredictedLabel", "Features"] };
        options.Tags["team"] = "risk";

        var result = await _client.Models.ScoreAsync(ModelRef.ForVersion("points", 1), DatasetRef.ForVersion("to-score", 1), "points-scored", options);

        Assert.That(result.Output.Schema.Select(c => c.Name), Is.EqualTo(new[] { "Id", "PredictedLabel", "Features" }));
        Assert.That(result.Output.Schema[2].Type, Does.StartWith("Vector<Single"));
        Assert.That(result.Output.Tags["team"], Is.EqualTo("risk"));
        Assert.That((await _client.Runs.GetAsync(result.RunId)).Experiment, Is.EqualTo("nightly-scoring"));
    }

    [Test]
    public async Task ScoreAsync_ColumnsThatDoNotExist_ThrowNamingThem_AndRegisterNothing()
    {
        var options = new BatchScoringOptions { InputColumns = ["Id", "CustomerId"], OutputColumns = ["PredictedLabel", "Confidence"] };

        var error = Assert.ThrowsAsync<ScoringSchemaMismatchException>(() => _client.Models.ScoreAsync("models:/points/1", "datasets:/to-score/1", "points-scored", options));

        Assert.That(error!.Problems, Has.Count.EqualTo(2));
        Assert.That(error.Problems[0], Does.StartWith("no column 'CustomerId' to carry"));
        Assert.That(error.Problems[1], Does.StartWith("the model's output has no column 'Confidence'"));
        Assert.That(await _client.Datasets.ListVersionsAsync("points-scored").CountAsync(), Is.Zero);
    }

    [Test]
    public async Task ScoreAsync_BadInput_ThrowsTheTypedException_WithoutARun()
    {
        Assert.ThrowsAsync<ModelNotFoundException>(() => _client.Models.ScoreAsync("models:/nope/1", "datasets:/to-score/1", "points-scored"));
        Assert.ThrowsAsync<ModelNotFoundException>(() => _client.Models.ScoreAsync("models:/points@canary", "datasets:/to-score/1", "points-scored"));
        Assert.ThrowsAsync<DatasetNotFoundException>(() => _client.Models.ScoreAsync("models:/points/1", "datasets:/to-score/9", "points-scored"));
        Assert.ThrowsAsync<DatasetNotFoundException>(() => _client.Models.ScoreAsync("models:/points/1", "datasets:/missing/1", "points-scored"));
        var badName = Assert.ThrowsAsync<ArgumentException>(() => _client.Models.ScoreAsync("models:/points/1", "datasets:/to-score/1", "points scored!"));
        Assert.That(badName!.ParamName, Is.EqualTo("outputDataset"));
        Assert.ThrowsAsync<ArgumentException>(() => _client.Models.ScoreAsync($"runs:/{Guid.CreateVersion7():N}/model", "datasets:/to-score/1", "points-scored"));
        Assert.Throws<FormatException>(() => _client.Models.ScoreAsync("points", "datasets:/to-score/1", "points-scored"));
        var invalid = Assert.ThrowsAsync<OptionsValidationException>(() => _client.Models.ScoreAsync("models:/points/1", "datasets:/to-score/1", "points-scored", new BatchScoringOptions { Experiment = "", InputColumns = ["Id", "Id"], OutputColumns = ["Id"] }));
        Assert.That(invalid!.Failures.Count(), Is.EqualTo(3), invalid.Message);

        Assert.That(await _client.Datasets.ListVersionsAsync("points-scored").CountAsync(), Is.Zero);
        Assert.That(await _test.Store.ListAsync("runs/").CountAsync(), Is.Zero, "no run: nothing to record for a wrong name");
    }

    private static (ITransformer Model, DataViewSchema Schema) Train(int iterations, bool invert)
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(1);
        var rows = Enumerable.Range(0, 400).Select(i =>
        {
            var x = (float)(random.NextDouble() * 100);
            return new LabelledPoint { Id = i, X = x, Z = (float)(random.NextDouble() * 100), Label = invert ? x <= 50 : x > 50 };
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.NormalizeMinMax("X")
            .Append(ml.Transforms.Concatenate("Features", "X", "Z"))
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(labelColumnName: "Label", maximumNumberOfIterations: iterations))
            .Fit(data);
        return (model, data.Schema);
    }

    private static IDataView Unlabelled(int seed)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(1000, 200).Select(i => new UnlabelledPoint { Id = i, X = (float)(random.NextDouble() * 100), Z = (float)(random.NextDouble() * 100) }).ToList();
        return new MLContext(seed: 1).Data.LoadFromEnumerable(rows);
    }

    public sealed class LabelledPoint
    {
        public int Id { get; set; }

        public float X { get; set; }

        public float Z { get; set; }

        public bool Label { get; set; }
    }

    public sealed class UnlabelledPoint
    {
        public int Id { get; set; }

        public float X { get; set; }

        public float Z { get; set; }
    }

    public sealed class Scored
    {
        public int Id { get; set; }

        public float X { get; set; }

        public float Z { get; set; }

        public bool PredictedLabel { get; set; }

        public float Score { get; set; }

        public float Probability { get; set; }
    }
}
