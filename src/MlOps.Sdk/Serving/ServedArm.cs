using System.Runtime.CompilerServices;
using Azure;
using Microsoft.ML;
using MlOps.Sdk.Models;

namespace MlOps.Sdk.Serving;

/// <summary>One arm of a served predictor: the model a URI points at now, swapped in atomically when it moves.</summary>
internal sealed class ServedArm<TIn, TOut>(string name, ModelRef reference, double weight)
    where TIn : class
    where TOut : class, new()
{
    private volatile ServedModel<TIn, TOut>? _current;
    private ETag? _aliasETag;
    private (ETag? ETag, int Version, string Sha256)? _failed;

    public string Name { get; } = name;

    public ModelRef Reference { get; } = reference;

    private double _traffic = double.NaN;

    /// <summary>Gets the configured weight.</summary>
    public double Weight { get; } = weight;

    /// <summary>Gets the share it gets now: the alias's traffic weight when one is set in the store, else the configured one.</summary>
    public double EffectiveWeight
    {
        get
        {
            var traffic = Volatile.Read(ref _traffic);
            return double.IsNaN(traffic) ? Weight : traffic;
        }
    }

    public ServedModel<TIn, TOut>? Current => _current;

    /// <summary>Looks at the reference and swaps a new version in; <see langword="true"/> when it did.</summary>
    public async Task<(bool Swapped, int? From, int? To)> RefreshAsync(MlOpsClient client, MLContext? mlContext, CancellationToken cancellationToken)
    {
        var name = Reference.Name!;
        ETag? etag = null;
        double? traffic = null;
        if (Reference.Alias is { } alias && alias != ModelRef.LatestAlias)
        {
            etag = await client.Models.GetAliasETagAsync(name, alias, cancellationToken).ConfigureAwait(false);
            if ((_current is not null && etag == _aliasETag) || (_failed is { ETag: { } bad } && bad == etag))
            {
                return (false, null, null); // the alias did not move (or still points at a version that failed to load)
            }

            // The record changed: its traffic weight may have (a canary stepping up) even when its version did not. The
            // weight goes with the version it was set for: it applies once that version serves.
            (_, traffic) = await client.Models.GetAliasStateAsync(name, alias, cancellationToken).ConfigureAwait(false);
        }
        else if (Reference.Version is not null && _current is not null)
        {
            return (false, null, null); // a fixed version never changes
        }

        var version = await client.Models.GetAsync(Reference, cancellationToken).ConfigureAwait(false);
        if (_current is { } live && live.Info.Version == version.Version && live.Info.Sha256 == version.Sha256.ToString())
        {
            Volatile.Write(ref _traffic, traffic ?? double.NaN);
            _aliasETag = etag;
            return (false, null, null);
        }

        if (_failed is { } failed && failed.Version == version.Version && failed.Sha256 == version.Sha256.ToString())
        {
            return (false, null, null); // the same version that failed: not downloaded again until the alias moves
        }

        // Load and check the new version off the request path; only then swap.
        Predictor<TIn, TOut> predictor;
        try
        {
            var loaded = mlContext is null
                ? await client.Models.LoadAsync(version.Ref, cancellationToken).ConfigureAwait(false)
                : await client.Models.LoadAsync(version.Ref, mlContext, cancellationToken).ConfigureAwait(false);
            predictor = loaded.CreatePredictor<TIn, TOut>();
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or Storage.ObjectStoreException))
        {
            _failed = (etag, version.Version, version.Sha256.ToString());
            throw;
        }

        _failed = null;
        var served = new ServedModel<TIn, TOut>(predictor, new ServedModelInfo(name, version.Version, Reference.ToString(), version.Sha256.ToString(), client.TimeProvider.GetUtcNow()));
        Volatile.Write(ref _traffic, traffic ?? double.NaN);
        var retired = Interlocked.Exchange(ref _current, served);
        retired?.Retire();
        _aliasETag = etag;
        return (true, retired?.Info.Version, version.Version);
    }

    /// <summary>Takes the arm's model for one prediction, or <see langword="null"/> when it has none loaded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ServedModel<TIn, TOut>? Acquire()
    {
        while (true)
        {
            var model = _current;
            if (model is null || model.TryAcquire())
            {
                return model;
            }

            // Swapped meanwhile: the slot already holds the new version.
        }
    }

    public void Retire() => Interlocked.Exchange(ref _current, null)?.Retire();
}
