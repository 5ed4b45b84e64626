using System.Collections.Concurrent;
using System.Diagnostics;
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
/// <para>
/// First tries from the deliveries queue (handed off, or stepped aside) may hold at most two thirds of the queued
/// slots: the rest are kept for retries, which are due at a promised time, while a handed-off first try is only
/// behind a backlog. Without the reserve, a burst of hand-offs filled the lane and made retries wait for it
/// (retry lateness p99 over 300 ms), or step aside for a second.
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
    /// For a first try from the deliveries queue: one of the webhook's queued slots outside the retries' reserve,
    /// waiting at most <see cref="DeliveryOptions.SlotWait"/> in all when <paramref name="wait"/>.
    /// </summary>
    /// <returns>A lease to dispose when the attempt ends, or null when the webhook stayed at its limit: step aside.</returns>
    public async ValueTask<Lease?> EnterFirstTryAsync(long webhookId, bool wait, CancellationToken cancellationToken)
    {
        var slots = For(webhookId);
        var started = Stopwatch.GetTimestamp();
        var patience = wait ? options.Value.SlotWait : TimeSpan.Zero;
        if (await EnterAsync(slots.FirstTries, patience, cancellationToken) is not { } share) return null;
        try
        {
            var left = patience - Stopwatch.GetElapsedTime(started);
            if (await EnterAsync(slots.Queued, left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken) is { } lease) return lease.With(share);
        }
        catch
        {
            share.Dispose();
            throw;
        }

        share.Dispose();
        return null;
    }

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

        public SemaphoreSlim Queued { get; } = Full(QueuedSlots(limits));

        /// <summary>How many of the queued slots first tries may hold: two thirds, at least one.</summary>
        public SemaphoreSlim FirstTries { get; } = Full(Math.Max(1, QueuedSlots(limits) - QueuedSlots(limits) / 3));

        private static int QueuedSlots(DeliveryOptions limits) => limits.ConcurrencyPerWebhook - limits.InlineConcurrencyPerWebhook;

        private static SemaphoreSlim Full(int slots) => new(slots, slots);
    }

    /// <summary>A slot, and for a first try from the deliveries queue its share of the first tries' part, freed together once.</summary>
    public sealed class Lease(SemaphoreSlim slots) : IDisposable
    {
        private Lease? _share;
        private int _disposed;

        internal Lease With(Lease share)
        {
            _share = share;
            return this;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            slots.Release();
            _share?.Dispose();
        }
    }
}
