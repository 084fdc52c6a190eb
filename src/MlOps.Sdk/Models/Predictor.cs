using System.Runtime.CompilerServices;
using Microsoft.ML;

namespace MlOps.Sdk.Models;

/// <summary>
/// Predictions from one loaded model, safe to call from any number of threads (ML.NET's <see cref="PredictionEngine{TSrc, TDst}"/>
/// is not): one engine per calling thread, created on first use and disposed with the predictor. <see cref="Predict(TIn)"/>
/// for one item; <see cref="PredictBatch"/> for many, through the model's <c>Transform</c>.
/// </summary>
/// <typeparam name="TIn">The input row type.</typeparam>
/// <typeparam name="TOut">The output row type.</typeparam>
/// <remarks>
/// The same type serves scripts, search-trial evaluation, champion/challenger comparison, web services and monitoring
/// replay. Engines live as long as their thread or the predictor; with a bounded thread pool (ASP.NET Core, the .NET
/// thread pool) that is a bounded pool.
/// </remarks>
public sealed class Predictor<TIn, TOut> : IDisposable
    where TIn : class
    where TOut : class, new()
{
    private readonly LoadedModel _model;
    private readonly Microsoft.ML.Data.SchemaDefinition _input;
    private readonly ThreadLocal<PredictionEngine<TIn, TOut>> _engines;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<PredictorThreadCache, bool> _slots = new(ReferenceEqualityComparer.Instance);
    private volatile bool _disposed;

    internal Predictor(LoadedModel model, Microsoft.ML.Data.SchemaDefinition input)
    {
        _model = model;
        _input = input;
        _engines = new ThreadLocal<PredictionEngine<TIn, TOut>>(() => model.MLContext.Model.CreatePredictionEngine<TIn, TOut>(model.Model, ignoreMissingColumns: false, inputSchemaDefinition: input), trackAllValues: true);
    }

    /// <summary>Gets the model version the predictions come from, or <see langword="null"/> for a run's model.</summary>
    public ModelVersion? Version => _model.Version;

    /// <summary>Gets the URI of the model version (<c>models:/name/3</c>).</summary>
    public string Uri => _model.Uri;

    /// <summary>Gets the loaded model.</summary>
    public LoadedModel Model => _model;

    /// <summary>Predicts one item.</summary>
    /// <param name="input">The input.</param>
    /// <returns>A new prediction.</returns>
    /// <exception cref="ObjectDisposedException">The predictor is disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public TOut Predict(TIn input)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Engine().Predict(input);
    }

    /// <summary>Predicts one item into an existing object (no allocation for the result).</summary>
    /// <param name="input">The input.</param>
    /// <param name="prediction">The object the prediction is written into.</param>
    /// <exception cref="ObjectDisposedException">The predictor is disposed.</exception>
    public void Predict(TIn input, ref TOut prediction)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Engine().Predict(input, ref prediction);
    }

    /// <summary>Predicts many items through the model's <c>Transform</c> (faster than one by one for large batches).</summary>
    /// <param name="inputs">The inputs.</param>
    /// <returns>The predictions, in the inputs' order.</returns>
    /// <exception cref="ObjectDisposedException">The predictor is disposed.</exception>
    public IReadOnlyList<TOut> PredictBatch(IEnumerable<TIn> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var data = _model.MLContext.Data.LoadFromEnumerable(inputs, _input);
        return _model.MLContext.Data.CreateEnumerable<TOut>(_model.Model.Transform(data), reuseRowObject: false).ToList();
    }

    /// <summary>
    /// Disposes every engine and lets go of the model in every thread's cache; call it once no prediction is running
    /// (a served predictor retires models only after their last request). Later calls throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // Let go of this predictor in every thread's slot, so an idle thread does not keep the model alive.
        foreach (var slot in _slots.Keys)
        {
            if (slot.Entry is { } entry && ReferenceEquals(entry.Owner, this))
            {
                Interlocked.CompareExchange(ref slot.Entry, null, entry);
            }
        }

        _slots.Clear();

        foreach (var engine in _engines.Values)
        {
            engine.Dispose();
        }

        _engines.Dispose();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private PredictionEngine<TIn, TOut> Engine()
    {
        // The last predictor this thread used, with its engine, in a slot held by a non-generic thread static (a
        // generic type's statics need a runtime lookup in shared generic code): three reads on the hot path.
        var slot = PredictorThreadCache.Current;
        var entry = slot?.Entry;
        if (entry is not null && ReferenceEquals(entry.Owner, this))
        {
            return Unsafe.As<PredictionEngine<TIn, TOut>>(entry.Engine);
        }

        var engine = _engines.Value!;
        slot ??= PredictorThreadCache.Current = new PredictorThreadCache();

        // One immutable (owner, engine) pair, written at once: a Dispose on another thread that clears the slot can only
        // remove its own pair (compare-and-swap), never leave this thread with an owner and no engine.
        slot.Entry = new PredictorThreadCache.Pair(this, engine);
        _slots.TryAdd(slot, true);
        return engine;
    }

    /// <inheritdoc />
    public override string ToString() => $"Predictor<{typeof(TIn).Name}, {typeof(TOut).Name}>({Uri})";
}

/// <summary>Per thread, a slot with the predictor used last and its engine (see <c>Predictor.Engine</c>); a disposed predictor empties the slots it filled.</summary>
internal sealed class PredictorThreadCache
{
    [ThreadStatic]
    private static PredictorThreadCache? t_current;

    public static PredictorThreadCache? Current
    {
        get => t_current;
        set => t_current = value;
    }

    /// <summary>The thread's last (predictor, engine); replaced whole, cleared only by compare-and-swap.</summary>
    public Pair? Entry;

    public sealed record Pair(object Owner, object Engine);
}
