using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MlOps.Sdk.Data;
using MlOps.Sdk.Internal;
using MlOps.Sdk.Models;
using MlOps.Sdk.Registry;

namespace MlOps.Sdk.Monitoring;

/// <content>Live drift: logged inputs against the training dataset's profile, and the model's outputs on live data against its outputs on that dataset.</content>
public partial class MonitoringCatalog
{
    private const int MaxWindows = 10_000;

    /// <summary>
    /// Compares a model's live inputs and outputs with its training data, overall and per time window. Inputs: each
    /// logged input field against its column in the reference dataset's profile (numbers: Kolmogorov–Smirnov, PSI,
    /// Jensen–Shannon, Wasserstein; text and Booleans: chi-square, PSI, Jensen–Shannon), decided by
    /// <see cref="DriftOptions"/> (significant and material). Outputs (prediction drift): the reference version scores a
    /// deterministic sample of the reference dataset (at most 10,000 rows, an even stride), once per call, and its
    /// <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c> there are compared with the ones it logged. See docs/drift.md.
    /// </summary>
    /// <param name="model">The model's name.</param>
    /// <param name="query">The range, windows, versions, arms, reference, features and thresholds; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>
    /// The drift, overall and per window. Not errors but results: an empty range or window (0 predictions, features
    /// <see cref="DriftStatus.NotEvaluated"/>); a field missing from the profile, a vector field, a reference without a
    /// profile, a model with no training dataset and outputs that cannot be scored (each in <see cref="LiveDriftReport.NotCompared"/> with why).
    /// </returns>
    /// <exception cref="ArgumentException"><paramref name="model"/> is not a valid model name; the range is empty; the window is not positive or makes more than 10,000 windows.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><see cref="DriftQuery.Options"/> holds a value out of range.</exception>
    /// <exception cref="FormatException"><see cref="DriftQuery.Reference"/> is not a dataset URI.</exception>
    /// <exception cref="DatasetNotFoundException"><see cref="DriftQuery.Reference"/> names no dataset version.</exception>
    /// <exception cref="MonitoringLogFormatException">A log file cannot be read.</exception>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<LiveDriftReport> GetDriftAsync(string model, DriftQuery? query = null, CancellationToken cancellationToken = default)
    {
        SdkCall.Enter();
        RegistryNames.Name(model, "Model", nameof(model));
        query ??= new DriftQuery();
        var options = query.Options ?? new DriftOptions();
        OptionsValidation.ThrowIfInvalid(options);
        if (query.From is { } f && query.To is { } t && t <= f)
        {
            throw new ArgumentException($"The range {f:O} to {t:O} is empty; give DriftQuery.To after DriftQuery.From.", nameof(query));
        }

        if (query.Window is { } w && w <= TimeSpan.Zero)
        {
            throw new ArgumentException($"DriftQuery.Window is {w}; a window is positive.", nameof(query));
        }

        var read = await _reader.ReadPredictionsAsync(model, query.From, query.To, joinFeedback: false, cancellationToken).ConfigureAwait(false);
        var predictions = OfVersionsAndArms(read, query.Versions, query.Arms).Where(p => query.Arms.Count > 0 || !IsShadow(p)).ToList();
        var notCompared = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var version = await ReferenceVersionAsync(model, query, predictions, notCompared, cancellationToken).ConfigureAwait(false);
        var reference = await ReferenceAsync(query, version, notCompared, cancellationToken).ConfigureAwait(false);
        var features = Features(predictions, query, reference, notCompared);
        var outputs = Outputs(predictions, version, reference, notCompared);

        var end = query.To ?? (predictions.Count > 0 ? predictions[^1].Timestamp.AddTicks(1) : _client.TimeProvider.GetUtcNow());
        var start = query.From ?? (predictions.Count > 0 ? predictions[0].Timestamp : end);
        if (query.Window is { } span && WindowCount(start, end, span) is var n && n > MaxWindows)
        {
            throw new ArgumentException(Text($"DriftQuery.Window {span} makes {n} windows from {start:O} to {end:O}; at most {MaxWindows}: widen the window or narrow the range."), nameof(query));
        }

        var overall = Window(start, end, predictions, features, outputs, reference, version, options);
        var windows = query.Window is { } width ? Windows(start, end, width, predictions, features, outputs, reference, version, options) : [];
        Log(model, reference, predictions.Count, overall, windows.Count, notCompared);

        return new LiveDriftReport(model, reference?.Uri ?? string.Empty, overall, windows, notCompared, version?.Version);
    }

    private void Log(string model, LiveDriftReference? reference, int predictions, DriftWindow overall, int windows, SortedDictionary<string, string> notCompared)
    {
        var uri = reference?.Uri ?? "(none)";
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            foreach (var (name, reason) in notCompared)
            {
                MonitoringLog.DriftNotCompared(_logger, model, name, reason);
            }

            MonitoringLog.DriftComputed(_logger, model, uri, predictions, windows, overall.Features.Drifted.Count(), overall.Features.Features.Count, overall.Outputs?.Drifted.Count() ?? 0);
        }

        if ((overall.Features.IsDrifted || overall.Outputs?.IsDrifted == true) && _logger.IsEnabled(LogLevel.Information))
        {
            MonitoringLog.DriftDetected(_logger, model, uri, string.Join(", ", overall.Features.Drifted.Concat(overall.Outputs?.Drifted ?? []).Select(d => d.Feature)));
        }
    }

    /// <summary>The latest version read; else the highest asked for; else the latest registered; null when none is registered.</summary>
    private async Task<ModelVersion?> ReferenceVersionAsync(string model, DriftQuery query, List<LoggedPrediction> predictions, SortedDictionary<string, string> notCompared, CancellationToken cancellationToken)
    {
        var reference = predictions.Count > 0 ? ModelRef.ForVersion(model, predictions.Max(p => p.Version))
            : query.Versions.Count > 0 ? ModelRef.ForVersion(model, query.Versions.Max())
            : ModelRef.ForAlias(model, ModelRef.LatestAlias);
        try
        {
            return await _client.Models.GetAsync(reference, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelNotFoundException ex)
        {
            notCompared["output:*"] = Text($"no registered version to score the reference with: {ex.Message}");
            return null;
        }
    }

    private async Task<LiveDriftReference?> ReferenceAsync(DriftQuery query, ModelVersion? version, SortedDictionary<string, string> notCompared, CancellationToken cancellationToken)
    {
        DatasetVersion dataset;
        if (query.Reference is { } uri)
        {
            dataset = await _client.Datasets.GetAsync(uri, cancellationToken).ConfigureAwait(false);
        }
        else if (version?.Datasets.FirstOrDefault(d => d.Context == "training") is { } training)
        {
            try
            {
                dataset = await _client.Datasets.GetAsync(training.Uri, cancellationToken).ConfigureAwait(false);
            }
            catch (DatasetNotFoundException ex)
            {
                notCompared["*"] = Text($"the training dataset of {version.Uri} cannot be read ({ex.Message}); set DriftQuery.Reference");
                return null;
            }
        }
        else
        {
            notCompared["*"] = version is null
                ? "no reference: the model has no registered version to take the training dataset from; set DriftQuery.Reference"
                : Text($"no reference: {version.Uri} records no dataset with the context 'training'; set DriftQuery.Reference");
            return null;
        }

        var reference = new LiveDriftReference(dataset.Uri, dataset.Profile);
        if (version is not null && !notCompared.ContainsKey("output:*"))
        {
            var clock = Stopwatch.StartNew();
            var rows = await reference.ScoreOutputsAsync(_client, dataset, version, notCompared, cancellationToken).ConfigureAwait(false);
            MonitoringLog.ReferenceScored(_logger, rows, dataset.Uri, version.Uri, clock.ElapsedMilliseconds);
        }

        return reference;
    }

    /// <summary>The input fields compared, each with its profile column; the others go to <paramref name="notCompared"/> with why.</summary>
    private static List<(string Field, ColumnProfile Column)> Features(List<LoggedPrediction> predictions, DriftQuery query, LiveDriftReference? reference, SortedDictionary<string, string> notCompared)
    {
        // Every field logged, in order of first appearance, and whether any value of it is not a single value.
        var fields = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var p in predictions)
        {
            if (p.Input.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var property in p.Input.EnumerateObject())
            {
                var vector = property.Value.ValueKind is JsonValueKind.Array or JsonValueKind.Object;
                fields[property.Name] = fields.GetValueOrDefault(property.Name) || vector;
            }
        }

        var candidates = query.Features.Count > 0
            ? query.Features.Select(asked => fields.Keys.FirstOrDefault(k => k == asked) ?? fields.Keys.FirstOrDefault(k => SameName(k, asked)) ?? asked).Distinct(StringComparer.Ordinal)
            : fields.Keys;
        var compared = new List<(string, ColumnProfile)>();
        foreach (var field in candidates)
        {
            if (reference is null)
            {
                notCompared[field] = notCompared["*"];
            }
            else if (reference.Profile is not { } profile)
            {
                notCompared[field] = Text($"the reference {reference.Uri} has no profile (not a table, or registered without one)");
            }
            else if (fields.GetValueOrDefault(field))
            {
                notCompared[field] = "not a single value (a vector or an object): drift is compared for single numbers, text and Booleans";
            }
            else if ((profile.Columns.FirstOrDefault(c => c.Name == field) ?? profile.Columns.FirstOrDefault(c => SameName(c.Name, field))) is not { } column)
            {
                notCompared[field] = Text($"not in the profile of {reference.Uri} (it has {string.Join(", ", profile.Columns.Select(c => c.Name))})");
            }
            else if (column.Numeric is null && column.Categorical is null)
            {
                notCompared[field] = Text($"the profile of {reference.Uri} keeps no statistics for its column {column.Name} ({column.Type})");
            }
            else
            {
                compared.Add((field, column));
            }
        }

        return compared;
    }

    /// <summary>The output columns prediction drift compares: those the reference sample has and the reference version logged.</summary>
    private static List<string>? Outputs(List<LoggedPrediction> predictions, ModelVersion? version, LiveDriftReference? reference, SortedDictionary<string, string> notCompared)
    {
        if (version is null || reference is null || notCompared.ContainsKey("output:*"))
        {
            notCompared.TryAdd("output:*", reference is null ? "no reference dataset to score" : "no reference version to score with");
            return null;
        }

        var logged = predictions.Where(p => p.Version == version.Version).ToList();
        var columns = new List<string>();
        foreach (var name in reference.NumericOutputs.Keys.Concat(reference.CategoricalOutputs.Keys))
        {
            if (logged.Count > 0 && !logged.Exists(p => LoggedPrediction.Field(p.Output, name) is not null))
            {
                notCompared["output:" + name] = Text($"no logged output of {version.Uri} has it");
            }
            else
            {
                columns.Add(name);
            }
        }

        if (columns.Count == 0)
        {
            notCompared.TryAdd("output:*", Text($"no output of {version.Uri} is both logged and produced on the reference"));
            return null;
        }

        return columns;
    }

    private static List<DriftWindow> Windows(DateTimeOffset start, DateTimeOffset end, TimeSpan width, List<LoggedPrediction> predictions, List<(string Field, ColumnProfile Column)> features, List<string>? outputs, LiveDriftReference? reference, ModelVersion? version, DriftOptions options)
    {
        var first = FirstWindowStart(start);
        var count = WindowCount(start, end, width);

        var buckets = new List<LoggedPrediction>[count];
        for (var i = 0; i < count; i++)
        {
            buckets[i] = [];
        }

        foreach (var p in predictions)
        {
            buckets[(p.Timestamp - first).Ticks / width.Ticks].Add(p);
        }

        var windows = new List<DriftWindow>((int)count);
        for (var i = 0; i < count; i++)
        {
            windows.Add(Window(first + (width * i), first + (width * (i + 1)), buckets[i], features, outputs, reference, version, options));
        }

        return windows;
    }

    private static DateTimeOffset FirstWindowStart(DateTimeOffset start) => new(start.UtcDateTime.Date, TimeSpan.Zero);

    private static long WindowCount(DateTimeOffset start, DateTimeOffset end, TimeSpan width)
    {
        var ticks = (end - FirstWindowStart(start)).Ticks;
        return Math.Max(1, (ticks / width.Ticks) + (ticks % width.Ticks == 0 ? 0 : 1));
    }

    private static DriftWindow Window(DateTimeOffset start, DateTimeOffset end, List<LoggedPrediction> window, List<(string Field, ColumnProfile Column)> features, List<string>? outputs, LiveDriftReference? reference, ModelVersion? version, DriftOptions options)
    {
        var drift = new List<FeatureDrift>(features.Count);
        foreach (var (field, column) in features)
        {
            drift.Add(column.Numeric is not null
                ? DriftDetector.Numeric(column, window.Select(p => p.InputNumber(field) ?? double.NaN).ToArray(), options)
                : DriftDetector.Categorical(column, Counts(window, p => p.InputText(field)), options));
        }

        DriftReport? outputDrift = null;
        if (outputs is not null && reference is not null && version is not null)
        {
            var own = window.Where(p => p.Version == version.Version).ToList();
            var compared = new List<FeatureDrift>(outputs.Count);
            foreach (var name in outputs)
            {
                compared.Add(reference.NumericOutputs.TryGetValue(name, out var values)
                    ? DriftDetector.Numeric(name, CollectionsMarshal.AsSpan(values), own.Select(p => p.OutputNumber(name) ?? double.NaN).ToArray(), options)
                    : DriftDetector.Categorical(name, reference.CategoricalOutputs[name], Counts(own, p => LoggedPrediction.Field(p.Output, name) is { } e ? LoggedPrediction.JsonText(e) : null), options));
            }

            outputDrift = DriftDetector.Report(compared, options);
        }

        return new DriftWindow(start, end, window.Count, DriftDetector.Report(drift, options), outputDrift);
    }

    private static Dictionary<string, long> Counts(List<LoggedPrediction> predictions, Func<LoggedPrediction, string?> category)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var p in predictions)
        {
            // Null (missing) is counted under "", which the detector drops and reports as missing.
            var key = category(p) ?? string.Empty;
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return counts;
    }

    private static bool SameName(string a, string b) => string.Equals(Simple(a), Simple(b), StringComparison.Ordinal);

    private static string Simple(string name) => string.Concat(name.Where(c => c is not ('_' or '-')).Select(char.ToLowerInvariant));

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
