using System.Runtime.CompilerServices;
using MlOps.Sdk.Models;

namespace MlOps.Sdk.Serving;

/// <summary>
/// A loaded model version in service, counted: the serving slot holds one reference and every prediction in flight one
/// more. Retiring drops the slot's reference; the last prediction to finish disposes the predictor, so a request in
/// flight always finishes on the model it started with and no engine is used after it is disposed.
/// </summary>
internal sealed class ServedModel<TIn, TOut>(Predictor<TIn, TOut> predictor, ServedModelInfo info)
    where TIn : class
    where TOut : class, new()
{
    private int _references = 1;
    private volatile bool _retired;

    public Predictor<TIn, TOut> Predictor { get; } = predictor;

    public ServedModelInfo Info { get; } = info;

    /// <summary>Gets a value indicating whether the predictor was disposed (retired and no request left).</summary>
    public bool IsDisposed => Volatile.Read(ref _references) == 0;

    /// <summary>Takes a reference for one prediction, unless the model is retired: after a swap, no new prediction starts on it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryAcquire()
    {
        if (_retired)
        {
            return false;
        }

        var seen = Volatile.Read(ref _references);
        while (seen > 0)
        {
            var before = Interlocked.CompareExchange(ref _references, seen + 1, seen);
            if (before == seen)
            {
                if (_retired)
                {
                    Release(); // retired in between: give it back, and let the caller take the new model
                    return false;
                }

                return true;
            }

            seen = before;
        }

        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            Predictor.Dispose();
        }
    }

    /// <summary>Takes the model out of service: disposed at once if idle, else by its last prediction in flight.</summary>
    public void Retire()
    {
        _retired = true;
        Release();
    }
}
