namespace Pipelet.Dispatcher.Delivery;

/// <summary>When this instance last finished consuming a message: the watchdog's sign of life.</summary>
public sealed class ConsumeProgress(TimeProvider time)
{
    private long _lastTicks = time.GetUtcNow().UtcTicks;

    public DateTimeOffset Last => new(Interlocked.Read(ref _lastTicks), TimeSpan.Zero);

    public void Mark() => Interlocked.Exchange(ref _lastTicks, time.GetUtcNow().UtcTicks);
}
