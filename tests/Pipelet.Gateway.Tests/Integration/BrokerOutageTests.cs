using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>At-least-once: a station never hears "success" for an event the broker did not keep.</summary>
public sealed class BrokerOutageTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    private static readonly Dictionary<string, string?> QuickPublishTimeout = new() { ["Gateway:EventPublishTimeout"] = "00:00:02" };

    [Fact]
    public async Task When_the_broker_goes_away_calls_get_InternalError_not_a_result()
    {
        var broker = new Uri(infrastructure.RabbitMqConnectionString);
        await using var proxy = new TcpProxy(broker.Host, broker.Port);
        var throughProxy = new UriBuilder(broker) { Port = proxy.Port }.Uri.ToString();
        await using var events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        await using var gateway = await GatewayServer.StartAsync(throughProxy, infrastructure.PostgresConnectionString, QuickPublishTimeout);
        await using var station = await TestStation.ConnectAsync(gateway, "CP-OUTAGE");
        await station.CallResultAsync("BootNotification", Payloads.Boot);

        proxy.Cut();

        foreach (var (action, payload) in new[] { ("Heartbeat", "{}"), ("StartTransaction", Payloads.Start(9)), ("MeterValues", Payloads.Meter(1)) })
        {
            var answer = await station.CallAsync(action, payload);
            Assert.Equal(4, answer[0].GetInt32());
            Assert.Equal("InternalError", answer[2].GetString());
        }
    }

    [Fact]
    public async Task An_event_no_queue_takes_is_not_kept_so_the_call_gets_InternalError()
    {
        // A fresh virtual host where nothing consumes StationEvent yet: the broker would drop the event.
        var emptyHost = (await infrastructure.CreateVirtualHostAsync()).ToString();
        await using var gateway = await GatewayServer.StartAsync(emptyHost, infrastructure.PostgresConnectionString, QuickPublishTimeout);
        using var handshakeOnly = await RawHandshake.SendAsync(gateway, "/ocpp/CP-NOBODY-LISTENS", "ocpp1.6");
        Assert.Equal(101, handshakeOnly.Status);
        // Without its Connect event stored the station is asked to come back later (close 1011).
        var (opcode, status) = await handshakeOnly.ReadFrameAsync();
        Assert.Equal(8, opcode);
        Assert.Equal(1011, status);

        // Once a queue is bound, the same station is served.
        await using var events = await EventTap.StartAsync(emptyHost);
        await using var station = await TestStation.ConnectAsync(gateway, "CP-NOBODY-LISTENS");
        await station.CallResultAsync("Heartbeat", "{}");
        Assert.Equal("Connect", (await events.NextAsync("CP-NOBODY-LISTENS")).Event);
    }
}
