using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>Two gateway instances on one broker and one database: commands find the instance that holds the socket.</summary>
public sealed class ScaleOutTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>, IAsyncLifetime
{
    private GatewayServer _first = null!;
    private GatewayServer _second = null!;
    private EventTap _events = null!;

    public async Task InitializeAsync()
    {
        _events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        _first = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString,
            new Dictionary<string, string?> { ["Gateway:InstanceId"] = "gw-first" });
        _second = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString,
            new Dictionary<string, string?> { ["Gateway:InstanceId"] = "gw-second" });
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _events.DisposeAsync();
    }

    [Fact]
    public async Task A_command_posted_to_one_instance_reaches_a_station_held_by_the_other()
    {
        const string id = "CP-ELSEWHERE";
        await using var station = await TestStation.ConnectAsync(_second, id);
        await station.CallResultAsync("BootNotification", Payloads.Boot);

        var where = JsonDocument.Parse(await _first.Http.GetStringAsync($"/api/v1/stations/{id}")).RootElement;
        Assert.Equal("gw-second", where.GetProperty("instance_id").GetString());

        var post = _first.Http.PostAsync($"/api/v1/stations/{id}/commands/RemoteStartTransaction",
            new StringContent("""{"connectorId":1,"idTag":"RFID_REMOTE"}""", Encoding.UTF8, "application/json"));
        var call = await station.ReceiveAsync();
        Assert.Equal("RemoteStartTransaction", call[2].GetString());
        Assert.Equal("RFID_REMOTE", call[3].GetProperty("idTag").GetString());
        await station.SendTextAsync($$"""[3,"{{call[1].GetString()}}",{"status":"Accepted"}]""");

        using var response = await post;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Accepted", json.GetProperty("response").GetProperty("status").GetString());
        Assert.Equal("RemoteStartTransaction", (await _events.NextAsync(id, "RemoteStartTransaction")).Event);
    }

    [Fact]
    public async Task A_station_reconnecting_to_the_other_instance_closes_its_old_socket()
    {
        const string id = "CP-MOVES";
        await using var old = await TestStation.ConnectAsync(_first, id);
        await old.CallResultAsync("Heartbeat", "{}");
        await using var moved = await TestStation.ConnectAsync(_second, id);
        await moved.CallResultAsync("Heartbeat", "{}");
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await old.WaitForCloseAsync());

        var listed = JsonDocument.Parse(await _first.Http.GetStringAsync("/api/v1/stations")).RootElement.GetProperty("stations")
            .EnumerateArray().Where(s => s.GetProperty("station_id").GetString() == id).ToList();
        var only = Assert.Single(listed);
        Assert.Equal("gw-second", only.GetProperty("instance_id").GetString());
    }
}
