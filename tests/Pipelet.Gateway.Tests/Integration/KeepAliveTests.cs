using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>WebSocket ping/pong keeps dead peers from lingering; lenient subprotocol mode for old firmware.</summary>
public sealed class KeepAliveTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>, IAsyncLifetime
{
    private GatewayServer _gateway = null!;
    private EventTap _events = null!;

    public async Task InitializeAsync()
    {
        _events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        _gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString,
            new Dictionary<string, string?>
            {
                ["Gateway:WebSocketPingInterval"] = "00:00:01",
                ["Gateway:WebSocketPongTimeout"] = "00:00:01",
                ["Gateway:RequireSubprotocol"] = "false",
            });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _events.DisposeAsync();
    }

    [Fact]
    public async Task A_peer_that_stops_answering_pings_is_dropped_and_gets_its_Disconnect()
    {
        const string id = "CP-DEAD-PEER";
        // A ClientWebSocket answers pings only while it reads; this one never reads again.
        await using var station = await TestStation.ConnectAsync(_gateway, id);
        Assert.Equal("Connect", (await _events.NextAsync(id)).Event);
        var disconnect = await _events.NextAsync(id, TimeSpan.FromSeconds(60));
        Assert.Equal("Disconnect", disconnect.Event);
        Assert.Equal("connection_lost", disconnect.Payload.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task With_RequireSubprotocol_off_a_station_offering_none_is_served()
    {
        await using var station = await TestStation.ConnectAsync(_gateway, "CP-OLD-FIRMWARE", subprotocol: null);
        Assert.Null(station.Socket.SubProtocol);
        await station.CallResultAsync("Heartbeat", "{}");
    }

    [Fact]
    public async Task With_RequireSubprotocol_off_a_station_offering_only_others_is_still_closed()
    {
        using var handshake = await RawHandshake.SendAsync(_gateway, "/ocpp/CP-OCPP2", "ocpp2.0.1");
        Assert.Equal(101, handshake.Status);
        Assert.Equal(8, (await handshake.ReadFrameAsync()).Opcode);
    }
}
