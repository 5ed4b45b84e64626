namespace Pipelet.Dispatcher.Delivery;

/// <summary>When this instance last finished consuming a message: the watchdog's sign of life.</summary>
public sealed class ConsumeProgress(TimeProvider time)
{
    private long _lastTicks = time.GetUtcNow().UtcTicks;

    public DateTimeOffset Last => new(Interlocked.Read(ref _lastTicks), TimeSpan.Zero);

    public void Mark() => Interlocked.Exchange(ref _lastTicks, time.GetUtcNow().UtcTicks);

    /// <summary>Runs one consume and marks progress when it ends, however it ends.</summary>
    public async Task RunAsync(Func<Task> consume)
    {
        // Off RabbitMQ.Client's dispatch loop, which runs every delivery of the channel one after the
        // other until its first await: the consume's own work then runs in parallel on the thread pool.
        await Task.Yield();
        try
        {
            await consume();
        }
        finally
        {
            Mark();
        }
    }
}
