using Pipelet.Contracts.Events;
using Pipelet.Gateway.Ocpp;

namespace Pipelet.Gateway.Events;

/// <summary>Which bus message carried an event, and how many events shared it.</summary>
internal readonly record struct EventBatchReceipt(Guid MessageId, int Events);

/// <summary>
/// One event waiting for its batch: its JSON, written by the publishing caller (so the work spreads over
/// the callers' threads, not the publish loop's), and the completion its caller awaits. Whoever completes
/// it first wins: the loop (confirmed, or failed with the batch) or the caller (gave up waiting), in which
/// case a loop that has not taken it yet drops it instead of publishing an event nobody will answer for.
/// </summary>
internal sealed class PendingEvent : IDisposable
{
    private readonly PooledBuffer _json;
    private readonly TaskCompletionSource<EventBatchReceipt> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PendingEvent(StationEvent stationEvent)
    {
        _json = new PooledBuffer(512);
        StationEventEnvelope.WriteEvent(_json, stationEvent);
    }

    public ReadOnlyMemory<byte> Json => _json.WrittenMemory;

    public int Length => _json.WrittenCount;

    public Task<EventBatchReceipt> Completion => _completion.Task;

    /// <summary>The caller stopped waiting (timeout, cancellation): no answer depends on this event any more.</summary>
    public bool IsAbandoned => _completion.Task.IsCompleted;

    public void Confirm(EventBatchReceipt receipt) => _completion.TrySetResult(receipt);

    public void Fail(Exception error) => _completion.TrySetException(error);

    public void Abandon() => _completion.TrySetCanceled();

    /// <summary>Returns the JSON's buffer; called once its bytes are in a batch (or it is dropped).</summary>
    public void Dispose() => _json.Dispose();
}
