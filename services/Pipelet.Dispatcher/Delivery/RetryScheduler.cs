using MassTransit;
using Pipelet.Dispatcher.Telemetry;

namespace Pipelet.Dispatcher.Delivery;

/// <summary>
/// Puts the next try of a delivery into the broker: a send to the rung's exchange, whose TTL queue
/// dead-letters it back onto the deliveries queue when the wait is over. The send is confirmed by the
/// broker before it returns (MassTransit's publisher confirms), and only then is the current message
/// acknowledged. The wait costs this process nothing: no timer, no thread, no row lock. Tries handed to
/// another lane (a busy or slow webhook) go out the same confirmed way.
/// </summary>
public sealed class RetryScheduler(TimeProvider time, DeliveryTelemetry telemetry)
{
    public async Task ScheduleAsync(ISendEndpointProvider sends, WebhookDelivery delivery, TimeSpan wait, CancellationToken cancellationToken)
    {
        var next = delivery with { Attempt = delivery.Attempt + 1, DueAt = time.GetUtcNow() + wait };
        var endpoint = await sends.GetSendEndpoint(RetryQueues.AddressFor(wait));
        await endpoint.Send(next, cancellationToken);
    }

    /// <summary>
    /// Runs the same try again a little later, without counting it (the webhook is saturated). Its due time stays,
    /// so the retry lateness metric counts the step aside.
    /// </summary>
    public async Task DeferAsync(ConsumeContext context, WebhookDelivery delivery)
    {
        var endpoint = await context.GetSendEndpoint(RetryQueues.AddressFor(RetryQueues.DeferWait));
        await endpoint.Send(delivery, context.CancellationToken);
        telemetry.SteppedAside();
    }

    /// <summary>
    /// Sends the try, as it is, to another lane's queue (<paramref name="reason"/>: busy or slow); returns once
    /// the broker confirmed it, so the caller's message may then be acknowledged.
    /// </summary>
    public async Task HandOffAsync(ISendEndpointProvider sends, WebhookDelivery delivery, Uri lane, string reason, CancellationToken cancellationToken)
    {
        var endpoint = await sends.GetSendEndpoint(lane);
        await endpoint.Send(delivery, cancellationToken);
        telemetry.HandedOff(reason);
    }
}
