using Microsoft.Extensions.Options;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Units of work in flight at once on this instance, shared by every message being consumed: a message of many takes
/// one slot per unit, one after the other, so a backlog of big messages cannot put thousands of tries and log writes
/// in flight at once. The semaphore queues waiters in arrival order.
/// </summary>
public abstract class WorkSlots(int slots) : IDisposable
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
/// The retries of <see cref="WebhookDeliveryBatch"/> messages being tried at once on this instance
/// (<see cref="DeliveryOptions.Concurrency"/>, as many as single deliveries), apart from the fan-out's slots so a
/// backlog of first tries does not make retries late.
/// </summary>
public sealed class RetryBatchSlots(IOptions<DeliveryOptions> options) : WorkSlots(options.Value.Concurrency);
