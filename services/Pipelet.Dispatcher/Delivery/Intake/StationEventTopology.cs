using Pipelet.Contracts.Events;
using RabbitMQ.Client;

namespace Pipelet.Dispatcher.Delivery.Intake;

/// <summary>
/// The station-event queue, declared exactly as MassTransit declared it for the consumer this intake
/// replaced (so an existing queue is reused as it is): MassTransit's fanout exchange for the message
/// type, bound to an exchange named after the queue, bound to the durable queue. Publishers, the
/// gateway included, keep publishing to the message-type exchange.
/// </summary>
public static class StationEventTopology
{
    /// <summary>MassTransit's exchange for a message type: <c>namespace:TypeName</c>.</summary>
    public static readonly string MessageTypeExchange = $"{typeof(StationEvent).Namespace}:{nameof(StationEvent)}";

    public static async Task DeclareAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(MessageTypeExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(RetryQueues.StationEvents, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(RetryQueues.StationEvents, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(RetryQueues.StationEvents, RetryQueues.StationEvents, "", cancellationToken: cancellationToken);
        await channel.ExchangeBindAsync(RetryQueues.StationEvents, MessageTypeExchange, "", cancellationToken: cancellationToken);
    }
}
