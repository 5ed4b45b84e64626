namespace Pipelet.Gateway.Events;

/// <summary>
/// Sums the events and messages the broker confirmed and logs them once per interval (when anything was
/// published): how well events share messages, readable without a metrics backend (the histogram
/// <c>pipelet.gateway.events.batch_size</c> has the same data), and how long the broker took to confirm
/// them, which tells a slow broker from a busy gateway when answers lag. No timer: the confirm that finds
/// the interval over writes the line.
/// </summary>
internal sealed class EventBatchStatistics(TimeProvider time, TimeSpan interval, ILogger logger)
{
    private long _events;
    private long _messages;
    private long _confirmTicks;
    private long _slowestConfirmTicks;
    private long _since = time.GetTimestamp();

    /// <param name="events">The events the message carried.</param>
    /// <param name="confirmTime">From handing the message to the client library to the broker's confirm.</param>
    public void Confirmed(int events, TimeSpan confirmTime)
    {
        Interlocked.Add(ref _events, events);
        Interlocked.Increment(ref _messages);
        Interlocked.Add(ref _confirmTicks, confirmTime.Ticks);
        for (var slowest = Interlocked.Read(ref _slowestConfirmTicks); confirmTime.Ticks > slowest;)
        {
            var seen = Interlocked.CompareExchange(ref _slowestConfirmTicks, confirmTime.Ticks, slowest);
            if (seen == slowest) break;
            slowest = seen;
        }

        if (interval <= TimeSpan.Zero) return;

        var now = time.GetTimestamp();
        var since = Interlocked.Read(ref _since);
        var elapsed = time.GetElapsedTime(since, now);
        if (elapsed < interval || Interlocked.CompareExchange(ref _since, now, since) != since) return;

        var published = Interlocked.Exchange(ref _events, 0);
        var messages = Interlocked.Exchange(ref _messages, 0);
        var confirmTicks = Interlocked.Exchange(ref _confirmTicks, 0);
        var slowestTicks = Interlocked.Exchange(ref _slowestConfirmTicks, 0);
        logger.LogInformation(
            "Published {Events} events in {Messages} messages ({EventsPerMessage:F1} per message) in the last {Seconds:F1} s; confirms took {ConfirmMs:F1} ms on average, {SlowestConfirmMs:F0} ms at most",
            published, messages, messages == 0 ? 0 : (double)published / messages, elapsed.TotalSeconds,
            messages == 0 ? 0 : TimeSpan.FromTicks(confirmTicks / messages).TotalMilliseconds, TimeSpan.FromTicks(slowestTicks).TotalMilliseconds);
    }
}
