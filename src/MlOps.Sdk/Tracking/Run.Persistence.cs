using MlOps.Sdk.Records;
using MlOps.Sdk.Storage;

namespace MlOps.Sdk.Tracking;

/// <content>Persistence: what was logged goes to the store as metric segments and compare-and-swap updates of the run's record.</content>
public partial class Run
{
    private readonly Dictionary<string, MetricSummaryRecord> _pendingSummaries = new(StringComparer.Ordinal);
    private (string Key, BinaryData Csv)? _unwrittenSegment;

    /// <summary>Writes buffered metrics as a new segment and applies pending changes to the run's record.</summary>
    private async Task FlushCoreAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteMetricsAsync(cancellationToken).ConfigureAwait(false);
            await WritePendingChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>Writes a segment left over by a failed attempt, then what the buffer holds, until the buffer is empty.</summary>
    private async Task WriteMetricsAsync(CancellationToken cancellationToken)
    {
        while (true)
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
                await _context.Store.WriteAsync(key, csv, WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
            }
            catch (PreconditionFailedException)
            {
                // Written by an earlier attempt whose answer was lost.
            }

            _unwrittenSegment = null;
        }
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

    private async Task WritePendingChangesAsync(CancellationToken cancellationToken)
    {
        Dictionary<string, string> parameters, tags;
        Dictionary<string, MetricSummaryRecord> summaries;
        List<RunLinkRecord> inputs, outputs;
        lock (_gate)
        {
            if (_pendingParameters.Count + _pendingTags.Count + _pendingSummaries.Count + _pendingInputs.Count + _pendingOutputs.Count == 0)
            {
                return;
            }

            parameters = new(_pendingParameters, StringComparer.Ordinal);
            tags = new(_pendingTags, StringComparer.Ordinal);
            summaries = new(_pendingSummaries, StringComparer.Ordinal);
            inputs = [.. _pendingInputs];
            outputs = [.. _pendingOutputs];
            _pendingParameters.Clear();
            _pendingTags.Clear();
            _pendingSummaries.Clear();
            _pendingInputs.Clear();
            _pendingOutputs.Clear();
        }

        var conflicts = new List<ParameterConflictException>();
        try
        {
            await UpdateRecordAsync(
                record =>
                {
                    conflicts.Clear();
                    foreach (var (name, value) in parameters)
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

                    foreach (var (name, value) in tags)
                    {
                        record.Tags[name] = value;
                    }

                    foreach (var (name, summary) in summaries)
                    {
                        record.Metrics[name] = record.Metrics.TryGetValue(name, out var known) ? Merge(known, summary) : summary;
                    }

                    record.Inputs.AddRange(inputs);
                    record.Outputs.AddRange(outputs);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Nothing was stored: keep it all for the next flush (newer values logged meanwhile win).
            lock (_gate)
            {
                foreach (var (name, value) in parameters)
                {
                    _pendingParameters.TryAdd(name, value);
                }

                foreach (var (name, value) in tags)
                {
                    _pendingTags.TryAdd(name, value);
                }

                foreach (var (name, summary) in summaries)
                {
                    _pendingSummaries[name] = _pendingSummaries.TryGetValue(name, out var newer) ? Merge(summary, newer) : summary;
                }

                _pendingInputs.InsertRange(0, inputs);
                _pendingOutputs.InsertRange(0, outputs);
            }

            throw;
        }

        if (conflicts.Count > 0)
        {
            lock (_gate)
            {
                foreach (var conflict in conflicts)
                {
                    _parameters[conflict.Name] = conflict.RecordedValue;
                }
            }

            Interlocked.Exchange(ref _backgroundFailure, conflicts[0]);
        }
    }

    /// <summary>Changes the run's record by compare-and-swap, bumping its revision; revives it if another process had declared it crashed.</summary>
    private async Task<RunRecord> UpdateRecordAsync(Action<RunRecord> change, CancellationToken cancellationToken)
    {
        var revived = false;
        var updated = await _context.Records.UpdateAsync(
            TrackingKeys.Run(Id),
            current =>
            {
                var copy = (current ?? throw new RunNotFoundException(Id)).Clone();
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
        if (revived)
        {
            TrackingLog.RunRevived(_context.Logger, Id);
            if (updated!.Status == RunStatus.Running)
            {
                await _context.Index.AppendAsync(updated, cancellationToken).ConfigureAwait(false);
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

    private static double? Combine(double? a, double? b, Func<double, double, double> pick)
        => a is null ? b : b is null ? a : pick(a.Value, b.Value);
}
