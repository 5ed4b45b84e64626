using Pipelet.Contracts.Events;
using RabbitMQ.Client;

namespace Pipelet.Testing;

/// <summary>
/// The station events' route as the subscription service sets it (<c>StationEventRoute</c>), for tests that run the
/// gateway and a <see cref="StationEventBatch"/> consumer (the dispatcher, a MassTransit endpoint) without it: bound,
/// the gateway's batches reach MassTransit's exchange for the type; unbound, the broker drops them.
/// </summary>
public static class StationEventRouting
{
    /// <summary>Binds the gateway's exchange on to MassTransit's, as while some webhook is enabled.</summary>
    public static Task BindAsync(string rabbitMq) => SetAsync(rabbitMq, bound: true);

    /// <summary>Removes that binding, as while no webhook is enabled.</summary>
    public static Task UnbindAsync(string rabbitMq) => SetAsync(rabbitMq, bound: false);

    /// <summary>Declares the gateway's exchange as everyone must (with its alternate exchange), so a tap may come first.</summary>
    public static Task DeclareGatewayExchangeAsync(IChannel channel) =>
        channel.ExchangeDeclareAsync(StationEventExchanges.Gateway, ExchangeType.Fanout, durable: true, autoDelete: false,
            StationEventExchanges.GatewayArguments());

    private static async Task SetAsync(string rabbitMq, bool bound)
    {
        var factory = new ConnectionFactory { Uri = new Uri(rabbitMq) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await DeclareGatewayExchangeAsync(channel);
        await channel.ExchangeDeclareAsync(StationEventExchanges.MessageType, ExchangeType.Fanout, durable: true, autoDelete: false);
        if (bound)
        {
            await channel.ExchangeBindAsync(StationEventExchanges.MessageType, StationEventExchanges.Gateway, "");
        }
        else
        {
            await channel.ExchangeUnbindAsync(StationEventExchanges.MessageType, StationEventExchanges.Gateway, "");
        }

        await channel.CloseAsync();
        await connection.CloseAsync();
    }
}
