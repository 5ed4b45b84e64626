namespace Pipelet.Gateway.Events;

/// <summary>
/// The events one bus message carries: whatever was waiting when a publish slot came free (group commit,
/// never a linger), oldest first, up to a count and a byte size. A first event larger than the byte cap
/// still goes, alone; an event that would overflow the cap waits (<c>carry</c>) to open the next batch.
/// </summary>
internal sealed class EventBatch : IDisposable
{
    private readonly List<PendingEvent> _events;

    private EventBatch(int capacity) => _events = new List<PendingEvent>(capacity);

    public IReadOnlyList<PendingEvent> Events => _events;

    public int Count => _events.Count;

    /// <summary>Bytes of the events' JSON, without the envelope.</summary>
    public int Bytes { get; private set; }

    /// <summary>Takes what is waiting, without waiting; empty when nothing (or only abandoned events) was there.</summary>
    public static EventBatch Take(WaitingEvents waiting, ref PendingEvent? carry, int maxEvents, int maxBytes)
    {
        var batch = new EventBatch(Math.Min(maxEvents, 16));
        while (batch.Count < maxEvents)
        {
            PendingEvent next;
            if (carry is not null)
            {
                next = carry;
                carry = null;
            }
            else if (!waiting.TryRead(out next!))
            {
                break;
            }

            if (next.IsAbandoned)
            {
                next.Dispose();
                continue;
            }

            if (batch.Count > 0 && batch.Bytes + next.Length > maxBytes)
            {
                carry = next;
                break;
            }

            batch._events.Add(next);
            batch.Bytes += next.Length;
        }

        return batch;
    }

    public void Confirm(EventBatchReceipt receipt)
    {
        foreach (var pending in _events) pending.Confirm(receipt);
    }

    public void Fail(Exception error)
    {
        foreach (var pending in _events) pending.Fail(error);
    }

    /// <summary>Returns the events' JSON buffers (once their bytes are in the message).</summary>
    public void Dispose()
    {
        foreach (var pending in _events) pending.Dispose();
    }
}
