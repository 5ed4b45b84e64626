using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Limits attempts in flight per webhook on this instance, so one slow receiver cannot hold every slot. Of a
/// webhook's <see cref="DeliveryOptions.ConcurrencyPerWebhook"/> slots, <see cref="DeliveryOptions.InlineConcurrencyPerWebhook"/>
/// are for first tries inside the fan-out and the rest for tries from the deliveries queue. Separate, so a burst
/// of hand-offs cannot take the inline slots and turn every following first try into another hand-off.
/// <para>
/// A first try waits up to <see cref="DeliveryOptions.InlineWait"/> for an inline slot: a healthy receiver frees
/// one within milliseconds, which is far cheaper than handing the try to the deliveries queue (a confirmed
/// publish, a delivery and an ack in the broker, measured at a third of the CPU per delivery when one busy webhook
/// took every event); a receiver that hangs costs each of its events at most that wait. A try from the deliveries
/// queue waits up to <see cref="DeliveryOptions.SlotWait"/>, for the same reason: a burst of hand-offs fills the
/// webhook's slots for a moment, and stepping aside costs the try a second and the broker two more messages.
/// </para>
/// </summary>
public sealed class WebhookConcurrency(IOptions<DeliveryOptions> options)
{
    private readonly ConcurrentDictionary<long, Slots> _webhooks = new();

    /// <summary>
    /// For a try from the deliveries queue: one of the webhook's queued slots, waiting at most
    /// <see cref="DeliveryOptions.SlotWait"/> when <paramref name="wait"/>.
    /// </summary>
    /// <returns>A lease to dispose when the attempt ends, or null when the webhook stayed at its limit: step aside.</returns>
    public ValueTask<Lease?> EnterAsync(long webhookId, bool wait, CancellationToken cancellationToken) =>
        EnterAsync(For(webhookId).Queued, wait ? options.Value.SlotWait : TimeSpan.Zero, cancellationToken);

    /// <summary>
    /// For a first try inside the fan-out: one of the webhook's inline slots, waiting at most
    /// <see cref="DeliveryOptions.InlineWait"/>, so a slow receiver holds only that many of the fan-out's event slots.
    /// </summary>
    /// <returns>A lease to dispose when the attempt ends, or null: hand the try to the deliveries queue.</returns>
    public ValueTask<Lease?> EnterInlineAsync(long webhookId, CancellationToken cancellationToken) =>
        EnterAsync(For(webhookId).Inline, options.Value.InlineWait, cancellationToken);

    private static async ValueTask<Lease?> EnterAsync(SemaphoreSlim slots, TimeSpan wait, CancellationToken cancellationToken) =>
        slots.Wait(0) || await slots.WaitAsync(wait, cancellationToken) ? new Lease(slots) : null;

    private Slots For(long webhookId) => _webhooks.GetOrAdd(webhookId, static (_, limits) => new Slots(limits), options.Value);

    /// <summary>
    /// One webhook's slots. They live as long as the process (one pair per webhook ever seen) and are never waited
    /// on by handle, so never disposed.
    /// </summary>
    private sealed class Slots(DeliveryOptions limits)
    {
        public SemaphoreSlim Inline { get; } = Full(limits.InlineConcurrencyPerWebhook);

        public SemaphoreSlim Queued { get; } = Full(limits.ConcurrencyPerWebhook - limits.InlineConcurrencyPerWebhook);

        private static SemaphoreSlim Full(int slots) => new(slots, slots);
    }

    public sealed class Lease(SemaphoreSlim slots) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) slots.Release();
        }
    }
}
