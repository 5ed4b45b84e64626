using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Npgsql;
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

        var where = await ListedAsync(_first, id);
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
    public async Task A_CALLERROR_from_a_station_held_by_the_other_instance_comes_back_as_the_same_502_problem()
    {
        const string id = "CP-ELSEWHERE-ERR";
        await using var station = await TestStation.ConnectAsync(_second, id);
        await station.CallResultAsync("BootNotification", Payloads.Boot);
        await ListedAsync(_first, id);

        var post = _first.Http.PostAsync($"/api/v1/stations/{id}/commands/UnlockConnector",
            new StringContent("""{"connectorId":2}""", Encoding.UTF8, "application/json"));
        var call = await station.ReceiveAsync();
        await station.SendTextAsync($$"""[4,"{{call[1].GetString()}}","NotSupported","no connector 2",{}]""");

        using var response = await post;
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("NotSupported", problem.GetProperty("error_code").GetString());
        Assert.Equal("no connector 2", problem.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task A_command_for_a_station_of_an_instance_that_crashed_is_a_404_problem_not_a_wait_for_the_timeout()
    {
        // A crashed instance leaves its rows until they expire, but its queue went with its connection:
        // the broker hands the command back and the asking instance answers at once.
        const string id = "CP-ORPHANED";
        await using (var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString))
        {
            await using var rows = database.CreateCommand("""
                INSERT INTO gateway_instances (instance_id, started_at, seen_at) VALUES ('gw-crashed', now(), now());
                INSERT INTO station_connections (station_id, instance_id, session_id, connected_at, last_message_at)
                VALUES ('CP-ORPHANED', 'gw-crashed', gen_random_uuid(), now(), now());
                """);
            await rows.ExecuteNonQueryAsync();
        }

        Assert.Equal("gw-crashed", (await ListedAsync(_first, id)).GetProperty("instance_id").GetString());
        using var response = await _first.Http.PostAsync($"/api/v1/stations/{id}/commands/Reset",
            new StringContent("""{"type":"Soft"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
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

        // The old socket is closed only after the new holder recorded the station, so the list is settled.
        var listed = JsonDocument.Parse(await _first.Http.GetStringAsync("/api/v1/stations")).RootElement.GetProperty("items")
            .EnumerateArray().Where(s => s.GetProperty("station_id").GetString() == id).ToList();
        var only = Assert.Single(listed);
        Assert.Equal("gw-second", only.GetProperty("instance_id").GetString());
    }

    [Fact]
    public async Task The_stations_list_pages_through_the_stations_of_every_instance_in_id_order()
    {
        await using var a = await TestStation.ConnectAsync(_first, "PAGE-A");
        await using var b = await TestStation.ConnectAsync(_second, "PAGE-B");
        await using var c = await TestStation.ConnectAsync(_first, "PAGE-C");
        await a.CallResultAsync("Heartbeat", "{}");
        await c.CallResultAsync("Heartbeat", "{}");
        await b.CallResultAsync("Heartbeat", "{}");
        await ListedAsync(_first, "PAGE-B");

        // "PAGE" sorts before every PAGE-x and after the other stations of this class (CP-...); the deprecated
        // ?after= takes a station id, which is what the cursor holds.
        var first = JsonDocument.Parse(await _first.Http.GetStringAsync("/api/v1/stations?limit=2&after=PAGE")).RootElement;
        Assert.Equal(["PAGE-A", "PAGE-B"], first.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("station_id").GetString()));
        Assert.Equal(["gw-first", "gw-second"], first.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("instance_id").GetString()));
        var cursor = first.GetProperty("next_cursor").GetString();
        Assert.NotNull(cursor);

        var second = JsonDocument.Parse(await _first.Http.GetStringAsync($"/api/v1/stations?limit=2&cursor={Uri.EscapeDataString(cursor)}")).RootElement;
        Assert.Equal(["PAGE-C"], second.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("station_id").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task Another_instance_sees_when_a_station_last_spoke()
    {
        const string id = "CP-SPEAKS";
        await using var station = await TestStation.ConnectAsync(_second, id);
        var connectedSince = (await ListedAsync(_first, id)).GetProperty("connected_since").GetDateTimeOffset();
        await Task.Delay(10); // a later millisecond than the connect
        await station.CallResultAsync("Heartbeat", "{}");

        // Written with the registry's periodic last-message update (every 5 s).
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await ListedAsync(_first, id)).GetProperty("last_message_at").GetDateTimeOffset() <= connectedSince)
        {
            await Task.Delay(StationDirectoryWriterWindow * 5, deadline.Token);
        }
    }

    /// <summary>The station as another instance sees it: the registry is written in batches, a moment after the connect.</summary>
    private static async Task<JsonElement> ListedAsync(GatewayServer gateway, string stationId)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            using var response = await gateway.Http.GetAsync($"/api/v1/stations/{stationId}", deadline.Token);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return JsonDocument.Parse(await response.Content.ReadAsStringAsync(deadline.Token)).RootElement;
            }

            await Task.Delay(StationDirectoryWriterWindow, deadline.Token);
        }
    }

    private static readonly TimeSpan StationDirectoryWriterWindow = TimeSpan.FromMilliseconds(50);
}
