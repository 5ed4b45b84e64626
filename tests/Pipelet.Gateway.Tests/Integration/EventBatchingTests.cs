using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>
/// Natural batching: with many stations calling at once, events that wait for a publish slot share a
/// StationEventBatch message, and every answered CALL's event is on the bus.
/// </summary>
public sealed class EventBatchingTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    // One batch in flight: whatever arrives while it awaits its confirm must go in the next one. Four: a further
    // batch goes beside one in flight only when full, else its events wait for a confirm (and are still answered).
    [Theory]
    [InlineData("1")]
    [InlineData("4")]
    public async Task Concurrent_stations_events_travel_batched_and_every_answered_call_is_on_the_bus(string batchesInFlight)
    {
        const int stations = 100;
        const int heartbeatsEach = 5;
        await using var events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        await using var gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString,
            new Dictionary<string, string?> { ["Gateway:EventBatchesInFlight"] = batchesInFlight, ["Gateway:EventBatchMaxEvents"] = "16" });

        var prefix = $"CP-BATCH{batchesInFlight}-";
        var ids = Enumerable.Range(0, stations).Select(i => $"{prefix}{i:D3}").ToArray();
        var connected = await Task.WhenAll(ids.Select(id => TestStation.ConnectAsync(gateway, id)));
        try
        {
            await Task.WhenAll(connected.Select(async station =>
            {
                for (var i = 0; i < heartbeatsEach; i++) await station.CallResultAsync("Heartbeat", "{}");
            }));
        }
        finally
        {
            foreach (var station in connected) await station.DisposeAsync();
        }

        // Every Connect and every answered Heartbeat was confirmed, so the tap has all of them.
        var seen = new List<TappedEvent>();
        var expected = stations * (1 + heartbeatsEach);
        while (seen.Count(e => e.Event is "Connect" or "Heartbeat") < expected)
        {
            var next = await events.NextAsync();
            if (next.StationId.StartsWith(prefix, StringComparison.Ordinal)) seen.Add(next);
        }

        Assert.All(ids, id => Assert.Equal(heartbeatsEach, seen.Count(e => e.StationId == id && e.Event == "Heartbeat")));
        Assert.Equal(seen.Count, seen.Select(e => e.EventId).Distinct().Count());
        Assert.Contains(seen, e => e.BatchSize > 1);
        Assert.All(seen, e => Assert.InRange(e.BatchSize, 1, 16));
        var messages = seen.GroupBy(e => e.MessageId).ToList();
        Assert.True(messages.Count < seen.Count, $"{seen.Count} events in {messages.Count} messages");
    }

    [Fact]
    public async Task Stopping_the_gateway_still_publishes_every_stations_Disconnect()
    {
        const int stations = 40;
        await using var events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        var gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString);
        var ids = Enumerable.Range(0, stations).Select(i => $"CP-STOP-{i:D2}").ToArray();
        var connected = new List<TestStation>();
        try
        {
            foreach (var id in ids) connected.Add(await TestStation.ConnectAsync(gateway, id));
            await Task.WhenAll(connected.Select(station => station.CallResultAsync("Heartbeat", "{}")));
        }
        finally
        {
            // The stations stay connected: the gateway closes them as it stops and publishes their Disconnects on the way out.
            await gateway.DisposeAsync();
            foreach (var station in connected) await station.DisposeAsync();
        }

        var disconnected = new Dictionary<string, string>();
        while (disconnected.Count < stations)
        {
            var next = await events.NextAsync();
            if (next.Event == "Disconnect" && next.StationId.StartsWith("CP-STOP-", StringComparison.Ordinal))
            {
                disconnected.Add(next.StationId, next.Payload.GetProperty("reason").GetString()!);
            }
        }

        Assert.All(disconnected.Values, reason => Assert.Equal("shutdown", reason));
    }
}
