using Microsoft.Extensions.Options;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// The station events being fanned out at once on this instance (<see cref="DeliveryOptions.FanOutConcurrency"/>),
/// shared by every batch being consumed. A batch takes one slot per event, one event after the other, so a
/// backlog of big batches cannot put thousands of tries and log writes in flight at once, while a lone event
/// takes its slot at once. The semaphore queues waiters in arrival order.
/// </summary>
public sealed class FanOutSlots(IOptions<DeliveryOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.FanOutConcurrency, options.Value.FanOutConcurrency);

    public Task EnterAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    public void Leave() => _slots.Release();

    public void Dispose() => _slots.Dispose();
}
