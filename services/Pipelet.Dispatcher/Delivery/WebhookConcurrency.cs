using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>Counts attempts in flight per webhook on this instance, so one slow receiver cannot hold every slot.</summary>
public sealed class WebhookConcurrency(IOptions<DeliveryOptions> options)
{
    private readonly ConcurrentDictionary<long, StrongBox<int>> _inFlight = new();

    /// <summary>For a try from the deliveries queue: up to <see cref="DeliveryOptions.ConcurrencyPerWebhook"/> in flight.</summary>
    /// <returns>A lease to dispose when the attempt ends, or null when the webhook is at its limit.</returns>
    public Lease? TryEnter(long webhookId) => TryEnter(webhookId, options.Value.ConcurrencyPerWebhook);

    /// <summary>
    /// For a first try inside the fan-out: the lower <see cref="DeliveryOptions.InlineConcurrencyPerWebhook"/>,
    /// so a slow receiver can hold only that many of the fan-out's event slots.
    /// </summary>
    public Lease? TryEnterInline(long webhookId) => TryEnter(webhookId, options.Value.InlineConcurrencyPerWebhook);

    private Lease? TryEnter(long webhookId, int limit)
    {
        var counter = _inFlight.GetOrAdd(webhookId, _ => new StrongBox<int>());
        if (Interlocked.Increment(ref counter.Value) > limit)
        {
            Interlocked.Decrement(ref counter.Value);
            return null;
        }

        return new Lease(counter);
    }

    public sealed class Lease(StrongBox<int> counter) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Interlocked.Decrement(ref counter.Value);
        }
    }
}
