using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tracking;

/// <content>
/// Persistence: what was logged goes to the store as metric segments and compare-and-swap updates of the run's record.
/// Both are idempotent when retried after an outcome was lost: a segment is written create-if-absent under a name fixed
/// before the first attempt, and a change carries this writer's sequence number, which the record remembers.
/// </content>
public partial class Run
{
    private readonly Dictionary<string, MetricSummaryRecord> _pendingSummaries = new(StringComparer.Ordinal);
    private (string Key, BinaryData Csv)? _unwrittenSegment;
    private PendingChange? _unappliedChange;
    private long _changeSequence;

    /// <summary>
    /// Writes buffered metrics and applies pending changes: one batch of each per round in the background (so a round
    /// stays short and the heartbeat is never starved); when <paramref name="drain"/> (flush and end), rounds until
    /// nothing is left, or for a flush while other threads keep logging, until what was logged before it is stored.
    /// </summary>
    private async Task FlushCoreAsync(bool drain)
    {
        await _flushing.WaitAsync().ConfigureAwait(false);
        try
        {
            // A leftover from a failed attempt takes a round, then what was buffered takes one.
            var rounds = drain ? 3 : 1;
            do
            {
                await WriteMetricsAsync().ConfigureAwait(false);
                await ApplyChangesAsync().ConfigureAwait(false);
            }
            while (--rounds > 0 && !(_metrics.IsEmpty && !HasPendingChanges()));
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>Writes a segment left over by a failed attempt, or else the buffered points as a new one.</summary>
    private async Task WriteMetricsAsync()
    {
        if (_unwrittenSegment is null)
        {
            if (_metrics.IsEmpty)
            {
                return;
            }

            var batch = _metrics.TakeAll();
            Summarize(batch);
            _unwrittenSegment = (TrackingKeys.MetricSegment(Id, _writer, ++_segment), batch.ToCsv());
        }

        var (key, csv) = _unwrittenSegment.Value;
        try
        {
            await _context.Store.WriteAsync(key, csv, WriteCondition.IfNotExists).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            // Written by an earlier attempt whose answer was lost.
        }

        _unwrittenSegment = null;
    }

    /// <summary>Folds a batch into the per-metric summaries waiting to be stored in the run's record.</summary>
    private void Summarize(MetricBuffer.Batch batch)
    {
        lock (_gate)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                ref readonly var entry = ref batch.Entries[i];
                var name = batch.Names[entry.NameId];
                var point = new MetricSummaryRecord
                {
                    Last = entry.Value,
                    LastStep = entry.Step,
                    LastTimestamp = DateTimeOffset.FromUnixTimeMilliseconds(entry.TimestampMs),
                    Min = double.IsFinite(entry.Value) ? entry.Value : null,
                    Max = double.IsFinite(entry.Value) ? entry.Value : null,
                    Count = 1,
                };
                _pendingSummaries[name] = _pendingSummaries.TryGetValue(name, out var known) ? Merge(known, point) : point;
            }
        }
    }

    private bool HasPendingChanges()
    {
        lock (_gate)
        {
            return _unappliedChange is not null || _pendingParameters.Count + _pendingTags.Count + _pendingSummaries.Count + _pendingInputs.Count + _pendingOutputs.Count > 0;
        }
    }

    /// <summary>
    /// Applies a change left over by a failed attempt (as it was: its outcome is unknown), or else the pending changes as
    /// a new one. Applying is skipped when the record already holds a change of this writer with this number or later.
    /// </summary>
    private async Task ApplyChangesAsync()
    {
        PendingChange change;
        lock (_gate)
        {
            if (_unappliedChange is null)
            {
                if (_pendingParameters.Count + _pendingTags.Count + _pendingSummaries.Count + _pendingInputs.Count + _pendingOutputs.Count == 0)
                {
                    return;
                }

                _unappliedChange = new PendingChange(
                    ++_changeSequence,
                    new(_pendingParameters, StringComparer.Ordinal),
                    new(_pendingTags, StringComparer.Ordinal),
                    new(_pendingSummaries, StringComparer.Ordinal),
                    [.. _pendingInputs],
                    [.. _pendingOutputs]);
                _pendingParameters.Clear();
                _pendingTags.Clear();
                _pendingSummaries.Clear();
                _pendingInputs.Clear();
                _pendingOutputs.Clear();
            }

            change = _unappliedChange;
        }

        var conflicts = new List<ParameterConflictException>();
        await UpdateRecordAsync(
            record =>
            {
                conflicts.Clear();
                if (record.Writers.TryGetValue(_writer, out var applied) && applied >= change.Sequence)
                {
                    return;
                }

                record.Writers[_writer] = change.Sequence;
                foreach (var (name, value) in change.Parameters)
                {
                    if (record.Parameters.TryGetValue(name, out var recorded) && recorded != value)
                    {
                        conflicts.Add(new ParameterConflictException(Id, name, recorded, value));
                    }
                    else
                    {
                        record.Parameters[name] = value;
                    }
                }

                foreach (var (name, value) in change.Tags)
                {
                    record.Tags[name] = value;
                }

                foreach (var (name, summary) in change.Summaries)
                {
                    record.Metrics[name] = record.Metrics.TryGetValue(name, out var known) ? Merge(known, summary) : summary;
                }

                AddLinks(record.Inputs, change.Inputs);
                AddLinks(record.Outputs, change.Outputs);
            },
            CancellationToken.None).ConfigureAwait(false);

        lock (_gate)
        {
            _unappliedChange = null;
            foreach (var conflict in conflicts)
            {
                _parameters[conflict.Name] = conflict.RecordedValue;
            }
        }

        if (conflicts.Count > 0)
        {
            Interlocked.Exchange(ref _backgroundFailure, conflicts[0]);
        }
    }

    /// <summary>
    /// Changes the run's record by compare-and-swap, bumping its revision. Refuses a record another process has ended
    /// (<see cref="RunNotActiveException"/>); revives one another process declared crashed while this one was alive.
    /// </summary>
    private async Task<RunRecord> UpdateRecordAsync(Action<RunRecord> change, CancellationToken cancellationToken)
    {
        var revived = false;
        var updated = await _context.Records.UpdateAsync(
            TrackingKeys.Run(Id),
            current =>
            {
                var copy = (current ?? throw new RunNotFoundException(Id)).Clone();
                if (copy.Status is RunStatus.Finished or RunStatus.Failed or RunStatus.Killed)
                {
                    throw new RunNotActiveException(Id, copy.Status, "writing to it (another process ended it)");
                }

                revived = copy.Status == RunStatus.Crashed;
                if (revived)
                {
                    copy.Status = RunStatus.Running;
                    copy.EndTime = null;
                }

                change(copy);
                copy.Revision++;
                return copy;
            },
            TrackingJsonContext.Default.RunRecord,
            cancellationToken).ConfigureAwait(false);

        _record = updated!;
        if (revived && updated!.Status == RunStatus.Running)
        {
            TrackingLog.RunRevived(_context.Logger, Id);
            try
            {
                await _context.Index.AppendAsync(updated, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectStoreException or IOException)
            {
                // The record is right; a search reads running runs from their records anyway.
                TrackingLog.RunTidyUpFailed(_context.Logger, Id, ex);
            }
        }

        return updated!;
    }

    /// <summary>Combines two summaries of one metric; the latest value is the one with the highest step, then timestamp.</summary>
    internal static MetricSummaryRecord Merge(MetricSummaryRecord earlier, MetricSummaryRecord later)
    {
        var laterWins = later.LastStep > earlier.LastStep || (later.LastStep == earlier.LastStep && later.LastTimestamp >= earlier.LastTimestamp);
        var last = laterWins ? later : earlier;
        return new MetricSummaryRecord
        {
            Last = last.Last,
            LastStep = last.LastStep,
            LastTimestamp = last.LastTimestamp,
            Min = Combine(earlier.Min, later.Min, Math.Min),
            Max = Combine(earlier.Max, later.Max, Math.Max),
            Count = earlier.Count + later.Count,
        };
    }

    /// <summary>Adds links the record does not have yet: logging the same input or output again records it once.</summary>
    private static void AddLinks(List<RunLinkRecord> links, List<RunLinkRecord> added)
    {
        foreach (var link in added)
        {
            if (!links.Exists(l => l.Uri == link.Uri && l.Context == link.Context && l.Sha256 == link.Sha256))
            {
                links.Add(link);
            }
        }
    }

    private static double? Combine(double? a, double? b, Func<double, double, double> pick)
        => a is null ? b : b is null ? a : pick(a.Value, b.Value);

    /// <summary>A change to the run's record, numbered so that retrying it after a lost answer applies it once.</summary>
    private sealed record PendingChange(
        long Sequence,
        Dictionary<string, string> Parameters,
        Dictionary<string, string> Tags,
        Dictionary<string, MetricSummaryRecord> Summaries,
        List<RunLinkRecord> Inputs,
        List<RunLinkRecord> Outputs);
}
