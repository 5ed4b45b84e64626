using System.Net;
using System.Net.WebSockets;
using Pipelet.Client;
using Pipelet.Gateway.Security;
using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>The OCPP-J connection rules: identity, subprotocol (J 3.2), one socket per station.</summary>
public sealed class HandshakeTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>, IAsyncLifetime
{
    private GatewayServer _gateway = null!;
    private EventTap _events = null!;

    public async Task InitializeAsync()
    {
        _events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        _gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _events.DisposeAsync();
    }

    [Fact]
    public async Task The_ocpp16_subprotocol_is_chosen_among_those_offered()
    {
        using var handshake = await RawHandshake.SendAsync(_gateway, "/ocpp/CP-PROTO", "ocpp2.0.1, ocpp1.6");
        Assert.Equal(101, handshake.Status);
        Assert.Contains("sec-websocket-protocol: ocpp1.6\r\n", handshake.Headers, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ocpp2.0.1")]
    [InlineData(null)]
    public async Task Without_an_acceptable_subprotocol_the_handshake_completes_without_one_and_then_closes(string? offered)
    {
        using var handshake = await RawHandshake.SendAsync(_gateway, "/ocpp/CP-NOPROTO", offered);
        Assert.Equal(101, handshake.Status);
        Assert.DoesNotContain("sec-websocket-protocol", handshake.Headers, StringComparison.Ordinal);
        var (opcode, status) = await handshake.ReadFrameAsync();
        Assert.Equal(8, opcode);
        Assert.Equal((int)WebSocketCloseStatus.ProtocolError, status);
    }

    [Theory]
    [InlineData("has%20space")]
    [InlineData("slash%2Finside")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVW")] // 49 characters
    [InlineData("percent%25")]
    [InlineData("%E2%9A%A1")]
    public async Task A_bad_identity_is_refused_with_404_at_the_handshake(string encodedId)
    {
        using var handshake = await RawHandshake.SendAsync(_gateway, "/ocpp/" + encodedId, "ocpp1.6");
        Assert.Equal(404, handshake.Status);
    }

    [Fact]
    public async Task A_percent_encoded_identity_is_decoded()
    {
        await using var station = await TestStation.ConnectAsync(_gateway, "CP:01@site.a", encodedId: "CP%3A01%40site.a");
        var connect = await _events.NextAsync("CP:01@site.a");
        Assert.Equal("Connect", connect.Event);
        await station.CallResultAsync("Heartbeat", "{}");
    }

    [Fact]
    public async Task A_plain_http_request_to_the_ocpp_endpoint_is_a_400_problem()
    {
        using var response = await _gateway.Http.GetAsync("/ocpp/CP-HTTP");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_second_connection_replaces_the_first_which_is_closed_and_gets_its_Disconnect()
    {
        const string id = "CP-TWICE";
        await using var first = await TestStation.ConnectAsync(_gateway, id);
        Assert.Equal("Connect", (await _events.NextAsync(id)).Event);

        await using var second = await TestStation.ConnectAsync(_gateway, id);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await first.WaitForCloseAsync());

        var disconnect = await _events.NextAsync(id);
        Assert.Equal("Disconnect", disconnect.Event);
        Assert.Equal("replaced", disconnect.Payload.GetProperty("reason").GetString());
        Assert.Equal("Connect", (await _events.NextAsync(id)).Event);

        await second.CallResultAsync("Heartbeat", "{}");
        Assert.Equal("Heartbeat", (await _events.NextAsync(id)).Event);
    }

    [Fact]
    public async Task Stations_are_listed_with_their_instance_while_connected()
    {
        const string id = "CP-LISTED";
        var client = PipeletClient.Create(_gateway.Http);
        await using (var station = await TestStation.ConnectAsync(_gateway, id))
        {
            await station.CallResultAsync("Heartbeat", "{}");
            var one = await client.Stations.GetAsync(id);
            Assert.Equal(id, one.StationId);
            Assert.NotEqual(default, one.ConnectedSince);
            Assert.NotEqual(default, one.LastMessageAt);
            Assert.False(string.IsNullOrEmpty(one.InstanceId));

            Assert.Contains(await client.Stations.ListAllAsync().ToListAsync(), s => s.StationId == id);
        }

        await _events.NextAsync(id, "Disconnect");
        Assert.Equal(404, (await Assert.ThrowsAsync<PipeletApiException>(() => client.Stations.GetAsync(id))).Status);
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(101, null)]
    [InlineData(-1, null)]
    [InlineData(null, "not a station")]
    public async Task Bad_paging_parameters_are_a_validation_problem(int? limit, string? cursor)
    {
        var problem = await Assert.ThrowsAsync<PipeletApiException>(() => PipeletClient.Create(_gateway.Http).Stations.ListAsync(cursor, limit));
        Assert.Equal(400, problem.Status);
        Assert.True(problem.Errors.ContainsKey(limit is null ? "cursor" : "limit"), problem.Message);
    }

    /// <summary>By hand: a limit that is not a number and the deprecated <c>after</c> are more than the client can send.</summary>
    [Theory]
    [InlineData("limit=ten", "limit")]
    [InlineData("after=not%20a%20station", "after")]
    public async Task Paging_parameters_the_client_cannot_send_are_a_validation_problem(string query, string field)
    {
        using var response = await _gateway.Http.GetAsync($"/api/v1/stations?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }
}

/// <summary>Security profile 1: HTTP Basic with a per-station password, when switched on.</summary>
public sealed class StationAuthenticationTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>, IAsyncLifetime
{
    private const string Password = "0123456789abcdef:with-colon";
    private GatewayServer _gateway = null!;
    private EventTap _events = null!;

    public async Task InitializeAsync()
    {
        _events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        _gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString,
            new Dictionary<string, string?>
            {
                ["Gateway:StationAuthentication:Enabled"] = "true",
                ["Gateway:StationAuthentication:Stations:CP-SECURE"] = StationPasswordHasher.Hash(Password),
            });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _events.DisposeAsync();
    }

    [Fact]
    public async Task The_right_password_is_let_in()
    {
        using var handshake = await RawHandshake.SendAsync(_gateway, "/ocpp/CP-SECURE", "ocpp1.6", TestStation.BasicAuthorization("CP-SECURE", Password));
        Assert.Equal(101, handshake.Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    public async Task A_missing_or_wrong_password_is_a_401(string? password)
    {
        using var handshake = await RawHandshake.SendAsync(_gateway, "/ocpp/CP-SECURE", "ocpp1.6", password is null ? null : TestStation.BasicAuthorization("CP-SECURE", password));
        Assert.Equal(401, handshake.Status);
        Assert.Contains("www-authenticate: basic", handshake.Headers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_station_not_registered_is_a_404()
    {
        using var handshake = await RawHandshake.SendAsync(_gateway, "/ocpp/CP-STRANGER", "ocpp1.6", TestStation.BasicAuthorization("CP-STRANGER", Password));
        Assert.Equal(404, handshake.Status);
    }
}

/// <summary>Station registration without passwords: only listed identities connect, others get the 404 J 3.2 suggests.</summary>
public sealed class StationRegistrationTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>, IAsyncLifetime
{
    private GatewayServer _gateway = null!;
    private EventTap _events = null!;

    public async Task InitializeAsync()
    {
        _events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        _gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString,
            new Dictionary<string, string?>
            {
                ["Gateway:RegisteredStations:0"] = "CP-REGISTERED-1",
                ["Gateway:RegisteredStations:1"] = "CP-REGISTERED-2",
            });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _events.DisposeAsync();
    }

    [Theory]
    [InlineData("CP-REGISTERED-1", 101)]
    [InlineData("CP-REGISTERED-2", 101)]
    [InlineData("CP-STRANGER", 404)]
    [InlineData("cp-registered-1", 404)]
    public async Task Only_registered_identities_are_let_in(string stationId, int status)
    {
        using var handshake = await RawHandshake.SendAsync(_gateway, "/ocpp/" + stationId, "ocpp1.6");
        Assert.Equal(status, handshake.Status);
    }
}
