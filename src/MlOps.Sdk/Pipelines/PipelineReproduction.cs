using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Pipelines;

/// <summary>What reproducing a pipeline run found: whether the code version matches, and step by step whether the outputs are byte-identical.</summary>
public sealed class PipelineReproduction
{
    internal PipelineReproduction(string originalRunId, string runId, string? originalCommit, string? commit, bool? originalDirty, bool? dirty, IReadOnlyList<StepReproduction> steps)
    {
        OriginalRunId = originalRunId;
        RunId = runId;
        OriginalCommit = originalCommit;
        Commit = commit;
        OriginalDirty = originalDirty;
        Dirty = dirty;
        Steps = steps;
    }

    /// <summary>Gets the run that was reproduced.</summary>
    public string OriginalRunId { get; }

    /// <summary>Gets the new run.</summary>
    public string RunId { get; }

    /// <summary>Gets the git commit the original ran from, if known.</summary>
    public string? OriginalCommit { get; }

    /// <summary>Gets the git commit the reproduction ran from, if known.</summary>
    public string? Commit { get; }

    /// <summary>Gets whether the original's working tree had uncommitted changes, if known.</summary>
    public bool? OriginalDirty { get; }

    /// <summary>Gets whether the reproduction's working tree had uncommitted changes, if known.</summary>
    public bool? Dirty { get; }

    /// <summary>Gets a value indicating whether the code version is known to match: the same commit, and a clean tree both times.</summary>
    public bool CodeMatches => OriginalCommit is not null && OriginalCommit == Commit && OriginalDirty == false && Dirty == false;

    /// <summary>Gets each step's outputs, before and now.</summary>
    public IReadOnlyList<StepReproduction> Steps { get; }

    /// <summary>Gets a value indicating whether every step's output is byte-identical to the original's.</summary>
    public bool OutputsMatch => Steps.Count > 0 && Steps.All(s => s.Identical);

    /// <inheritdoc />
    public override string ToString()
        => $"run {RunId} reproduces {OriginalRunId}: code {(CodeMatches ? "matches" : "differs or unknown")}, outputs {(OutputsMatch ? "identical" : string.Join(", ", Steps.Where(s => !s.Identical).Select(s => s.Name)) + " differ")}";
}

/// <summary>One step's output in the original run and in its reproduction.</summary>
/// <param name="Name">The step.</param>
/// <param name="Original">The original output's content hash (for a data view whose stored bytes differ, its canonical content identity).</param>
/// <param name="Reproduced">The reproduced output's, likewise.</param>
public sealed record StepReproduction(string Name, ContentHash? Original, ContentHash? Reproduced)
{
    /// <summary>Gets a value indicating whether both outputs exist and are byte-identical.</summary>
    public bool Identical => Original is not null && Original == Reproduced;
}
