using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Counts attempts in flight per webhook on this instance, so one slow receiver cannot hold every slot. A first
/// try inside the fan-out also needs one of the webhook's <see cref="DeliveryOptions.InlineConcurrencyPerWebhook"/>
/// inline slots, and waits up to <see cref="DeliveryOptions.InlineWait"/> for one: a healthy receiver frees a
/// slot within milliseconds, which is far cheaper than handing the try to the deliveries queue (a confirmed
/// publish, a delivery and an ack in the broker, measured at a third of the CPU per delivery when one busy
/// webhook took every event); a receiver that hangs costs each of its events at most that wait.
/// </summary>
public sealed class WebhookConcurrency(IOptions<DeliveryOptions> options)
{
    private readonly ConcurrentDictionary<long, Slots> _webhooks = new();

    /// <summary>For a try from the deliveries queue: up to <see cref="DeliveryOptions.ConcurrencyPerWebhook"/> in flight.</summary>
    /// <returns>A lease to dispose when the attempt ends, or null when the webhook is at its limit.</returns>
    public Lease? TryEnter(long webhookId)
    {
        var slots = For(webhookId);
        return slots.TryCount(options.Value.ConcurrencyPerWebhook) ? new Lease(slots, inline: false) : null;
    }

    /// <summary>
    /// For a first try inside the fan-out: one of the webhook's inline slots, waiting at most
    /// <see cref="DeliveryOptions.InlineWait"/>, so a slow receiver holds only that many of the fan-out's event slots.
    /// </summary>
    /// <returns>A lease to dispose when the attempt ends, or null: hand the try to the deliveries queue.</returns>
    public async ValueTask<Lease?> EnterInlineAsync(long webhookId, CancellationToken cancellationToken)
    {
        var slots = For(webhookId);
        if (!slots.Inline.Wait(0) && !await slots.Inline.WaitAsync(options.Value.InlineWait, cancellationToken)) return null;
        if (slots.TryCount(options.Value.ConcurrencyPerWebhook)) return new Lease(slots, inline: true);

        slots.Inline.Release();
        return null;
    }

    private Slots For(long webhookId) =>
        _webhooks.GetOrAdd(webhookId, static (_, inline) => new Slots(inline), options.Value.InlineConcurrencyPerWebhook);

    /// <summary>One webhook's attempts in flight (every lane) and its inline slots.</summary>
    public sealed class Slots(int inline)
    {
        private int _inFlight;

        /// <summary>Lives as long as the process (one per webhook ever seen); never waited on by handle, so never disposed.</summary>
        public SemaphoreSlim Inline { get; } = new(inline, inline);

        public bool TryCount(int limit)
        {
            if (Interlocked.Increment(ref _inFlight) <= limit) return true;
            Interlocked.Decrement(ref _inFlight);
            return false;
        }

        public void Uncount() => Interlocked.Decrement(ref _inFlight);
    }

    public sealed class Lease(Slots slots, bool inline) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            slots.Uncount();
            if (inline) slots.Inline.Release();
        }
    }
}
