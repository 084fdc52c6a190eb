namespace MlOps.Sdk.Monitoring;

/// <summary>Which predictions' inputs and outputs are compared with the training data, and how.</summary>
public sealed class DriftQuery
{
    /// <summary>Gets or sets the earliest prediction time (inclusive); no bound when <see langword="null"/>.</summary>
    public DateTimeOffset? From { get; set; }

    /// <summary>Gets or sets the latest prediction time (exclusive); no bound when <see langword="null"/>.</summary>
    public DateTimeOffset? To { get; set; }

    /// <summary>
    /// Gets or sets the width of a time window: windows follow one another from midnight UTC of the range's first day
    /// (<see cref="From"/>, or the first prediction's); no windows, only the overall comparison, when <see langword="null"/>.
    /// </summary>
    /// <value>Default <see langword="null"/>; positive, and at most 10,000 windows in the range.</value>
    public TimeSpan? Window { get; set; }

    /// <summary>Gets the model versions read; all when empty.</summary>
    public IList<int> Versions { get; } = [];

    /// <summary>
    /// Gets the arms read; when empty, every arm but <c>shadow</c> (a shadow's rows copy served requests: its inputs are
    /// theirs, counted once). Name <c>shadow</c> to compare the shadow's outputs.
    /// </summary>
    public IList<string> Arms { get; } = [];

    /// <summary>
    /// Gets or sets the reference dataset's URI (a version or an alias); when <see langword="null"/>, the dataset the
    /// reference version (the latest version read) records with the context <c>training</c>.
    /// </summary>
    public string? Reference { get; set; }

    /// <summary>
    /// Gets the features compared, by input field name; when empty, every single-valued input field logged (a field not
    /// in the reference's profile is reported in <see cref="LiveDriftReport.NotCompared"/>). Field names match profile
    /// columns exactly, else ignoring case, <c>_</c> and <c>-</c> (<c>TempMax</c> is <c>temp_max</c>).
    /// </summary>
    public IList<string> Features { get; } = [];

    /// <summary>Gets or sets the thresholds; the documented defaults when <see langword="null"/>.</summary>
    public DriftOptions? Options { get; set; }
}

/// <summary>The drift of one time window's live data.</summary>
/// <param name="Start">The window's start (inclusive); for the overall comparison, <see cref="DriftQuery.From"/> or the first prediction's time.</param>
/// <param name="End">The window's end (exclusive); for the overall comparison, <see cref="DriftQuery.To"/> or just after the last prediction.</param>
/// <param name="Predictions">Predictions read in the window; 0 for an empty window, whose features are all <see cref="DriftStatus.NotEvaluated"/>.</param>
/// <param name="Features">The input features' drift against the reference's profile (see <see cref="DriftDetector.Numeric(Data.ColumnProfile, ReadOnlySpan{double}, DriftOptions?)"/>).</param>
/// <param name="Outputs">
/// Prediction drift: the reference version's outputs on live data (its own predictions in the window) against its
/// outputs on a sample of the reference dataset — <c>Score</c> and <c>Probability</c> as numbers, <c>PredictedLabel</c>
/// as categories; <see langword="null"/> when it cannot be computed (<see cref="LiveDriftReport.NotCompared"/> says why,
/// under <c>output:*</c> or <c>output:{column}</c>).
/// </param>
public sealed record DriftWindow(DateTimeOffset Start, DateTimeOffset End, long Predictions, DriftReport Features, DriftReport? Outputs);

/// <summary>A model's live data against its training data: overall and per window.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Reference">The reference dataset's URI, with its version (<c>datasets:/flights/3</c>); empty when there is none (see <paramref name="NotCompared"/>).</param>
/// <param name="Overall">Over the whole range.</param>
/// <param name="Windows">Per window, in time order, empty ones included; empty when no window was asked for.</param>
/// <param name="NotCompared">
/// Input fields left out, each with why (not in the reference's profile, a vector, no profile or no reference), and the
/// outputs left out of prediction drift, under <c>output:{column}</c> or <c>output:*</c>. Sorted by name.
/// </param>
/// <param name="Version">
/// The reference version: the latest model version read (else the highest asked for, else the latest registered), whose
/// training dataset is the default reference and whose outputs prediction drift compares; <see langword="null"/> when
/// no version of the model is registered.
/// </param>
public sealed record LiveDriftReport(string Model, string Reference, DriftWindow Overall, IReadOnlyList<DriftWindow> Windows, IReadOnlyDictionary<string, string> NotCompared, int? Version = null);
