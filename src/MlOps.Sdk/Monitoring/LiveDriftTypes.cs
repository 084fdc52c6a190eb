namespace MlOps.Sdk.Monitoring;

/// <summary>Which predictions' inputs and outputs are compared with the training data, and how.</summary>
public sealed class DriftQuery
{
    /// <summary>Gets or sets the earliest prediction time (inclusive); no bound when <see langword="null"/>.</summary>
    public DateTimeOffset? From { get; set; }

    /// <summary>Gets or sets the latest prediction time (exclusive); no bound when <see langword="null"/>.</summary>
    public DateTimeOffset? To { get; set; }

    /// <summary>Gets or sets the width of a time window (windows start at midnight UTC); one window for the whole range when <see langword="null"/>.</summary>
    public TimeSpan? Window { get; set; }

    /// <summary>Gets the model versions read; all when empty.</summary>
    public IList<int> Versions { get; } = [];

    /// <summary>Gets the arms read; all when empty.</summary>
    public IList<string> Arms { get; } = [];

    /// <summary>Gets or sets the reference dataset's URI; the training dataset of the latest version read when <see langword="null"/>.</summary>
    public string? Reference { get; set; }

    /// <summary>Gets the features compared; every input field the reference's profile has when empty.</summary>
    public IList<string> Features { get; } = [];

    /// <summary>Gets or sets the thresholds; the documented defaults when <see langword="null"/>.</summary>
    public DriftOptions? Options { get; set; }
}

/// <summary>The drift of one time window's live data.</summary>
/// <param name="Start">The window's start (inclusive); the first prediction's time for a report over everything.</param>
/// <param name="End">The window's end (exclusive).</param>
/// <param name="Predictions">Predictions read in the window.</param>
/// <param name="Features">The input features' drift against the reference.</param>
/// <param name="Outputs">Prediction drift: the model's outputs on live data against its outputs on the reference; <see langword="null"/> when it cannot be computed.</param>
public sealed record DriftWindow(DateTimeOffset Start, DateTimeOffset End, long Predictions, DriftReport Features, DriftReport? Outputs);

/// <summary>A model's live data against its training data: overall and per window.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Reference">The reference dataset's URI (with its version).</param>
/// <param name="Overall">Over the whole range.</param>
/// <param name="Windows">Per window, in time order; empty when no window was asked for.</param>
/// <param name="NotCompared">Input fields left out, each with why (not in the reference's profile, not a single value).</param>
public sealed record LiveDriftReport(string Model, string Reference, DriftWindow Overall, IReadOnlyList<DriftWindow> Windows, IReadOnlyDictionary<string, string> NotCompared);
