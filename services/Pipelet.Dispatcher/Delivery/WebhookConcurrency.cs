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
/// <para>
/// A freed queued slot goes to the longest-waiting retry before any first try: a retry is due at a promised time, a
/// handed-off first try is only behind a backlog. In arrival order, a burst of hand-offs would fill the line ahead of
/// the retries, which would wait out <see cref="DeliveryOptions.SlotWait"/> and step aside for a second (1.5 s late).
/// </para>
/// </summary>
public sealed class WebhookConcurrency(IOptions<DeliveryOptions> options)
{
    private readonly ConcurrentDictionary<long, Slots> _webhooks = new();

    /// <summary>
    /// For a try that is due (a retry, kept or not; a paused webhook's probe; an ordered lane's next try): one of the
    /// webhook's queued slots, ahead of waiting first tries, waiting at most <see cref="DeliveryOptions.SlotWait"/> when <paramref name="wait"/>.
    /// </summary>
    /// <returns>A lease to dispose when the attempt ends, or null when the webhook stayed at its limit: step aside.</returns>
    public ValueTask<Lease?> EnterAsync(long webhookId, bool wait, CancellationToken cancellationToken) =>
        EnterAsync(For(webhookId).Queued, due: true, wait ? options.Value.SlotWait : TimeSpan.Zero, cancellationToken);

    /// <summary>
    /// For a first try from the deliveries queue (handed off, stepped aside, replayed, or kept while its webhook was
    /// paused): one of the webhook's queued slots once no due try waits for one, waiting at most
    /// <see cref="DeliveryOptions.SlotWait"/> when <paramref name="wait"/>.
    /// </summary>
    /// <returns>A lease to dispose when the attempt ends, or null when the webhook stayed at its limit: step aside.</returns>
    public ValueTask<Lease?> EnterFirstTryAsync(long webhookId, bool wait, CancellationToken cancellationToken) =>
        EnterAsync(For(webhookId).Queued, due: false, wait ? options.Value.SlotWait : TimeSpan.Zero, cancellationToken);

    /// <summary>
    /// For a first try inside the fan-out: one of the webhook's inline slots, waiting at most
    /// <see cref="DeliveryOptions.InlineWait"/>, so a slow receiver holds only that many of the fan-out's event slots.
    /// </summary>
    /// <returns>A lease to dispose when the attempt ends, or null: hand the try to the deliveries queue.</returns>
    public ValueTask<Lease?> EnterInlineAsync(long webhookId, CancellationToken cancellationToken) =>
        EnterAsync(For(webhookId).Inline, due: false, options.Value.InlineWait, cancellationToken);

    private static async ValueTask<Lease?> EnterAsync(Lane lane, bool due, TimeSpan wait, CancellationToken cancellationToken) =>
        await lane.EnterAsync(due, wait, cancellationToken) ? new Lease(lane) : null;

    private Slots For(long webhookId) => _webhooks.GetOrAdd(webhookId, static (_, limits) => new Slots(limits), options.Value);

    /// <summary>One webhook's slots. They live as long as the process (one pair per webhook ever seen).</summary>
    private sealed class Slots(DeliveryOptions limits)
    {
        public Lane Inline { get; } = new(limits.InlineConcurrencyPerWebhook);

        public Lane Queued { get; } = new(limits.ConcurrencyPerWebhook - limits.InlineConcurrencyPerWebhook);
    }

    /// <summary>
    /// A number of slots and two lines of waiters: a freed slot goes to the first waiter of the due line, else of the
    /// other. (A semaphore has one line; <c>System.Threading.RateLimiting</c>'s limiters have no priorities.) Waiters
    /// resume on the thread pool, as a semaphore's async waiters do, never inside the releasing call.
    /// </summary>
    internal sealed class Lane(int slots)
    {
        private readonly Lock _gate = new();
        private readonly LinkedList<TaskCompletionSource> _due = new();
        private readonly LinkedList<TaskCompletionSource> _others = new();
        private int _free = slots;

        /// <returns>True with a slot taken; false when none came free within <paramref name="wait"/>.</returns>
        public async ValueTask<bool> EnterAsync(bool due, TimeSpan wait, CancellationToken cancellationToken)
        {
            LinkedListNode<TaskCompletionSource> waiter;
            lock (_gate)
            {
                // Free slots only while nobody waits: a release hands its slot straight to a waiter.
                if (_free > 0)
                {
                    _free--;
                    return true;
                }

                if (wait <= TimeSpan.Zero) return false;
                waiter = (due ? _due : _others).AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }

            try
            {
                // Completed only by a release, which hands this waiter its slot.
                await waiter.Value.Task.WaitAsync(wait, cancellationToken);
                return true;
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                lock (_gate)
                {
                    if (waiter.List is { } line)
                    {
                        line.Remove(waiter);
                        if (ex is TimeoutException) return false;
                        throw;
                    }
                }

                // A release handed this waiter its slot as the wait ended: keep it, or give it back when cancelled.
                if (ex is TimeoutException) return true;
                Release();
                throw;
            }
        }

        public void Release()
        {
            TaskCompletionSource next;
            lock (_gate)
            {
                var line = _due.Count > 0 ? _due : _others.Count > 0 ? _others : null;
                if (line is null)
                {
                    _free++;
                    return;
                }

                next = line.First!.Value;
                line.RemoveFirst();
            }

            next.SetResult();
        }
    }

    public sealed class Lease : IDisposable
    {
        private readonly Lane _lane;
        private int _disposed;

        internal Lease(Lane lane) => _lane = lane;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) _lane.Release();
        }
    }
}
