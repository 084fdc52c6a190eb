using Microsoft.Extensions.Logging;
using MlOps.Sdk.Internal;
using Polly;
using Polly.Retry;

namespace MlOps.Sdk.Storage;

/// <summary>
/// The compare-and-swap loop every feature uses to change a mutable record: read it with its ETag, compute the new
/// content, write it if-match (or if-not-exists when it is missing), and on a conflict try again through a Polly retry
/// pipeline. No update is ever lost: a write only succeeds on the exact version its change was computed from.
/// </summary>
internal sealed class ConflictRetry
{
    private static readonly ResiliencePropertyKey<string> KeyProperty = new("mlops.key");

    private readonly ResiliencePipeline _pipeline;

    public ConflictRetry(ConflictRetryOptions options, TimeProvider timeProvider, ILogger logger)
    {
        OptionsValidation.ThrowIfInvalid(options);
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<PreconditionFailedException>(),
                MaxRetryAttempts = Math.Max(options.MaxRetryAttempts, 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                OnRetry = args =>
                {
                    args.Context.Properties.TryGetValue(KeyProperty, out var key);
                    logger.ConflictRetry(key ?? "?", args.AttemptNumber + 1, args.RetryDelay);
                    return default;
                },
            })
            .Build();
        Attempts = options.MaxRetryAttempts;
    }

    /// <summary>Gets how many retries follow the first attempt.</summary>
    public int Attempts { get; }

    /// <summary>
    /// Changes the object under <paramref name="key"/> by compare-and-swap. <paramref name="update"/> receives the current
    /// object (<see langword="null"/> when missing) and returns the new content, or <see langword="null"/> to leave it as is;
    /// it may run several times and must not have side effects.
    /// </summary>
    /// <returns>The properties of the version written, or of the current version when nothing was written; <see langword="null"/> when nothing exists and nothing was written.</returns>
    public async Task<ObjectProperties?> UpdateAsync(ObjectStore store, string key, Func<StoredObject?, BinaryData?> update, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(KeyProperty, key);
        try
        {
            if (Attempts == 0)
            {
                return await AttemptAsync(store, key, update, cancellationToken).ConfigureAwait(false);
            }

            return await _pipeline.ExecuteAsync(
                static async (ctx, state) => await AttemptAsync(state.store, state.key, state.update, ctx.CancellationToken).ConfigureAwait(false),
                context,
                (store, key, update)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static async Task<ObjectProperties?> AttemptAsync(ObjectStore store, string key, Func<StoredObject?, BinaryData?> update, CancellationToken cancellationToken)
    {
        var current = await store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        var next = update(current);
        if (next is null)
        {
            return current?.Properties;
        }

        var condition = current is null ? WriteCondition.IfNotExists : WriteCondition.IfMatch(current.ETag);
        return await store.WriteAsync(key, next, condition, cancellationToken).ConfigureAwait(false);
    }
}
