namespace Pipelet.Dispatcher.Delivery.Intake;

/// <summary>
/// Turns the outcomes of one channel's deliveries, which finish in any order, into as few
/// acknowledgements as possible without ever acknowledging a delivery that is not finished: every
/// finished delivery below the oldest unfinished one is covered by one <c>basic.ack multiple</c>; a
/// finished delivery above it is acknowledged on its own, so one slow event never holds the prefetch
/// window of the others. A failed delivery is handed back (<c>basic.nack</c>, requeue) before any
/// multiple ack that could cover it. Delivery tags are per channel: one tracker per channel.
/// </summary>
public sealed class AckTracker
{
    private readonly Lock _gate = new();
    private readonly SortedSet<ulong> _unfinished = [];
    private readonly List<ulong> _finished = [];
    private readonly List<ulong> _failed = [];

    /// <summary>What to send the broker, in this order.</summary>
    public readonly record struct Acknowledgement(ulong DeliveryTag, bool Multiple, bool Requeue);

    public int Unfinished
    {
        get
        {
            lock (_gate) return _unfinished.Count;
        }
    }

    /// <summary>A delivery arrived; call before anything can finish it.</summary>
    public void Received(ulong deliveryTag)
    {
        lock (_gate) _unfinished.Add(deliveryTag);
    }

    /// <summary>Its outcome is durable: it may be acknowledged.</summary>
    public void Finished(ulong deliveryTag)
    {
        lock (_gate)
        {
            if (_unfinished.Remove(deliveryTag)) _finished.Add(deliveryTag);
        }
    }

    /// <summary>It could not be handled here: hand it back to the queue.</summary>
    public void Failed(ulong deliveryTag)
    {
        lock (_gate)
        {
            if (_unfinished.Remove(deliveryTag)) _failed.Add(deliveryTag);
        }
    }

    /// <summary>The acknowledgements due since the last call (nacks first, then acks), in the order to send them.</summary>
    public List<Acknowledgement> Take()
    {
        var due = new List<Acknowledgement>();
        lock (_gate)
        {
            foreach (var tag in _failed) due.Add(new Acknowledgement(tag, Multiple: false, Requeue: true));
            _failed.Clear();

            var oldestUnfinished = _unfinished.Count > 0 ? _unfinished.Min : ulong.MaxValue;
            ulong highestBelow = 0;
            foreach (var tag in _finished)
            {
                if (tag < oldestUnfinished) highestBelow = Math.Max(highestBelow, tag);
                else due.Add(new Acknowledgement(tag, Multiple: false, Requeue: false));
            }

            _finished.Clear();
            // Covers every finished delivery below the oldest unfinished one, including any acknowledged
            // singly before: the broker skips those (a multiple ack only touches what is still unacknowledged).
            if (highestBelow > 0) due.Add(new Acknowledgement(highestBelow, Multiple: true, Requeue: false));
        }

        return due;
    }
}
