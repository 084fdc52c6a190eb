using System.ComponentModel.DataAnnotations;
using Microsoft.ML;

namespace MlOps.Sdk.Pipelines;

/// <summary>How one run of a pipeline goes: which steps to force, where to stop, the ML.NET context, the experiment.</summary>
public sealed class PipelineRunOptions
{
    /// <summary>Gets or sets a step to run again even if it is cached; the steps after it that read it (directly or not) run again too.</summary>
    public string? ForceFrom { get; set; }

    /// <summary>Gets or sets the last step to run: what follows is skipped (interactive use: run up to a step, look at its output).</summary>
    public string? UpTo { get; set; }

    /// <summary>Gets or sets a value indicating whether to reuse cached steps at all.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool UseCache { get; set; } = true;

    /// <summary>
    /// Gets or sets the seed the steps' ML.NET contexts derive theirs from. Each step gets its own context, seeded from
    /// this seed and its name: its randomness does not depend on which other steps ran or were reused.
    /// </summary>
    /// <value>Default 1; part of every step's cache key.</value>
    [Range(0, int.MaxValue)]
    public int Seed { get; set; } = 1;

    /// <summary>Gets or sets what to do to each ML.NET context created for a step (register the assemblies of custom mappings, for example).</summary>
    public Action<MLContext>? ConfigureMLContext { get; set; }

    /// <summary>Gets or sets the experiment the pipeline's run is recorded in.</summary>
    /// <value>Default: the pipeline's name.</value>
    public string? Experiment { get; set; }

    /// <summary>Gets or sets the variant the options were bound for (see <see cref="PipelineConfiguration"/>), recorded with the run as the tag <c>mlops.pipeline.variant</c>.</summary>
    public string? Variant { get; set; }

    /// <summary>Gets or sets the parent run of the pipeline's run (a search trial, a retraining attempt), if any.</summary>
    public string? ParentRunId { get; set; }

    /// <summary>Gets or sets exact dataset URIs by dataset name, in place of the options' (a reproduction reads the versions the original read).</summary>
    internal IReadOnlyDictionary<string, string>? DatasetVersions { get; set; }

    /// <summary>Gets or sets exact model URIs by model input name, in place of the options' (a reproduction reads the versions the original read).</summary>
    internal IReadOnlyDictionary<string, string>? ModelVersions { get; set; }

    /// <summary>Gets or sets the run a reproduction reproduces (tagged <c>mlops.pipeline.reproduces</c>).</summary>
    internal string? ReproducesRunId { get; set; }
}

/// <summary>What happened to a step in a pipeline run.</summary>
public enum StepStatus
{
    /// <summary>It ran.</summary>
    Ran,

    /// <summary>Its cached output (from an earlier run, with the same code, parameters and inputs) was used.</summary>
    Reused,

    /// <summary>It did not run: after <see cref="PipelineRunOptions.UpTo"/>.</summary>
    Skipped,
}
