using System.Threading.Channels;
using MassTransit;
using Pipelet.Contracts.Events;
using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>
/// The gateway publishes events with RabbitMQ.Client, not MassTransit: a MassTransit consumer of
/// <see cref="StationEvent"/> (as the dispatcher has) must read them unchanged.
/// </summary>
public sealed class MassTransitConsumerTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    [Fact]
    public async Task A_MassTransit_consumer_reads_the_gateways_events()
    {
        var received = Channel.CreateUnbounded<ConsumeContext<StationEvent>>();
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(new Uri(infrastructure.RabbitMqConnectionString));
            rabbit.ReceiveEndpoint("gateway-tests-station-events", endpoint =>
                endpoint.Handler<StationEvent>(context => received.Writer.WriteAsync(context).AsTask()));
        });
        await bus.StartAsync();
        try
        {
            await using var gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString);
            await using (var station = await TestStation.ConnectAsync(gateway, "CP-MASSTRANSIT"))
            {
                await station.CallResultAsync("StartTransaction", Payloads.Start(1));
            }

            var connect = await NextAsync(received);
            Assert.Equal((EventCatalogue.Connect, "CP-MASSTRANSIT"), (connect.Message.Event, connect.Message.StationId));
            Assert.Equal(connect.Message.EventId, connect.MessageId);
            Assert.Equal("application/vnd.masstransit+json", connect.ReceiveContext.ContentType.MediaType);

            var start = await NextAsync(received);
            Assert.Equal(EventCatalogue.StartTransaction, start.Message.Event);
            Assert.Equal(7, start.Message.EventId.Version);
            Assert.Equal(TimeSpan.Zero, start.Message.Timestamp.Offset);
            Assert.True(start.Message.Payload.GetProperty("transactionId").GetInt32() > 0);
            Assert.Equal(1, start.Message.Payload.GetProperty("connectorId").GetInt32());

            Assert.Equal(EventCatalogue.Disconnect, (await NextAsync(received)).Message.Event);
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    private static async Task<ConsumeContext<StationEvent>> NextAsync(Channel<ConsumeContext<StationEvent>> received)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await received.Reader.ReadAsync(timeout.Token);
    }
}
