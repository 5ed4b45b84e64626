using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Options;
using Pipelet.Contracts.Events;

namespace Pipelet.Gateway.Events;

/// <summary>
/// Publishes one <see cref="StationEvent"/> and returns only once RabbitMQ has confirmed it
/// (MassTransit's publisher confirms are on by default; the message is persistent, and with
/// <see cref="GatewayOptions.RequireRoutedEvents"/> it is published mandatory so an event no queue
/// took counts as lost, not kept).
/// </summary>
internal sealed class StationEventPublisher(
    IBus bus,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    GatewayMetrics metrics,
    ILogger<StationEventPublisher> logger)
{
    /// <summary>Now, UTC, cut to milliseconds (the precision events carry).</summary>
    public DateTimeOffset Now()
    {
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    /// <exception cref="EventNotStoredException">The broker did not confirm within the publish timeout.</exception>
    public async Task PublishAsync(string eventName, string stationId, DateTimeOffset timestamp, JsonElement payload, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var stationEvent = new StationEvent(Guid.CreateVersion7(timestamp), eventName, stationId, timestamp, payload);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(settings.EventPublishTimeout);
        try
        {
            await bus.Publish(stationEvent, context =>
            {
                context.Durable = true;
                if (settings.RequireRoutedEvents && context.TryGetPayload(out RabbitMqSendContext? rabbit))
                {
                    rabbit.Mandatory = true;
                }
            }, deadline.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            metrics.EventsNotStored.Add(1);
            logger.LogWarning(ex, "{Event} event of station {StationId} was not confirmed by the broker", eventName, stationId);
            throw new EventNotStoredException(eventName, ex);
        }
    }
}
