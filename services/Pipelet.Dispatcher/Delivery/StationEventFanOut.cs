using MassTransit;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Subscriptions;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Fans one station event out and makes each matched webhook's first try right here, in parallel:
/// no second broker hop on the way to a healthy receiver. A webhook still at its inline limit after a short
/// wait (<see cref="WebhookConcurrency"/>) gets a <see cref="WebhookDelivery"/> message instead, and a webhook marked slow (<see cref="WebhookHealth"/>)
/// gets one in the slow lane, so a slow receiver never holds up the others; failures go to the rung
/// queues. Returns only after every webhook's outcome is durable (logged, retry or hand-off confirmed
/// by the broker): the caller acknowledges the event then. A redelivered event resumes from the
/// delivery log: its delivery ids are derived from (event, webhook), so the log tells what was done.
/// </summary>
public sealed class StationEventFanOut(
    WebhookDirectory directory,
    WebhookConcurrency concurrency,
    WebhookHealth health,
    PausedWebhooks pauses,
    WebhookRateLimiter rateLimiter,
    DeliveryAttempts attempts,
    RetryScheduler retries,
    TimeProvider time)
{
    /// <summary>
    /// Whether <paramref name="stationEvent"/> may have a webhook to go to: false only once the webhook list is in
    /// and no webhook wants it. Most events are of this kind (a fleet's MeterValues with nobody subscribed), so the
    /// consumer skips their fan-out (a slot, a task, a span) after this one look.
    /// </summary>
    public bool MayDeliver(StationEvent stationEvent) => !directory.IsReady || directory.AnyWants(stationEvent);

    /// <param name="sends">Where hand-offs are sent: the consume context of the event's batch.</param>
    public async Task FanOutAsync(ISendEndpointProvider sends, StationEvent stationEvent, bool resuming, CancellationToken cancellationToken)
    {
        // Until the first full webhook list is in, an unknown webhook is not a webhook that does not exist.
        if (!directory.IsReady) await directory.Ready.WaitAsync(cancellationToken);

        var webhooks = directory.Match(stationEvent);
        if (webhooks.Count == 0) return;

        var now = time.GetUtcNow();
        if (webhooks.Count == 1)
        {
            await FirstTryAsync(sends, stationEvent, webhooks[0], now, resuming, cancellationToken);
            return;
        }

        var tries = new Task[webhooks.Count];
        for (var i = 0; i < webhooks.Count; i++) tries[i] = FirstTryAsync(sends, stationEvent, webhooks[i], now, resuming, cancellationToken);
        await Task.WhenAll(tries);
    }

    private async Task FirstTryAsync(ISendEndpointProvider sends, StationEvent stationEvent, WebhookSubscription webhook, DateTimeOffset now, bool resuming,
        CancellationToken cancellationToken)
    {
        var delivery = new WebhookDelivery(DeliveryIds.For(stationEvent.EventId, webhook.WebhookId), webhook.WebhookId, 1, stationEvent, now, now);
        if (resuming && await attempts.ResumeAsync(delivery, cancellationToken)) return;

        // A paused webhook's tries are kept in PostgreSQL until a probe finds it back.
        if (pauses.IsPaused(webhook.WebhookId))
        {
            await attempts.HoldAsync(delivery, cancellationToken);
            return;
        }

        // A slow webhook's try would hold this event for seconds: the slow lane waits for it instead.
        if (health.IsSlow(webhook.WebhookId))
        {
            await retries.HandOffAsync(sends, delivery, RetryQueues.SlowDeliveriesAddress, "slow", cancellationToken);
            return;
        }

        // Over its rate limit: its own message waits its turn on the deliveries queue, not this event.
        if (webhook.Settings.RateLimit is { } limit && !await rateLimiter.TryTakeAsync(webhook.WebhookId, limit, cancellationToken))
        {
            await retries.HandOffAsync(sends, delivery, RetryQueues.DeliveriesAddress, "rate_limited", cancellationToken);
            return;
        }

        var lease = await concurrency.EnterInlineAsync(webhook.WebhookId, cancellationToken);
        if (lease is null)
        {
            // Busy or hanging webhook: its own message, on the deliveries queue, waits for a free slot there.
            await retries.HandOffAsync(sends, delivery, RetryQueues.DeliveriesAddress, "busy", cancellationToken);
            return;
        }

        await attempts.MakeAsync(delivery, webhook, lease, cancellationToken);
    }
}
