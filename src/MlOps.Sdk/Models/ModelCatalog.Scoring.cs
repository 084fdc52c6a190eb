using System.Globalization;
using Microsoft.ML;
using MlOps.Sdk.Data;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Registry;
using MlOps.Sdk.Storage;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Models;

/// <content>Batch scoring: a dataset version scored by a model version into a new dataset version, with lineage.</content>
public partial class ModelCatalog
{
    /// <summary>
    /// Scores a dataset version with a model version and registers the predictions as a version of
    /// <paramref name="outputDataset"/>, in a tracked run whose inputs are both versions and whose output is the new one.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Aliases are resolved once, first: the run, the result and the output version's tags name the fixed versions.
    /// The model is loaded as <see cref="LoadAsync(ModelRef, CancellationToken)"/> loads it (its bytes verified against
    /// their SHA-256), the data as <see cref="DatasetVersion.LoadAsync(MLContext, CancellationToken)"/> loads it, and the
    /// data is checked against the model before a row is scored.
    /// </para>
    /// <para>
    /// The predictions are the input columns <see cref="BatchScoringOptions.InputColumns"/> names (by default every
    /// scalar one) and the output columns <see cref="BatchScoringOptions.OutputColumns"/> names (by default every scalar
    /// column the model adds), registered with <see cref="DatasetCatalog.RegisterDataViewAsync"/>: identity is content,
    /// so the same predictions scored again are the same version (<see cref="DatasetVersion.Created"/> is
    /// <see langword="false"/>, its producer stays the first run, and the new run records it as its output).
    /// </para>
    /// <para>
    /// The run (experiment <see cref="BatchScoringOptions.Experiment"/>) records the parameters <c>model</c>,
    /// <c>model.reference</c>, <c>dataset</c>, <c>dataset.reference</c> and <c>output</c>, and the metrics <c>rows</c>
    /// and <c>duration_seconds</c>. When scoring fails after the run started, the run ends Failed (Killed when
    /// cancelled) and nothing is registered.
    /// </para>
    /// </remarks>
    /// <param name="modelUri">The model: <c>models:/name/3</c> or <c>models:/name@alias</c>.</param>
    /// <param name="datasetUri">The data: <c>datasets:/name/3</c> or <c>datasets:/name@alias</c>; tabular (delimited text or an ML.NET data view).</param>
    /// <param name="outputDataset">The name of the dataset the predictions become a version of.</param>
    /// <param name="options">The columns to keep, the run's experiment, the ML.NET context; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the scoring.</param>
    /// <returns>The versions scored and written, the run, and the row count.</returns>
    /// <exception cref="ArgumentException"><paramref name="outputDataset"/> is not a valid dataset name, or <paramref name="modelUri"/> names a run's artifact rather than a registered version.</exception>
    /// <exception cref="FormatException"><paramref name="modelUri"/> or <paramref name="datasetUri"/> is not a URI of its kind.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> are invalid; the message lists every problem.</exception>
    /// <exception cref="ModelNotFoundException">No model version answers <paramref name="modelUri"/>.</exception>
    /// <exception cref="DatasetNotFoundException">No dataset version answers <paramref name="datasetUri"/>.</exception>
    /// <exception cref="ScoringSchemaMismatchException">The data does not fit the model, or a column the options name does not exist; the run ends Failed and nothing is registered.</exception>
    /// <exception cref="InvalidOperationException">The dataset version is opaque files or an external reference, not a table.</exception>
    /// <exception cref="ContentIntegrityException">The stored model or data does not match its hash.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual Task<BatchScoringResult> ScoreAsync(string modelUri, string datasetUri, string outputDataset, BatchScoringOptions? options = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        var model = ModelRef.Parse(modelUri);
        var dataset = DatasetRef.Parse(datasetUri);
        return ScoreAsync(model, dataset, outputDataset, options, cancellationToken);
    }

    /// <summary>
    /// Scores a dataset version with a model version and registers the predictions as a version of
    /// <paramref name="outputDataset"/> (see <see cref="ScoreAsync(string, string, string, BatchScoringOptions?, CancellationToken)"/>).
    /// </summary>
    /// <param name="model">The model: a version or an alias.</param>
    /// <param name="dataset">The data: a version or an alias.</param>
    /// <param name="outputDataset">The name of the dataset the predictions become a version of.</param>
    /// <param name="options">The columns to keep, the run's experiment, the ML.NET context; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the scoring.</param>
    /// <returns>The versions scored and written, the run, and the row count.</returns>
    /// <exception cref="ArgumentException"><paramref name="outputDataset"/> is not a valid dataset name, or <paramref name="model"/> names a run's artifact rather than a registered version.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="options"/> are invalid; the message lists every problem.</exception>
    /// <exception cref="ModelNotFoundException">No model version answers <paramref name="model"/>.</exception>
    /// <exception cref="DatasetNotFoundException">No dataset version answers <paramref name="dataset"/>.</exception>
    /// <exception cref="ScoringSchemaMismatchException">The data does not fit the model, or a column the options name does not exist; the run ends Failed and nothing is registered.</exception>
    /// <exception cref="InvalidOperationException">The dataset version is opaque files or an external reference, not a table.</exception>
    /// <exception cref="ContentIntegrityException">The stored model or data does not match its hash.</exception>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public virtual async Task<BatchScoringResult> ScoreAsync(ModelRef model, DatasetRef dataset, string outputDataset, BatchScoringOptions? options = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        RegistryNames.Name(outputDataset, "Dataset", nameof(outputDataset));
        if (model.Name is null)
        {
            throw new ArgumentException($"'{model}' names a run's artifact, not a registered version; register it (client.Models.RegisterAsync) to score with it, so the predictions name a version.", nameof(model));
        }

        options ??= new BatchScoringOptions();
        OptionsValidation.ThrowIfInvalid(options);

        // Resolved once: an alias that moves while this runs does not change what scores.
        var version = await GetAsync(model, cancellationToken).ConfigureAwait(false);
        var input = await _context.Datasets.GetAsync(dataset, cancellationToken).ConfigureAwait(false);
        var started = _context.TimeProvider.GetTimestamp();
        var start = new StartRunOptions { Name = $"score {input.Name} v{input.Version.ToString(CultureInfo.InvariantCulture)} with {version.Name} v{version.Version.ToString(CultureInfo.InvariantCulture)}", ParentRunId = options.ParentRunId };
        start.Parameters["model"] = version.Uri;
        start.Parameters["model.reference"] = model.ToString();
        start.Parameters["dataset"] = input.Uri;
        start.Parameters["dataset.reference"] = dataset.ToString();
        start.Parameters["output"] = outputDataset;
        var run = await _context.Runs.StartAsync(options.Experiment, start, cancellationToken).ConfigureAwait(false);
        await using var disposeRun = run.ConfigureAwait(false);
        BatchScoringResult result;
        try
        {
            result = await ScoreInRunAsync(run, version, input, outputDataset, options, started, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await run.EndWithAsync(ex).ConfigureAwait(false);
            throw;
        }

        await run.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        _context.Logger.DatasetScored(input.Uri, version.Uri, result.Output.Uri, result.RowCount, result.Output.Created, run.Id);
        return result;
    }

    private async Task<BatchScoringResult> ScoreInRunAsync(Run run, ModelVersion version, DatasetVersion input, string outputDataset, BatchScoringOptions options, long started, CancellationToken cancellationToken)
    {
        await run.UseDatasetAsync(input, "scoring", cancellationToken).ConfigureAwait(false);
        run.LogInput(version.Uri, "model", version.Sha256);
        var ml = options.MLContext ?? new MLContext(seed: 0);
        var loaded = await LoadAsync(version.Ref, ml, cancellationToken).ConfigureAwait(false);
        var data = await input.LoadAsync(ml, cancellationToken).ConfigureAwait(false);
        var plan = BatchScoringPlan.Create(loaded, data, options, input.Uri, version.Uri);

        // Scored once into a file, which is then hashed and stored: the identity and the stored bytes are of the same
        // predictions, and the model runs once, not once per pass over the data.
        var temporary = Path.Combine(Path.GetTempPath(), $"mlops-scoring-{Guid.NewGuid():N}.idv");
        IDataView? scored = null;
        try
        {
            var predictions = plan.Apply(ml, loaded.Model, data);
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                ml.Data.SaveAsBinary(predictions, stream, keepHidden: false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            scored = ml.Data.LoadFromBinary(temporary);
            var register = new RegisterDatasetOptions
            {
                Description = options.Description ?? $"Predictions of {version.Uri} on {input.Uri}",
                ProducedBy = run,
            };
            foreach (var (name, value) in options.Tags)
            {
                register.Tags[name] = value;
            }

            register.Tags["mlops.scoring.model"] = version.Uri;
            register.Tags["mlops.scoring.dataset"] = input.Uri;
            var output = await _context.Datasets.RegisterDataViewAsync(outputDataset, scored, ml, register, cancellationToken).ConfigureAwait(false);
            var rows = output.RowCount ?? scored.GetRowCount() ?? 0;
            run.SetTag("mlops.scoring.output", output.Uri);
            run.SetTag("mlops.scoring.created", output.Created ? "true" : "false");
            run.LogMetric("rows", rows);
            run.LogMetric("duration_seconds", _context.TimeProvider.GetElapsedTime(started).TotalSeconds);
            return new BatchScoringResult(run.Id, version, input, output, rows);
        }
        finally
        {
            (scored as IDisposable)?.Dispose();
            File.Delete(temporary);
        }
    }
}
