using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Bound from the <c>Delivery</c> section. <c>Delivery__Timeout</c> and <c>Delivery__AllowPrivateNetworks</c>
/// belong to the sender (<see cref="Webhooks.WebhookSendingOptions"/>), <c>Delivery__Retention</c> to the delivery
/// log (<see cref="Data.DeliveryLogOptions"/>) and <c>Delivery__SubscriptionsRefresh</c> to the webhook directory
/// (<see cref="Subscriptions.WebhookDirectoryOptions"/>), which read the same section.
/// </summary>
public sealed class DeliveryOptions
{
    public const string Section = "Delivery";

    /// <summary>The waits between tries (<c>Delivery__RetrySchedule</c>).</summary>
    public string RetrySchedule { get; set; } = RetryLadder.DefaultSchedule;

    /// <summary>Retries and handed-off first tries in flight per dispatcher instance (<c>Delivery__Concurrency</c>).</summary>
    [Range(1, 10_000)]
    public int Concurrency { get; set; } = 512;

    /// <summary>
    /// Station events fanned out in parallel per instance (<c>Delivery__FanOutConcurrency</c>), whichever batch
    /// they came in. Each holds its event through the first tries and their log write (tens of ms), so
    /// thousands of events a second need a few hundred in flight.
    /// </summary>
    [Range(1, 10_000)]
    public int FanOutConcurrency { get; set; } = 256;

    /// <summary>
    /// Station-event batches (bus messages from the gateway, one event up to the gateway's batch limit each)
    /// consumed at once per instance, which is also the queue's prefetch (<c>Delivery__BatchConcurrency</c>).
    /// Quiet stations make batches of one event, so this is how many lone events can be in flight; under load
    /// batches are big and their events queue for the <see cref="FanOutConcurrency"/> slots, so this times the
    /// gateway's batch limit is the most events a backlog puts into memory (256 x 64 waiting events: 280 MB
    /// resident, as much as 64 batches). At most <see cref="FanOutConcurrency"/>; as many by default, because at
    /// 1,000 events/s the gateway's batches hold a few events each and 64 of them let a backlog form.
    /// </summary>
    [Range(1, 10_000)]
    public int BatchConcurrency { get; set; } = 256;

    /// <summary>
    /// In-flight attempts one webhook may hold on one instance (<c>Delivery__ConcurrencyPerWebhook</c>), every lane:
    /// <see cref="InlineConcurrencyPerWebhook"/> of them for first tries in the fan-out, the rest for tries from the
    /// deliveries queue. Beyond its share, such a try waits up to <see cref="SlotWait"/> for a slot, then steps aside
    /// for a second without spending an attempt, so one slow receiver cannot take every slot from the others.
    /// Must be above <see cref="InlineConcurrencyPerWebhook"/>.
    /// </summary>
    [Range(1, 10_000)]
    public int ConcurrencyPerWebhook { get; set; } = 256;

    /// <summary>
    /// How long a try from the deliveries queue (a retry, or a first try handed off) waits for one of its webhook's
    /// slots in that lane before it steps aside for a second (<c>Delivery__SlotWait</c>).
    /// A burst of hand-offs fills a healthy webhook's slots for a moment, and stepping aside makes a retry a
    /// second late; a hanging receiver holds at most this long each of the <see cref="Concurrency"/> slots its
    /// tries take while it waits (zero: step aside at once, as before session 7).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan SlotWait { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// In-flight first tries one webhook may run inside the fan-out on one instance
    /// (<c>Delivery__InlineConcurrencyPerWebhook</c>); beyond it, a first try waits up to <see cref="InlineWait"/>
    /// for one of these slots, then goes to the deliveries queue. A slow receiver therefore holds at most this
    /// many of the <see cref="FanOutConcurrency"/> event slots with its tries (and the others, briefly, with the
    /// wait), and the other webhooks' first tries keep flowing. Must be below <see cref="FanOutConcurrency"/>.
    /// </summary>
    [Range(1, 10_000)]
    public int InlineConcurrencyPerWebhook { get; set; } = 64;

    /// <summary>
    /// How long a first try waits for one of its webhook's inline slots before it is handed to the deliveries
    /// queue (<c>Delivery__InlineWait</c>). A healthy receiver frees slots within milliseconds, and a hand-off
    /// costs the broker a confirmed publish, a delivery and an ack. Under a backlog up to
    /// <see cref="FanOutConcurrency"/> minus the inline slots of a busy webhook's events wait in line for them (192 by
    /// default, about 40 ms at 5,000 deliveries/s): 50 ms, the default until session 7, handed thousands of a healthy
    /// webhook's tries off whenever the box slowed, and those hand-offs, costlier than inline tries, slowed it more.
    /// A hanging receiver makes each of its events wait this long until its first try passes
    /// <see cref="SlowThreshold"/> and it is marked slow (zero: hand off at once, as before session 4).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan InlineWait { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long a failed try's next try waits for others bound for the same rung, to go to the broker together as one
    /// confirmed message (<c>Delivery__RetryBatchWindow</c>; zero: only those scheduled at the same moment). The message
    /// leaves its rung by its earliest retry and each retry is held until its own due time (<see cref="RetryHold"/>), so
    /// the window makes no retry late; what it costs is each failed try's message (and its event's fan-out slot)
    /// waiting for the window and the confirm, as it is acknowledged only once its batch is confirmed. Per retry
    /// message the broker pays a quorum publish, expiry, dead-letter, delivery and ack: the fuller, the cheaper.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan RetryBatchWindow { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How long before its earliest retry is due a batch leaves its rung (<c>Delivery__RetryLead</c>); the dispatcher that
    /// takes it holds each retry until it is due (<see cref="RetryHold"/>). A broker busy with a burst of publishes
    /// expires and dead-letters late: the lead absorbs that much delay, and the log write, window and confirm before
    /// the send, without a retry ever running early. Zero: the rung lets the batch go when its first retry is due.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:05")]
    public TimeSpan RetryLead { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Tries of slow webhooks in flight per instance, in the slow lane (<c>Delivery__SlowConcurrency</c>).
    /// Slow receivers share these slots and so can starve only each other.
    /// </summary>
    [Range(1, 10_000)]
    public int SlowConcurrency { get; set; } = 64;

    /// <summary>
    /// A try that takes this long or longer (slow answer, timeout, hung connect) marks its webhook slow
    /// (<c>Delivery__SlowThreshold</c>); see <see cref="WebhookHealth"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan SlowThreshold { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a webhook stays slow after its last slow try (<c>Delivery__SlowFor</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SlowFor { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long work may wait in this instance's queues with nothing consumed before the process exits for its
    /// supervisor to restart it (<c>Delivery__BusStallTimeout</c>; zero turns the watchdog off). See <see cref="BusWatchdog"/>.
    /// </summary>
    public TimeSpan BusStallTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// A webhook none of whose tries succeeded for this long, and whose last <see cref="DisableAfterFailures"/> tries or
    /// more failed, is disabled by Pipelet (<c>Delivery__DisableAfter</c>); see <see cref="FailingWebhookDisabler"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Failed tries in a row a webhook needs, besides <see cref="DisableAfter"/>, to be disabled (<c>Delivery__DisableAfterFailures</c>).</summary>
    [Range(1, 1_000_000)]
    public int DisableAfterFailures { get; set; } = 20;

    /// <summary>
    /// Failed tries in a row (on one instance) that pause a webhook for every instance (<c>Delivery__PauseAfterFailures</c>):
    /// its deliveries are then kept in PostgreSQL without a try until a probe try succeeds; see <see cref="PausedWebhooks"/>.
    /// </summary>
    [Range(1, 1_000_000)]
    public int PauseAfterFailures { get; set; } = 50;

    /// <summary>How long after a paused webhook's last probe try the next one is made (<c>Delivery__ProbeInterval</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Rejects at start, with the settings' names: a malformed <c>Delivery__RetrySchedule</c>, and concurrency limits that contradict each other.</summary>
internal sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions options)
    {
        if (!RetryLadder.TryParse(options.RetrySchedule, out _, out var error))
        {
            return ValidateOptionsResult.Fail($"Delivery__RetrySchedule: {error}");
        }

        if (options.InlineConcurrencyPerWebhook >= options.FanOutConcurrency)
        {
            return ValidateOptionsResult.Fail(
                $"Delivery__InlineConcurrencyPerWebhook ({options.InlineConcurrencyPerWebhook}) must be below Delivery__FanOutConcurrency ({options.FanOutConcurrency}), " +
                "or one slow webhook could hold every fan-out slot.");
        }

        if (options.InlineConcurrencyPerWebhook >= options.ConcurrencyPerWebhook)
        {
            return ValidateOptionsResult.Fail(
                $"Delivery__InlineConcurrencyPerWebhook ({options.InlineConcurrencyPerWebhook}) must be below Delivery__ConcurrencyPerWebhook ({options.ConcurrencyPerWebhook}): " +
                "the inline slots are part of the webhook's slots, and its retries need the rest.");
        }

        return options.BatchConcurrency <= options.FanOutConcurrency
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Delivery__BatchConcurrency ({options.BatchConcurrency}) must not exceed Delivery__FanOutConcurrency ({options.FanOutConcurrency}): " +
                "every batch holds at least one event, so batches beyond the event slots could only wait in memory.");
    }
}

/// <summary>
/// Refuses a <c>Delivery__SlowThreshold</c> above <c>Delivery__Timeout</c> at start: a timed-out try (which
/// lasts the timeout) would then never mark its webhook slow, and hanging receivers would keep their fan-out slots.
/// </summary>
internal sealed class SlowThresholdValidator(IOptions<Webhooks.WebhookSendingOptions> sending) : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions options) =>
        options.SlowThreshold <= sending.Value.Timeout
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Delivery__SlowThreshold ({options.SlowThreshold}) must not exceed Delivery__Timeout ({sending.Value.Timeout}), " +
                "or a webhook that times out would never be moved to the slow lane.");
}
