using Microsoft.Extensions.Options;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Units of work in flight at once on this instance, shared by every message being consumed: a message of many takes
/// one slot per unit, one after the other, so a backlog of big messages cannot put thousands of tries and log writes
/// in flight at once. The semaphore queues waiters in arrival order.
/// </summary>
public class WorkSlots(int slots) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(slots, slots);

    public Task EnterAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    public void Leave() => _slots.Release();

    public void Dispose()
    {
        _slots.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// The station events being fanned out at once on this instance (<see cref="DeliveryOptions.FanOutConcurrency"/>):
/// a batch takes one slot per event, while a lone event takes its slot at once.
/// </summary>
public sealed class FanOutSlots(IOptions<DeliveryOptions> options) : WorkSlots(options.Value.FanOutConcurrency);

/// <summary>
/// The tries of <see cref="WebhookDeliveryBatch"/> messages being tried at once on this instance, per queue
/// (<see cref="DeliveryOptions.Concurrency"/> each, as many as single deliveries), apart from the fan-out's slots and
/// from each other: a batch of handed-off first tries waits for its busy webhook, and must not hold the slots that the
/// retries due meanwhile need.
/// </summary>
public sealed class BatchSlots(IOptions<DeliveryOptions> options) : IDisposable
{
    /// <summary>For batches from <see cref="RetryQueues.Deliveries"/>: hand-offs and released kept deliveries.</summary>
    public WorkSlots Deliveries { get; } = new(options.Value.Concurrency);

    /// <summary>For batches of retries, from <see cref="RetryQueues.Retries"/>.</summary>
    public WorkSlots Retries { get; } = new(options.Value.Concurrency);

    /// <summary>For batches of a slow webhook's tries, from <see cref="RetryQueues.SlowDeliveries"/>.</summary>
    public WorkSlots Slow { get; } = new(options.Value.Concurrency);

    public void Dispose()
    {
        Deliveries.Dispose();
        Retries.Dispose();
        Slow.Dispose();
    }
}
