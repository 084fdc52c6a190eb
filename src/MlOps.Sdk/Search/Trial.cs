using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.ML;
using MlOps.Sdk.Tracking;

namespace MlOps.Sdk.Search;

/// <summary>
/// One evaluation of the objective in a study: it suggests parameters, reports intermediate values, and is recorded as
/// a child run of the study's run (<see cref="Run"/>), where its parameters, reported values and final value are
/// logged and searchable like any run's.
/// </summary>
/// <remarks>
/// The objective gets a trial from <see cref="Study.OptimizeAsync(Func{Trial, CancellationToken, Task{double}}, SearchBudget, CancellationToken)"/>
/// (or from <see cref="Study.AskAsync"/> in an ask/tell loop). Suggesting a name again returns the value it has; the
/// search space may depend on earlier values (a branch suggests its own parameters). Members are thread-safe.
/// </remarks>
public class Trial
{
    private readonly TrialHost _host = null!;
    private readonly object _gate = new();
    private readonly List<TrialParameterRecord> _parameters = [];
    private readonly Dictionary<string, TrialParameterRecord> _preset = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _fixed = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, double> _intermediate = [];
    private readonly Run _run = null!;
    private TrialState? _ended;

    internal Trial(TrialHost host, int number, Run run, IEnumerable<TrialParameterRecord> preset, IReadOnlyDictionary<string, string>? fixedValues)
    {
        _host = host;
        Number = number;
        _run = run;
        foreach (var parameter in preset)
        {
            _preset[parameter.Name] = parameter;
        }

        foreach (var (name, value) in fixedValues ?? new Dictionary<string, string>())
        {
            _fixed[name] = value;
        }
    }

    /// <summary>Initializes a new instance for mocking.</summary>
    protected Trial()
    {
    }

    /// <summary>Gets the trial's number in its study, from 0.</summary>
    public virtual int Number { get; }

    /// <summary>Gets the name of the study the trial belongs to.</summary>
    public virtual string StudyName => _host.StudyName;

    /// <summary>Gets the run that records the trial: log more metrics, artifacts, inputs through it.</summary>
    public virtual Run Run => _run;

    /// <summary>Gets the parameters suggested so far, as the objective got them.</summary>
    public virtual IReadOnlyDictionary<string, object> Parameters
    {
        get
        {
            lock (_gate)
            {
                return _parameters.ToDictionary(p => p.Name, p => p.Distribution.ToDistribution(p.Name).ToExternal(p.Value), StringComparer.Ordinal).AsReadOnly();
            }
        }
    }

    /// <summary>Gets the values reported so far, by step.</summary>
    public virtual IReadOnlyDictionary<long, double> IntermediateValues
    {
        get
        {
            lock (_gate)
            {
                return new SortedList<long, double>(_intermediate).AsReadOnly();
            }
        }
    }

    /// <summary>
    /// Gets a value indicating whether the study's pruner says to stop this trial now, judged on what it reported
    /// against the other trials (this process's live ones, and other workers' as last read from the store, at most about
    /// a second old). Stop by throwing <see cref="TrialPrunedException"/>.
    /// </summary>
    public virtual bool ShouldPrune
    {
        get
        {
            lock (_gate)
            {
                if (_intermediate.Count == 0)
                {
                    return false;
                }
            }

            return _host.ShouldPrune(this);
        }
    }

    /// <summary>Suggests a real number from a range.</summary>
    /// <param name="name">The parameter: 1 to 250 letters, digits, '_', '-', '.', ' ', '/' or ':'.</param>
    /// <param name="low">The smallest value.</param>
    /// <param name="high">The largest value (included).</param>
    /// <param name="log">Whether to search on a log scale (<paramref name="low"/> above 0).</param>
    /// <param name="step">A grid spacing, or <see langword="null"/> for a continuous range.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is invalid (see <see cref="FloatDistribution"/>), or an enqueued value lies outside it.</exception>
    /// <exception cref="ParameterDistributionConflictException">The name was suggested in this trial from another range.</exception>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "'step' is the word every search API uses for it.")]
    public virtual double SuggestFloat(string name, double low, double high, bool log = false, double? step = null)
        => (double)Suggest(name, new FloatDistribution(low, high, log, step));

    /// <summary>Suggests an integer from a range.</summary>
    /// <param name="name">The parameter.</param>
    /// <param name="low">The smallest value.</param>
    /// <param name="high">The largest value (included).</param>
    /// <param name="log">Whether to search on a log scale (<paramref name="low"/> at least 1).</param>
    /// <param name="step">The spacing.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is invalid (see <see cref="IntDistribution"/>), or an enqueued value lies outside it.</exception>
    /// <exception cref="ParameterDistributionConflictException">The name was suggested in this trial from another range.</exception>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "'step' is the word every search API uses for it.")]
    public virtual int SuggestInt(string name, int low, int high, bool log = false, int step = 1)
        => (int)Suggest(name, new IntDistribution(low, high, log, step));

    /// <summary>Suggests one of a list of choices.</summary>
    /// <typeparam name="T">The choices' type: numbers, strings, booleans, enums (kept as their invariant-culture text).</typeparam>
    /// <param name="name">The parameter.</param>
    /// <param name="choices">The choices: at least one, no two with the same text.</param>
    /// <returns>The choice.</returns>
    /// <exception cref="ArgumentException"><paramref name="choices"/> is empty or has two choices with the same text.</exception>
    /// <exception cref="ParameterDistributionConflictException">The name was suggested in this trial from other choices.</exception>
    public virtual T SuggestCategorical<T>(string name, params IReadOnlyList<T> choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        var index = (int)Suggest(name, new CategoricalDistribution(choices.Select(c => Run.Format(c))), out _);
        return choices[index];
    }

    /// <summary>Suggests a value from any distribution.</summary>
    /// <param name="name">The parameter.</param>
    /// <param name="distribution">The distribution.</param>
    /// <returns>The value as the objective sees it: a <see cref="double"/>, an <see cref="int"/>, or a choice's text.</returns>
    /// <exception cref="ParameterDistributionConflictException">The name was suggested in this trial from another distribution.</exception>
    public virtual object Suggest(string name, ParameterDistribution distribution)
    {
        var internalValue = Suggest(name, distribution, out var external);
        _ = internalValue;
        return external;
    }

    /// <summary>
    /// Reports an intermediate value (a validation score after an epoch, a boosting round) for pruning and for the record:
    /// logged to the run as the metric <c>intermediate_value</c> at <paramref name="step"/>.
    /// </summary>
    /// <param name="value">The value.</param>
    /// <param name="step">The step: 0 or more; reporting a step again replaces its value.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative.</exception>
    /// <exception cref="TrialNotActiveException">The trial has ended.</exception>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "'step' is the word every search API uses for it.")]
    public virtual void Report(double value, long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        lock (_gate)
        {
            ThrowIfEnded("reporting a value");
            _intermediate[step] = value;
        }

        _run.LogMetric("intermediate_value", value, step);
        _host.OnReport(this);
    }

    /// <summary>
    /// Saves a trained model with the trial's run (as its artifact <c>model</c>, content-addressed, not registered), so
    /// that <see cref="Study.RegisterBestModelAsync"/> can register the best trial's model without training it again.
    /// </summary>
    /// <param name="model">The trained model.</param>
    /// <param name="inputSchema">The schema of the data it takes.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The stored artifact.</returns>
    /// <exception cref="Storage.ObjectStoreException">The store failed.</exception>
    public virtual async Task<RunArtifact> SaveModelAsync(ITransformer model, DataViewSchema inputSchema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        var temporary = Path.Combine(Path.GetTempPath(), $"mlops-trial-{Guid.NewGuid():N}.zip");
        try
        {
            Models.ModelSerializer.Save(new MLContext(seed: 0), model, inputSchema, temporary);
            return await _run.LogArtifactAsync(Study.ModelArtifactPath, temporary, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{StudyName} trial {Number}";

    internal IReadOnlyList<TrialParameterRecord> ParameterRecords()
    {
        lock (_gate)
        {
            return [.. _parameters];
        }
    }

    internal SortedDictionary<long, double> IntermediateCopy()
    {
        lock (_gate)
        {
            return new SortedDictionary<long, double>(_intermediate);
        }
    }

    /// <summary>Gets who runs the trial.</summary>
    internal TrialHost Host => _host;

    /// <summary>Gets the state the trial ended in, or <see langword="null"/> while it runs.</summary>
    internal TrialState? EndedState
    {
        get
        {
            lock (_gate)
            {
                return _ended;
            }
        }
    }

    /// <summary>Marks the trial ended: no more suggestions or reports.</summary>
    /// <returns><see langword="true"/> for the call that ended it; <see langword="false"/> when it had ended already.</returns>
    internal bool MarkEnded(TrialState state)
    {
        lock (_gate)
        {
            if (_ended is not null)
            {
                return false;
            }

            _ended = state;
            return true;
        }
    }

    /// <summary>The trial as a snapshot, Running, for the samplers and pruners of this process.</summary>
    internal TrialInfo ToInfo()
    {
        lock (_gate)
        {
            return new TrialInfo(
                Number,
                TrialState.Running,
                _parameters.ToDictionary(p => p.Name, p => p.Distribution.ToDistribution(p.Name), StringComparer.Ordinal),
                _parameters.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal),
                null,
                _intermediate)
            {
                RunId = _run.Id,
                StartTime = _run.StartTime,
            };
        }
    }

    private double Suggest(string name, ParameterDistribution distribution, out object external)
    {
        TrackingNames.Key(name, "Parameter", nameof(name));
        ArgumentNullException.ThrowIfNull(distribution);
        double value;
        lock (_gate)
        {
            ThrowIfEnded("suggesting a parameter");
            var known = _parameters.Find(p => p.Name == name);
            if (known is not null)
            {
                var recorded = known.Distribution.ToDistribution(name);
                if (!recorded.Equals(distribution))
                {
                    throw new ParameterDistributionConflictException(Number, name, recorded, distribution);
                }

                external = distribution.ToExternal(known.Value);
                return known.Value;
            }

            if (_fixed.TryGetValue(name, out var text))
            {
                value = FromText(name, text, distribution);
            }
            else if (_preset.TryGetValue(name, out var preset) && preset.Distribution.ToDistribution(name).Equals(distribution))
            {
                value = preset.Value;
            }
            else
            {
                value = double.NaN;
            }
        }

        if (double.IsNaN(value))
        {
            value = distribution.IsSingle ? distribution.Clamp(double.NegativeInfinity) : _host.SampleIndependent(this, name, distribution);
            if (!distribution.Contains(value))
            {
                value = distribution.Clamp(value);
            }
        }

        lock (_gate)
        {
            ThrowIfEnded("suggesting a parameter");
            if (_parameters.Find(p => p.Name == name) is { } raced)
            {
                // Another thread of the objective suggested it meanwhile: one value per name.
                external = distribution.ToExternal(raced.Value);
                return raced.Value;
            }

            _parameters.Add(new TrialParameterRecord { Name = name, Distribution = DistributionRecord.From(distribution), Value = value });
        }

        external = distribution.ToExternal(value);
        _run.LogParameter(name, external);
        _host.OnReport(this);
        return value;
    }

    private double FromText(string name, string text, ParameterDistribution distribution)
    {
        double value = distribution switch
        {
            CategoricalDistribution c => c.IndexOf(text),
            FloatDistribution => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? f : double.NaN,
            IntDistribution => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : double.NaN,
            _ => distribution is { } d && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var any) ? any : double.NaN,
        };
        if (double.IsNaN(value) || !distribution.Contains(value))
        {
            throw new ArgumentOutOfRangeException(nameof(name), text, $"Trial {Number} was given '{text}' for the parameter '{name}', which is not in its distribution {distribution}.");
        }

        return value;
    }

    private void ThrowIfEnded(string action)
    {
        if (_ended is { } state)
        {
            throw new TrialNotActiveException(StudyName, Number, state, action + " after the trial ended");
        }
    }
}

/// <summary>What a trial needs from whoever runs it: a study, or a single fixed trial (a Katib trial).</summary>
internal abstract class TrialHost
{
    public abstract string StudyName { get; }

    public abstract double SampleIndependent(Trial trial, string name, ParameterDistribution distribution);

    public abstract bool ShouldPrune(Trial trial);

    /// <summary>Called when the trial suggested a new parameter or reported a value: the study stores it in the background.</summary>
    public abstract void OnReport(Trial trial);
}
