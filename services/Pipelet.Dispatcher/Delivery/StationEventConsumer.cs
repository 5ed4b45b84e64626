using MassTransit;
using Pipelet.Contracts.Events;
using Pipelet.Dispatcher.Subscriptions;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Fans one station event out: one <see cref="WebhookDelivery"/> per enabled webhook that wants it.
/// The event is acknowledged only after every delivery message is confirmed by the broker. A repeat
/// of the fan-out (after a crash) yields the same delivery ids, which the delivery log de-duplicates.
/// </summary>
public sealed class StationEventConsumer(WebhookDirectory directory, ConsumeProgress progress, TimeProvider time) : IConsumer<StationEvent>
{
    public async Task Consume(ConsumeContext<StationEvent> context)
    {
        try
        {
            await FanOutAsync(context);
        }
        finally
        {
            progress.Mark();
        }
    }

    private async Task FanOutAsync(ConsumeContext<StationEvent> context)
    {
        // Until the first full webhook list is in, an unknown webhook is not a webhook that does not exist.
        if (!directory.IsReady) await directory.Ready.WaitAsync(context.CancellationToken);

        var stationEvent = context.Message;
        var webhooks = directory.Match(stationEvent);
        if (webhooks.Count == 0) return;

        var now = time.GetUtcNow();
        var endpoint = await context.GetSendEndpoint(RetryQueues.DeliveriesAddress);
        var sends = new Task[webhooks.Count];
        for (var i = 0; i < webhooks.Count; i++)
        {
            var webhook = webhooks[i];
            sends[i] = endpoint.Send(
                new WebhookDelivery(DeliveryIds.For(stationEvent.EventId, webhook.WebhookId), webhook.WebhookId, 1, stationEvent, now, now),
                context.CancellationToken);
        }

        await Task.WhenAll(sends);
    }
}
