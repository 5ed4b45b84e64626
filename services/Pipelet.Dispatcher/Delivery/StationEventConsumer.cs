using MassTransit;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Subscriptions;
using Pipelet.Dispatcher.Telemetry;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Fans one station event out and makes each matched webhook's first try right here, in parallel:
/// no second broker hop on the way to a healthy receiver. A webhook already at its concurrency limit
/// gets a <see cref="WebhookDelivery"/> message instead, and a webhook marked slow (<see cref="WebhookHealth"/>)
/// gets one in the slow lane, so a slow receiver never holds up the others; failures go to the rung queues. The event is acknowledged only after every webhook's outcome is
/// durable (logged, retry or hand-off confirmed by the broker). A redelivered event resumes from the
/// delivery log: its delivery ids are derived from (event, webhook), so the log tells what was done.
/// </summary>
public sealed class StationEventConsumer(
    WebhookDirectory directory,
    WebhookConcurrency concurrency,
    WebhookHealth health,
    DeliveryAttempts attempts,
    DeliveryTelemetry telemetry,
    ConsumeProgress progress,
    TimeProvider time) : IConsumer<StationEvent>
{
    public Task Consume(ConsumeContext<StationEvent> context) => progress.RunAsync(() => FanOutAsync(context));

    private async Task FanOutAsync(ConsumeContext<StationEvent> context)
    {
        // Until the first full webhook list is in, an unknown webhook is not a webhook that does not exist.
        if (!directory.IsReady) await directory.Ready.WaitAsync(context.CancellationToken);

        var webhooks = directory.Match(context.Message);
        if (webhooks.Count == 0) return;

        var now = time.GetUtcNow();
        var resuming = context.ReceiveContext.Redelivered || context.GetRetryAttempt() > 0;
        if (webhooks.Count == 1)
        {
            await FirstTryAsync(context, webhooks[0], now, resuming);
            return;
        }

        var tries = new Task[webhooks.Count];
        for (var i = 0; i < webhooks.Count; i++) tries[i] = FirstTryAsync(context, webhooks[i], now, resuming);
        await Task.WhenAll(tries);
    }

    private async Task FirstTryAsync(ConsumeContext<StationEvent> context, WebhookSubscription webhook, DateTimeOffset now, bool resuming)
    {
        var stationEvent = context.Message;
        var delivery = new WebhookDelivery(DeliveryIds.For(stationEvent.EventId, webhook.WebhookId), webhook.WebhookId, 1, stationEvent, now, now);
        if (resuming && await attempts.ResumeAsync(context, delivery)) return;

        // A slow webhook's try would hold this event slot for seconds: the slow lane waits for it instead.
        if (health.IsSlow(webhook.WebhookId))
        {
            await HandOffAsync(context, delivery, RetryQueues.SlowDeliveriesAddress, "slow");
            return;
        }

        var lease = concurrency.TryEnterInline(webhook.WebhookId);
        if (lease is null)
        {
            // Busy webhook: its own message, on the deliveries queue, waits for a free slot there.
            await HandOffAsync(context, delivery, RetryQueues.DeliveriesAddress, "busy");
            return;
        }

        await attempts.MakeAsync(context, delivery, webhook, lease);
    }

    /// <summary>Sends the try as its own message; returns once the broker confirmed it.</summary>
    private async Task HandOffAsync(ConsumeContext context, WebhookDelivery delivery, Uri address, string reason)
    {
        var endpoint = await context.GetSendEndpoint(address);
        await endpoint.Send(delivery, context.CancellationToken);
        telemetry.HandedOff(reason);
    }
}
