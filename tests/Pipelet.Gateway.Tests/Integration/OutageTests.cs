using Pipelet.Client;
using Pipelet.Contracts.Events;
using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>At-least-once: a station never hears "success" for an event the broker did not keep, or a transaction id the database did not.</summary>
public sealed class OutageTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
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

        await proxy.PauseAsync();

        foreach (var (action, payload) in new[] { ("Heartbeat", "{}"), ("StartTransaction", Payloads.Start(9)), ("MeterValues", Payloads.Meter(1)) })
        {
            var answer = await station.CallAsync(action, payload);
            Assert.Equal(4, answer[0].GetInt32());
            Assert.Equal("InternalError", answer[2].GetString());
        }
    }

    [Fact]
    public async Task When_the_broker_goes_away_a_command_is_not_sent_and_the_api_answers_503()
    {
        var broker = new Uri(infrastructure.RabbitMqConnectionString);
        await using var proxy = new TcpProxy(broker.Host, broker.Port);
        var throughProxy = new UriBuilder(broker) { Port = proxy.Port }.Uri.ToString();
        await using var events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        await using var gateway = await GatewayServer.StartAsync(throughProxy, infrastructure.PostgresConnectionString, QuickPublishTimeout);
        await using var station = await TestStation.ConnectAsync(gateway, "CP-OUTAGE-COMMAND");
        await station.CallResultAsync("Heartbeat", "{}"); // its Connect event is confirmed: the session is up

        await proxy.PauseAsync();

        // Every command is an event: one the broker did not keep is not sent to the station either.
        var refused = await Assert.ThrowsAsync<PipeletApiException>(
            () => PipeletClient.Create(gateway.Http).Stations.SendCommandAsync("CP-OUTAGE-COMMAND", "Reset", new { type = "Soft" }));
        Assert.Equal(503, refused.Status);
        Assert.NotNull(refused.Detail); // read from a problem document, not a bare status
        try
        {
            var stray = await station.ReceiveTextAsync(TimeSpan.FromSeconds(1));
            Assert.Fail("The station got " + (stray ?? "its socket closed"));
        }
        catch (OperationCanceledException)
        {
            // Nothing within a second: the command was not sent.
        }
    }

    [Fact]
    public async Task When_the_database_goes_away_StartTransaction_gets_InternalError_and_the_station_is_still_served()
    {
        var database = new Npgsql.NpgsqlConnectionStringBuilder(infrastructure.PostgresConnectionString);
        await using var proxy = new TcpProxy(database.Host!, database.Port);
        database.Port = proxy.Port;
        database.Timeout = 3; // connect: a gone database must not hold the station's answer for long
        database.CommandTimeout = 3;
        await using var events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        await using var gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, database.ConnectionString);
        await using var station = await TestStation.ConnectAsync(gateway, "CP-NO-DATABASE");
        Assert.True((await station.CallResultAsync("StartTransaction", Payloads.Start(1))).GetProperty("transactionId").GetInt32() > 0);

        await proxy.PauseAsync();

        // The transaction id cannot be made durable: no result, so the station retries it later.
        var answer = await station.CallAsync("StartTransaction", Payloads.Start(2));
        Assert.Equal(4, answer[0].GetInt32());
        Assert.Equal("InternalError", answer[2].GetString());
        // What needs no database goes on.
        await station.CallResultAsync("Heartbeat", "{}");
    }

    [Fact]
    public async Task After_the_broker_comes_back_commands_between_instances_go_both_ways_again()
    {
        var broker = new Uri(infrastructure.RabbitMqConnectionString);
        await using var proxy = new TcpProxy(broker.Host, broker.Port);
        var throughProxy = new UriBuilder(broker) { Port = proxy.Port }.Uri.ToString();
        var settings = new Dictionary<string, string?> { ["Gateway:CommandTimeout"] = "00:00:02" };
        await using var events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        await using var cut = await GatewayServer.StartAsync(throughProxy, infrastructure.PostgresConnectionString,
            new Dictionary<string, string?>(settings) { ["Gateway:InstanceId"] = "gw-reconnects" });
        await using var steady = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString,
            new Dictionary<string, string?>(settings) { ["Gateway:InstanceId"] = "gw-steady" });

        await proxy.PauseAsync();
        await WaitForHealthAsync(cut, healthy: false);
        proxy.Resume(broker.Port);
        await WaitForHealthAsync(cut, healthy: true);

        // The recovered instance asks (its answers come back over direct reply-to) and is asked (its own queue).
        await using var onSteady = await TestStation.ConnectAsync(steady, "CP-ON-STEADY");
        await using var onCut = await TestStation.ConnectAsync(cut, "CP-ON-RECONNECTED");
        await onSteady.CallResultAsync("Heartbeat", "{}");
        await onCut.CallResultAsync("Heartbeat", "{}");
        await AnswersAsync(cut, onSteady);
        await AnswersAsync(steady, onCut);
    }

    /// <summary>A command posted to <paramref name="asked"/> reaches <paramref name="station"/>, held by the other instance, and its answer comes back.</summary>
    private static async Task AnswersAsync(GatewayServer asked, TestStation station)
    {
        // The other instance records its stations a moment after they connect.
        var client = PipeletClient.Create(asked.Http);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!await IsListedAsync(client, station.StationId, deadline.Token))
        {
            await Task.Delay(50, deadline.Token);
        }

        var post = client.Stations.SendCommandAsync(station.StationId, "ClearCache", new { });
        var call = await station.ReceiveAsync();
        Assert.Equal("ClearCache", call[2].GetString());
        await station.SendTextAsync($$"""[3,"{{call[1].GetString()}}",{"status":"Accepted"}]""");
        var result = await post;
        Assert.Equal("Accepted", result.Response.GetProperty("status").GetString());
    }

    private static async Task<bool> IsListedAsync(PipeletClient client, string stationId, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.Stations.GetAsync(stationId, cancellationToken)).StationId == stationId;
        }
        catch (PipeletApiException e) when (e.Status == 404)
        {
            return false;
        }
    }

    private static async Task WaitForHealthAsync(GatewayServer gateway, bool healthy)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((await gateway.Http.GetAsync("/health", deadline.Token)).IsSuccessStatusCode != healthy)
        {
            await Task.Delay(100, deadline.Token);
        }
    }

    [Fact]
    public async Task An_event_wanted_but_no_dispatcher_queue_takes_is_not_kept_so_the_call_gets_InternalError()
    {
        // A fresh virtual host where a webhook wants events (the route is bound) but no dispatcher ever bound its queue:
        // the broker would drop the event.
        var emptyHost = (await infrastructure.CreateVirtualHostAsync()).ToString();
        await StationEventRouting.BindAsync(emptyHost);
        await using var gateway = await GatewayServer.StartAsync(emptyHost, infrastructure.PostgresConnectionString, QuickPublishTimeout);
        using var handshakeOnly = await RawHandshake.SendAsync(gateway, "/ocpp/CP-NOBODY-LISTENS", "ocpp1.6");
        Assert.Equal(101, handshakeOnly.Status);
        // Without its Connect event stored the station is asked to come back later (close 1011).
        var (opcode, status) = await handshakeOnly.ReadFrameAsync();
        Assert.Equal(8, opcode);
        Assert.Equal(1011, status);

        // Once a queue is bound behind MassTransit's exchange, the same station is served.
        await using var dispatcherSide = await EventTap.StartOnDispatcherSideAsync(emptyHost);
        await using var station = await TestStation.ConnectAsync(gateway, "CP-NOBODY-LISTENS");
        await station.CallResultAsync("Heartbeat", "{}");
        Assert.Equal("Connect", (await dispatcherSide.NextAsync("CP-NOBODY-LISTENS")).Event);
    }

    [Fact]
    public async Task An_event_nobody_wants_is_answered_and_goes_no_further_than_the_broker()
    {
        // No webhook enabled (the route is not bound), and a dispatcher's queue behind MassTransit's exchange.
        var host = (await infrastructure.CreateVirtualHostAsync()).ToString();
        await StationEventRouting.UnbindAsync(host);
        await using var dispatcherSide = await EventTap.StartOnDispatcherSideAsync(host);
        await using var gateway = await GatewayServer.StartAsync(host, infrastructure.PostgresConnectionString, QuickPublishTimeout);
        await using var unwanted = await TestStation.ConnectAsync(gateway, "CP-UNWANTED");
        // Each answer means the broker confirmed its event (into the queue that drops it).
        await unwanted.CallResultAsync("BootNotification", Payloads.Boot);
        await unwanted.CallResultAsync("MeterValues", Payloads.Meter(1));
        Assert.Equal(0u, await MessagesInAsync(host, StationEventExchanges.UnwantedQueue)); // dropped, not kept

        // Once the route is bound (a webhook enabled), the events that follow reach the dispatcher's side, and only those.
        await StationEventRouting.BindAsync(host);
        await using var wanted = await TestStation.ConnectAsync(gateway, "CP-WANTED");
        await wanted.CallResultAsync("Heartbeat", "{}");

        var first = await dispatcherSide.NextAsync();
        Assert.Equal(("CP-WANTED", "Connect"), (first.StationId, first.Event));
        var second = await dispatcherSide.NextAsync();
        Assert.Equal(("CP-WANTED", "Heartbeat"), (second.StationId, second.Event));
    }

    private static async Task<uint> MessagesInAsync(string rabbitMq, string queue)
    {
        await using var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(rabbitMq) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }
}
