using System.Net.WebSockets;
using System.Text.Json;
using Npgsql;
using Pipelet.Client;
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
        Assert.Equal("gw-second", where.InstanceId);

        var post = Client(_first).Stations.SendCommandAsync(id, "RemoteStartTransaction", new { connectorId = 1, idTag = "RFID_REMOTE" });
        var call = await station.ReceiveAsync();
        Assert.Equal("RemoteStartTransaction", call[2].GetString());
        Assert.Equal("RFID_REMOTE", call[3].GetProperty("idTag").GetString());
        await station.SendTextAsync($$"""[3,"{{call[1].GetString()}}",{"status":"Accepted"}]""");

        Assert.Equal("Accepted", (await post).Response.GetProperty("status").GetString());
        Assert.Equal("RemoteStartTransaction", (await _events.NextAsync(id, "RemoteStartTransaction")).Event);
    }

    [Fact]
    public async Task A_CALLERROR_from_a_station_held_by_the_other_instance_comes_back_as_the_same_502_problem()
    {
        const string id = "CP-ELSEWHERE-ERR";
        await using var station = await TestStation.ConnectAsync(_second, id);
        await station.CallResultAsync("BootNotification", Payloads.Boot);
        await ListedAsync(_first, id);

        var post = Client(_first).Stations.SendCommandAsync(id, "UnlockConnector", new { connectorId = 2 });
        var call = await station.ReceiveAsync();
        await station.SendTextAsync($$"""[4,"{{call[1].GetString()}}","NotSupported","no connector 2",{}]""");

        var problem = await Assert.ThrowsAsync<PipeletApiException>(() => post);
        Assert.Equal(502, problem.Status);
        Assert.Equal("NotSupported", problem.Extensions["error_code"].GetString());
        Assert.Equal("no connector 2", problem.Extensions["error_description"].GetString());
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

        Assert.Equal("gw-crashed", (await ListedAsync(_first, id)).InstanceId);
        var problem = await Assert.ThrowsAsync<PipeletApiException>(() => Client(_first).Stations.SendCommandAsync(id, "Reset", new { type = "Soft" }));
        Assert.Equal(404, problem.Status);
        Assert.Equal("Station not connected", problem.Title);
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
        var listed = await Client(_first).Stations.ListAllAsync().Where(s => s.StationId == id).ToListAsync();
        var only = Assert.Single(listed);
        Assert.Equal("gw-second", only.InstanceId);
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

        // Two a page through every station (the other stations of this class, CP-..., sort before PAGE-x): in id order,
        // each once, whichever instance holds it; the stream ends on the page whose next_cursor is null.
        var all = await Client(_first).Stations.ListAllAsync(pageSize: 2).ToListAsync();
        Assert.Equal(all.Select(s => s.StationId).Order(StringComparer.Ordinal), all.Select(s => s.StationId));
        var pages = all.Where(s => s.StationId.StartsWith("PAGE-", StringComparison.Ordinal)).ToList();
        Assert.Equal(["PAGE-A", "PAGE-B", "PAGE-C"], pages.Select(s => s.StationId));
        Assert.Equal(["gw-first", "gw-second", "gw-first"], pages.Select(s => s.InstanceId));

        // By hand: the deprecated ?after= (the client sends cursor only) takes a station id, which is what the cursor holds;
        // "PAGE" sorts before every PAGE-x and after the CP-... stations.
        var first = JsonDocument.Parse(await _first.Http.GetStringAsync("/api/v1/stations?limit=2&after=PAGE")).RootElement;
        Assert.Equal(["PAGE-A", "PAGE-B"], first.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("station_id").GetString()));
        var cursor = first.GetProperty("next_cursor").GetString();
        Assert.NotNull(cursor);

        var second = await Client(_first).Stations.ListAsync(cursor, limit: 2);
        Assert.Equal(["PAGE-C"], second.Items.Select(s => s.StationId));
        Assert.Null(second.NextCursor);
    }

    [Fact]
    public async Task Another_instance_sees_when_a_station_last_spoke()
    {
        const string id = "CP-SPEAKS";
        await using var station = await TestStation.ConnectAsync(_second, id);
        var connectedSince = (await ListedAsync(_first, id)).ConnectedSince;
        await Task.Delay(10); // a later millisecond than the connect
        await station.CallResultAsync("Heartbeat", "{}");

        // Written with the registry's periodic last-message update (every 5 s).
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await ListedAsync(_first, id)).LastMessageAt <= connectedSince)
        {
            await Task.Delay(StationDirectoryWriterWindow * 5, deadline.Token);
        }
    }

    /// <summary>The station as another instance sees it: the registry is written in batches, a moment after the connect.</summary>
    private static async Task<Station> ListedAsync(GatewayServer gateway, string stationId)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            try
            {
                return await Client(gateway).Stations.GetAsync(stationId, deadline.Token);
            }
            catch (PipeletApiException notYet) when (notYet.Status == 404)
            {
                await Task.Delay(StationDirectoryWriterWindow, deadline.Token);
            }
        }
    }

    /// <summary>Our client on the instance's HttpClient (this class's gateways take no API key).</summary>
    private static PipeletClient Client(GatewayServer gateway) => PipeletClient.Create(gateway.Http);

    private static readonly TimeSpan StationDirectoryWriterWindow = TimeSpan.FromMilliseconds(50);
}
