using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipelet.Contracts.Events;
using Pipelet.Gateway.Ocpp;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Pipelet.Gateway.Events;

/// <summary>
/// Publishes one <see cref="StationEvent"/> and returns only once RabbitMQ has confirmed it: persistent,
/// on a channel with publisher confirms, and with <see cref="GatewayOptions.RequireRoutedEvents"/>
/// mandatory, so an event no queue took counts as lost, not kept. The message is MassTransit's envelope
/// on MassTransit's exchange (<see cref="StationEventEnvelope"/>), read unchanged by MassTransit consumers.
/// </summary>
internal sealed class StationEventPublisher(
    EventChannels channels,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    GatewayMetrics metrics,
    ILogger<StationEventPublisher> logger)
{
    private readonly StationEventEnvelope _envelope = new(channels.Broker);

    // During a broker outage every CALL fails: one warning with its stack every few seconds, the rest counted.
    private readonly WarningThrottle _warnings = new(time, TimeSpan.FromSeconds(10));

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
        using var activity = GatewayTracing.StartPublish(StationEventEnvelope.Exchange, eventName, stationEvent.EventId, stationId);
        using var body = new PooledBuffer(1024);
        _envelope.Write(body, stationEvent, Now(), activity?.Id);
        var properties = new BasicProperties
        {
            MessageId = stationEvent.EventId.ToString(),
            ContentType = StationEventEnvelope.ContentType,
            DeliveryMode = DeliveryModes.Persistent,
            Headers = activity is null ? null : new Dictionary<string, object?> { [StationEventEnvelope.TraceHeader] = activity.Id },
        };

        IChannel? channel = null;
        try
        {
            channel = await channels.NextAsync(cancellationToken).AsTask().WaitAsync(settings.EventPublishTimeout, time, cancellationToken);
            // Completes when the broker confirms; throws when it nacks, returns (mandatory) or goes away. The
            // library gets no cancellation token: cancelling inside its confirm tracking can leave a duplicate
            // sequence number that fails every later publish on the channel; we stop waiting instead.
            var publish = channel.BasicPublishAsync(StationEventEnvelope.Exchange, "", settings.RequireRoutedEvents, properties, body.WrittenMemory, CancellationToken.None);
            await publish.AsTask().WaitAsync(settings.EventPublishTimeout, time, cancellationToken);
        }
        catch (InvalidOperationException ex) when (channel is not null)
        {
            // The channel's confirm tracking is broken: no later publish on it could succeed.
            channels.Discard(channel);
            throw NotStored(ex);
        }
        catch (Exception ex) when (ex is PublishException or RabbitMQClientException or OperationInterruptedException or IOException
                                       or System.Net.Sockets.SocketException or ObjectDisposedException or TimeoutException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw NotStored(ex);
        }

        EventNotStoredException NotStored(Exception ex)
        {
            metrics.EventsNotStored.Add(1);
            if (_warnings.ShouldWarn(out var suppressed))
            {
                logger.LogWarning(ex, "{Event} event of station {StationId} was not confirmed by the broker ({Suppressed} more since the last warning)",
                    eventName, stationId, suppressed);
            }
            else
            {
                logger.LogDebug("{Event} event of station {StationId} was not confirmed by the broker: {Error}", eventName, stationId, ex.Message);
            }

            return new EventNotStoredException(eventName, ex);
        }
    }
}
