namespace Pipelet.Gateway.Events;

/// <summary>
/// Sums the events and messages the broker confirmed and logs them once per interval (when anything was
/// published): how well events share messages, readable without a metrics backend (the histogram
/// <c>pipelet.gateway.events.batch_size</c> has the same data). No timer: the confirm that finds the
/// interval over writes the line.
/// </summary>
internal sealed class EventBatchStatistics(TimeProvider time, TimeSpan interval, ILogger logger)
{
    private long _events;
    private long _messages;
    private long _since = time.GetTimestamp();

    public void Confirmed(int events)
    {
        Interlocked.Add(ref _events, events);
        Interlocked.Increment(ref _messages);
        if (interval <= TimeSpan.Zero) return;

        var now = time.GetTimestamp();
        var since = Interlocked.Read(ref _since);
        var elapsed = time.GetElapsedTime(since, now);
        if (elapsed < interval || Interlocked.CompareExchange(ref _since, now, since) != since) return;

        var published = Interlocked.Exchange(ref _events, 0);
        var messages = Interlocked.Exchange(ref _messages, 0);
        logger.LogInformation("Published {Events} events in {Messages} messages ({EventsPerMessage:F1} per message) in the last {Seconds:F1} s",
            published, messages, messages == 0 ? 0 : (double)published / messages, elapsed.TotalSeconds);
    }
}
