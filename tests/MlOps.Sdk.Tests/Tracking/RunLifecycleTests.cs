using MlOps.Sdk.Storage;
using MlOps.Sdk.Testing;
using MlOps.Sdk.Tests.Infrastructure;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Tests.Tracking;

/// <summary>A run from start to end, on every provider.</summary>
[TestFixtureSource(typeof(StoreKinds), nameof(StoreKinds.All))]
public sealed class RunLifecycleTests(StoreKind kind)
{
    private TestStore _test = null!;
    private MlOpsClient _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _test = await TestStore.CreateAsync(kind);
        _client = TrackingClients.Create(_test.Store);
    }

    [TearDown]
    public async Task TearDown() => await _test.DisposeAsync();

    [Test]
    public async Task StartAsync_NewExperiment_CreatesItAndRecordsWhereTheRunRuns()
    {
        string id;
        await using (var run = await _client.Runs.StartAsync("flights", new StartRunOptions { Name = "baseline" }))
        {
            id = run.Id;
            Assert.That(run.Status, Is.EqualTo(RunStatus.Running));
            Assert.That(id, Does.Match("^[0-9a-f]{32}$"));
        }

        var info = await _client.Runs.GetAsync(id);
        var experiment = await _client.Experiments.GetAsync("flights");
        Assert.That(experiment.Name, Is.EqualTo("flights"));
        Assert.That(info.Name, Is.EqualTo("baseline"));
        Assert.That(info.Source.User, Is.EqualTo(Environment.UserName));
        Assert.That(info.Source.Machine, Is.EqualTo(Environment.MachineName));
        Assert.That(info.Source.DotNetVersion, Does.StartWith(".NET"));
        Assert.That(info.Source.MlNetVersion, Does.StartWith("5."));
        Assert.That(info.Source.Environment, Is.EqualTo("test"));
        Assert.That(info.Source.ProcessId, Is.EqualTo(Environment.ProcessId));
        Assert.That(info.Source.EntryAssembly, Is.Not.Null);
        Assert.That(info.Source.GitCommit, Does.Match("^[0-9a-f]{40}$"), "the tests run inside the repository");
    }

    [Test]
    public async Task CompleteAsync_RecordsEverythingLoggedAndFinished()
    {
        await using var run = await _client.Runs.StartAsync("flights");
        run.LogParameter("learning_rate", 0.1);
        run.LogParameters(new Dictionary<string, object?> { ["leaves"] = 31, ["trainer"] = "LightGbm", ["early_stop"] = true });
        run.SetTag("team", "forecasting");
        for (var step = 0; step < 10; step++)
        {
            run.LogMetric("loss", 1.0 / (step + 1), step);
        }

        run.LogInput("datasets:/flights/3", "training");
        run.LogOutput("models:/delays/1");
        await run.CompleteAsync();

        var info = await _client.Runs.GetAsync(run.Id);
        Assert.That(info.Status, Is.EqualTo(RunStatus.Finished));
        Assert.That(run.Status, Is.EqualTo(RunStatus.Finished));
        Assert.That(info.EndTime, Is.Not.Null);
        Assert.That(info.Duration, Is.GreaterThanOrEqualTo(TimeSpan.Zero));
        Assert.That(info.Parameters, Is.EquivalentTo(new Dictionary<string, string> { ["learning_rate"] = "0.1", ["leaves"] = "31", ["trainer"] = "LightGbm", ["early_stop"] = "true" }));
        Assert.That(info.Tags["team"], Is.EqualTo("forecasting"));
        Assert.That(info.Metrics["loss"].Last, Is.EqualTo(0.1).Within(1e-12));
        Assert.That(info.Metrics["loss"].LastStep, Is.EqualTo(9));
        Assert.That(info.Metrics["loss"].Count, Is.EqualTo(10));
        Assert.That(info.Metrics["loss"].Min, Is.EqualTo(0.1).Within(1e-12));
        Assert.That(info.Metrics["loss"].Max, Is.EqualTo(1.0));
        Assert.That(info.Inputs.Single(), Is.EqualTo(new RunLink("datasets:/flights/3", "training", null)));
        Assert.That(info.Outputs.Single().Uri, Is.EqualTo("models:/delays/1"));
        Assert.That(await _test.Store.GetPropertiesAsync($"heartbeats/{run.Id}"), Is.Null, "an ended run sends no heartbeat");
    }

    [Test]
    public async Task DisposeAsync_ExceptionLeavesTheBlock_Failed()
    {
        string? id = null;
        Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var run = await _client.Runs.StartAsync("flights");
            id = run.Id;
            run.LogMetric("loss", 0.5);
            await Task.Yield();
            throw new InvalidOperationException("the data had no rows");
        });

        var info = await _client.Runs.GetAsync(id!);
        Assert.That(info.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(info.Failure!.Type, Is.EqualTo(typeof(InvalidOperationException).FullName));
        Assert.That(info.Failure.Message, Is.EqualTo("the data had no rows"));
        Assert.That(info.Failure.StackTrace, Does.Contain(nameof(DisposeAsync_ExceptionLeavesTheBlock_Failed)));
        Assert.That(info.Metrics["loss"].Last, Is.EqualTo(0.5), "what was logged before the failure is kept");
    }

    [Test]
    public async Task DisposeAsync_CancellationLeavesTheBlock_Killed()
    {
        string? id = null;
        using var cancellation = new CancellationTokenSource();
        Assert.That(async () =>
        {
            await using var run = await _client.Runs.StartAsync("flights");
            id = run.Id;
            await cancellation.CancelAsync();
            await Task.Delay(1000, cancellation.Token);
        }, Throws.InstanceOf<OperationCanceledException>());

        Assert.That((await _client.Runs.GetAsync(id!)).Status, Is.EqualTo(RunStatus.Killed));
    }

    [Test]
    public async Task DisposeAsync_ExceptionHandledInsideAndWorkWentOn_Finished()
    {
        string id;
        await using (var run = await _client.Runs.StartAsync("flights"))
        {
            id = run.Id;
            try
            {
                throw new FormatException("a bad row, skipped");
            }
            catch (FormatException)
            {
                run.LogMetric("skipped_rows", 1);
            }
        }

        Assert.That((await _client.Runs.GetAsync(id)).Status, Is.EqualTo(RunStatus.Finished));
    }

    [Test]
    public async Task DisposeAsync_NestedChildFails_ParentFinishesNormally()
    {
        string parentId;
        string? childId = null;
        await using (var parent = await _client.Runs.StartAsync("search"))
        {
            parentId = parent.Id;
            try
            {
                await using var child = await parent.StartChildAsync("trial-0");
                childId = child.Id;
                throw new ArithmeticException("diverged");
            }
            catch (ArithmeticException)
            {
                parent.LogMetric("failed_trials", 1);
            }
        }

        Assert.That((await _client.Runs.GetAsync(childId!)).Status, Is.EqualTo(RunStatus.Failed));
        var parentInfo = await _client.Runs.GetAsync(parentId);
        Assert.That(parentInfo.Status, Is.EqualTo(RunStatus.Finished));
        Assert.That((await _client.Runs.GetAsync(childId!)).ParentRunId, Is.EqualTo(parentId));
    }

    [Test]
    public async Task RunAsync_EndsExactlyAsTheBodyDoes()
    {
        string? finished = null, failed = null, killed = null;
        await _client.Runs.RunAsync("flights", (run, _) =>
        {
            finished = run.Id;
            return Task.CompletedTask;
        });
        Assert.ThrowsAsync<DivideByZeroException>(() => _client.Runs.RunAsync("flights", (run, _) =>
        {
            failed = run.Id;
            throw new DivideByZeroException();
        }));
        using var cancellation = new CancellationTokenSource();
        Assert.That(() => _client.Runs.RunAsync("flights", async (run, ct) =>
        {
            killed = run.Id;
            await cancellation.CancelAsync();
            ct.ThrowIfCancellationRequested();
        }, cancellationToken: cancellation.Token), Throws.InstanceOf<OperationCanceledException>());
        var answer = await _client.Runs.RunAsync("flights", (_, _) => Task.FromResult(42));

        Assert.That((await _client.Runs.GetAsync(finished!)).Status, Is.EqualTo(RunStatus.Finished));
        Assert.That((await _client.Runs.GetAsync(failed!)).Status, Is.EqualTo(RunStatus.Failed));
        Assert.That((await _client.Runs.GetAsync(killed!)).Status, Is.EqualTo(RunStatus.Killed));
        Assert.That(answer, Is.EqualTo(42));
    }

    [Test]
    public async Task LogParameter_SameValueAgain_IsAcceptedAndADifferentOneRefused()
    {
        await using var run = await _client.Runs.StartAsync("flights");
        run.LogParameter("lr", 0.1);
        run.LogParameter("lr", 0.1);

        var ex = Assert.Throws<ParameterConflictException>(() => run.LogParameter("lr", 0.2));
        await run.CompleteAsync();

        Assert.That(ex!.Name, Is.EqualTo("lr"));
        Assert.That(ex.RecordedValue, Is.EqualTo("0.1"));
        Assert.That(ex.AttemptedValue, Is.EqualTo("0.2"));
        Assert.That(ex.Message, Does.Contain("'lr'").And.Contain("0.1").And.Contain("0.2"));
        Assert.That((await _client.Runs.GetAsync(run.Id)).Parameters["lr"], Is.EqualTo("0.1"), "the recorded value is kept");
    }

    [Test]
    public async Task Logging_AfterTheRunEnded_IsRefusedAndNothingRecordedIsLost()
    {
        await using var run = await _client.Runs.StartAsync("flights");
        run.LogParameter("lr", 0.1);
        run.LogMetric("auc", 0.8);
        await run.CompleteAsync();

        Assert.Throws<RunNotActiveException>(() => run.LogMetric("auc", 0.9));
        Assert.Throws<RunNotActiveException>(() => run.LogParameter("leaves", 31));
        var ex = Assert.Throws<RunNotActiveException>(() => run.SetTag("x", "y"));
        Assert.ThrowsAsync<RunNotActiveException>(() => run.LogArtifactAsync("a.txt", new MemoryStream([1])));
        await run.CompleteAsync(); // ending twice is harmless

        Assert.That(ex!.Message, Does.Contain(run.Id).And.Contain("Finished"));
        var info = await _client.Runs.GetAsync(run.Id);
        Assert.That(info.Metrics["auc"].Last, Is.EqualTo(0.8));
        Assert.That(info.Metrics["auc"].Count, Is.EqualTo(1));
        Assert.That(info.Parameters.Keys, Is.EqualTo(new[] { "lr" }));
    }

    [TestCase("")]
    [TestCase("has,comma")]
    [TestCase("new\nline")]
    [TestCase(" leading")]
    public async Task Names_Invalid_AreRefusedNamingTheValue(string name)
    {
        await using var run = await _client.Runs.StartAsync("flights");

        var parameter = Assert.Throws<ArgumentException>(() => run.LogParameter(name, 1));
        var metric = Assert.Throws<ArgumentException>(() => run.LogMetric(name, 1));
        var tag = Assert.Throws<ArgumentException>(() => run.SetTag(name, "x"));

        Assert.That(parameter!.Message, Does.Contain($"Parameter name '{name}'"));
        Assert.That(metric!.Message, Does.Contain($"Metric name '{name}'"));
        Assert.That(tag!.Message, Does.Contain($"Tag name '{name}'"));
    }

    [TestCase("")]
    [TestCase("has space")]
    [TestCase("../escape")]
    [TestCase("-leading-dash")]
    public void StartAsync_InvalidExperimentName_IsRefusedNamingIt(string experiment)
    {
        var ex = Assert.ThrowsAsync<ArgumentException>(() => _client.Runs.StartAsync(experiment));

        Assert.That(ex!.Message, Does.Contain($"Experiment name '{experiment}'"));
    }

    [TestCase("../outside.txt", "'..' segment")]
    [TestCase("/etc/passwd", "absolute")]
    [TestCase("a\\b", "backslash")]
    public async Task LogArtifactAsync_PathEscapingTheRun_IsRefused(string path, string reason)
    {
        await using var run = await _client.Runs.StartAsync("flights");

        var ex = Assert.ThrowsAsync<ArgumentException>(() => run.LogArtifactAsync(path, new MemoryStream([1])));

        Assert.That(ex!.Message, Does.Contain($"Artifact path '{path}'").And.Contain(reason));
    }

    [Test]
    public void GetAsync_UnknownOrMalformedRun_IsRefused()
    {
        var unknown = Assert.ThrowsAsync<RunNotFoundException>(() => _client.Runs.GetAsync(new string('a', 32)));
        Assert.ThrowsAsync<ArgumentException>(() => _client.Runs.GetAsync("not-a-run-id"));
        Assert.ThrowsAsync<RunNotFoundException>(() => _client.Runs.ResumeAsync(new string('b', 32)));

        Assert.That(unknown!.RunId, Is.EqualTo(new string('a', 32)));
    }

    [Test]
    public async Task ResumeAsync_KilledRun_ContinuesAndAFinishedOneCannotBeResumed()
    {
        var run = await _client.Runs.StartAsync("flights");
        run.LogMetric("loss", 1, step: 0);
        await run.KillAsync();

        await using (var resumed = await _client.Runs.ResumeAsync(run.Id))
        {
            Assert.That(resumed.Status, Is.EqualTo(RunStatus.Running));
            resumed.LogMetric("loss", 0.5, step: 1);
        }

        var info = await _client.Runs.GetAsync(run.Id);
        Assert.That(info.Status, Is.EqualTo(RunStatus.Finished));
        Assert.That(info.Metrics["loss"].Count, Is.EqualTo(2));
        Assert.That((await _client.Runs.GetMetricHistoryAsync(run.Id, "loss")).Select(p => p.Value), Is.EqualTo(new[] { 1, 0.5 }));
        Assert.ThrowsAsync<RunNotActiveException>(() => _client.Runs.ResumeAsync(run.Id));
    }

    [Test]
    public async Task LogMetric_NonFiniteValues_AreKeptInHistoryButNotInExtremes()
    {
        await using var run = await _client.Runs.StartAsync("flights");
        run.LogMetric("loss", 2.0, 0);
        run.LogMetric("loss", double.NaN, 1);
        run.LogMetric("loss", double.PositiveInfinity, 2);
        run.LogMetric("loss", 1.0, 3);
        run.LogMetric("nan_only", double.NaN);
        await run.CompleteAsync();

        var history = await _client.Runs.GetMetricHistoryAsync(run.Id, "loss");
        var info = await _client.Runs.GetAsync(run.Id);

        Assert.That(history.Select(p => p.Value), Is.EqualTo(new[] { 2.0, double.NaN, double.PositiveInfinity, 1.0 }));
        Assert.That(info.Metrics["loss"].Min, Is.EqualTo(1.0));
        Assert.That(info.Metrics["loss"].Max, Is.EqualTo(2.0));
        Assert.That(info.Metrics["loss"].Count, Is.EqualTo(4));
        Assert.That(double.IsNaN(info.Metrics["nan_only"].Last), Is.True);
        Assert.That(info.Metrics["nan_only"].Min, Is.Null);
    }

    [Test]
    public async Task GetMetricHistoryAsync_ReturnsEveryPointInStepOrder()
    {
        await using var run = await _client.Runs.StartAsync("flights");
        var start = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        for (var step = 4; step >= 0; step--)
        {
            run.LogMetric("auc", 0.5 + (step / 10.0), step, start.AddSeconds(step));
            run.LogMetric("other", step);
        }

        await run.FlushAsync();
        run.LogMetric("auc", 0.99, 5, start.AddSeconds(5));
        await run.CompleteAsync();

        var history = await _client.Runs.GetMetricHistoryAsync(run.Id, "auc");

        Assert.That(history.Select(p => p.Step), Is.EqualTo(new long[] { 0, 1, 2, 3, 4, 5 }));
        Assert.That(history[2].Value, Is.EqualTo(0.7).Within(1e-12));
        Assert.That(history[2].Timestamp, Is.EqualTo(start.AddSeconds(2)));
        Assert.That(history, Has.All.Matches<MetricPoint>(p => p.Name == "auc"));
        Assert.That(await _client.Runs.GetMetricHistoryAsync(run.Id, "never_logged"), Is.Empty);
    }

    [Test]
    public async Task Artifacts_FilesStreamsAndFolders_AreStoredListedAndReadBack()
    {
        var folder = Directory.CreateTempSubdirectory("mlops-artifacts-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "metrics.json"), "{\"auc\":0.8}");
            Directory.CreateDirectory(Path.Combine(folder, "plots"));
            await File.WriteAllTextAsync(Path.Combine(folder, "plots", "roc.svg"), "<svg/>");
            await using var run = await _client.Runs.StartAsync("flights");
            var single = await run.LogArtifactAsync("model/model.zip", new MemoryStream("model bytes"u8.ToArray()));
            var many = await run.LogArtifactsAsync("report", folder);
            await run.CompleteAsync();

            var info = await _client.Runs.GetAsync(run.Id);
            await using var opened = await _client.Runs.OpenArtifactAsync(run.Id, "model/model.zip");
            using var reader = new StreamReader(opened);
            var downloaded = await _client.Runs.DownloadArtifactsAsync(run.Id, Path.Combine(folder, "out"), "report");

            Assert.That(single.Sha256, Is.EqualTo(ContentHash.Compute("model bytes"u8)));
            Assert.That(many.Select(a => a.Path), Is.EqualTo(new[] { "report/metrics.json", "report/plots/roc.svg" }));
            Assert.That(info.Artifacts.Select(a => a.Path), Is.EqualTo(new[] { "model/model.zip", "report/metrics.json", "report/plots/roc.svg" }));
            Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("model bytes"));
            Assert.That(downloaded, Has.Count.EqualTo(2));
            Assert.That(await File.ReadAllTextAsync(Path.Combine(folder, "out", "report", "plots", "roc.svg")), Is.EqualTo("<svg/>"));
            Assert.ThrowsAsync<FileNotFoundException>(() => _client.Runs.OpenArtifactAsync(run.Id, "missing.txt"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task Secrets_InParametersAndTags_AreRedactedBeforeTheyAreStored()
    {
        const string ConnectionString = "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4MTIzNA==;EndpointSuffix=core.windows.net";
        await using var run = await _client.Runs.StartAsync("flights");
        run.LogParameter("db_password", "hunter2");
        run.LogParameter("source", ConnectionString);
        run.LogParameter("learning_rate", 0.1);
        run.SetTag("api_token", "abc123");
        await run.CompleteAsync();

        var info = await _client.Runs.GetAsync(run.Id);
        var stored = (await _test.Store.ReadAsync($"runs/{run.Id}/run.json"))!.Content.ToString();

        Assert.That(info.Parameters["db_password"], Is.EqualTo("***"));
        Assert.That(info.Parameters["source"], Is.EqualTo("***"));
        Assert.That(info.Parameters["learning_rate"], Is.EqualTo("0.1"));
        Assert.That(info.Tags["api_token"], Is.EqualTo("***"));
        Assert.That(stored, Does.Not.Contain("hunter2").And.Not.Contain("AccountKey").And.Not.Contain("abc123"));
    }

    [Test]
    public async Task Secrets_ExtraNamesFromOptions_AreRedactedToo()
    {
        var client = TrackingClients.Create(_test.Store, t => t.SecretNames.Add("customer_*"));
        await using var run = await client.Runs.StartAsync("flights");
        run.LogParameter("customer_email", "someone@example.com");
        await run.CompleteAsync();

        Assert.That((await client.Runs.GetAsync(run.Id)).Parameters["customer_email"], Is.EqualTo("***"));
    }
}
