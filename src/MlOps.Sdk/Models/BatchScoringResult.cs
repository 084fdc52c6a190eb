using MlOps.Sdk.Data;

namespace MlOps.Sdk.Models;

/// <summary>What a batch scoring did: which model version scored which dataset version into which new one, in which run.</summary>
/// <param name="RunId">The scoring run: its inputs are <paramref name="Input"/> and <paramref name="Model"/>, its output <paramref name="Output"/>.</param>
/// <param name="Model">The model version that scored, an alias resolved to the version it pointed at.</param>
/// <param name="Input">The dataset version scored, an alias resolved to the version it pointed at.</param>
/// <param name="Output">
/// The dataset version holding the predictions. <see cref="DatasetVersion.Created"/> is <see langword="false"/> when
/// the same predictions were registered before (identity is content): then its <see cref="DatasetVersion.ProducedBy"/>
/// names the run that first produced them, and this run still records the version as its output.
/// </param>
/// <param name="RowCount">The number of rows scored.</param>
public sealed record BatchScoringResult(string RunId, ModelVersion Model, DatasetVersion Input, DatasetVersion Output, long RowCount);
