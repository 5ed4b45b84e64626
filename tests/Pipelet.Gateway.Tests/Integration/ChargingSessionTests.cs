using System.Text.Json;
using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>A real OCPP-J client runs whole sessions; every message must appear as its event on RabbitMQ.</summary>
public sealed class ChargingSessionTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>, IAsyncLifetime
{
    private GatewayServer _gateway = null!;
    private EventTap _events = null!;

    public async Task InitializeAsync()
    {
        _events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        _gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString,
            new Dictionary<string, string?> { ["Gateway:HeartbeatInterval"] = "120" });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _events.DisposeAsync();
    }

    [Fact]
    public async Task A_full_charging_session_is_answered_per_spec_and_every_message_becomes_its_event()
    {
        const string id = "WALLBOX_001";
        await using (var station = await TestStation.ConnectAsync(_gateway, id))
        {
            Assert.Equal("ocpp1.6", station.Socket.SubProtocol);
            var connect = await _events.NextAsync(id);
            Assert.Equal("Connect", connect.Event);

            var boot = await station.CallResultAsync("BootNotification", Payloads.Boot);
            Assert.Equal("Accepted", boot.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Number, boot.GetProperty("interval").ValueKind);
            Assert.Equal(120, boot.GetProperty("interval").GetInt32());
            Assert.True(DateTimeOffset.TryParse(boot.GetProperty("currentTime").GetString(), out _));
            await AssertEvent(id, "BootNotification", Payloads.Boot);

            await station.CallResultAsync("StatusNotification", Payloads.StatusAvailable);
            await AssertEvent(id, "StatusNotification", Payloads.StatusAvailable);

            var authorize = await station.CallResultAsync("Authorize", Payloads.Authorize);
            Assert.Equal("Accepted", authorize.GetProperty("idTagInfo").GetProperty("status").GetString());
            await AssertEvent(id, "Authorize", Payloads.Authorize);

            var start = await station.CallResultAsync("StartTransaction", Payloads.Start());
            var transactionId = start.GetProperty("transactionId").GetInt32();
            Assert.Equal("Accepted", start.GetProperty("idTagInfo").GetProperty("status").GetString());
            var started = await _events.NextAsync(id);
            Assert.Equal("StartTransaction", started.Event);
            Assert.Equal(transactionId, started.Payload.GetProperty("transactionId").GetInt32());
            Assert.Equal(12345, started.Payload.GetProperty("meterStart").GetInt32());
            Assert.Equal("RFID_12345678", started.Payload.GetProperty("idTag").GetString());

            await station.CallResultAsync("MeterValues", Payloads.Meter(transactionId));
            await AssertEvent(id, "MeterValues", Payloads.Meter(transactionId));

            var stop = await station.CallResultAsync("StopTransaction", Payloads.Stop(transactionId));
            Assert.Equal("Accepted", stop.GetProperty("idTagInfo").GetProperty("status").GetString());
            await AssertEvent(id, "StopTransaction", Payloads.Stop(transactionId));

            var heartbeat = await station.CallResultAsync("Heartbeat", "{}");
            Assert.True(heartbeat.TryGetProperty("currentTime", out _));
            await AssertEvent(id, "Heartbeat", "{}");

            var data = await station.CallResultAsync("DataTransfer", """{"vendorId":"com.pipelet","messageId":"hello","data":"x"}""");
            Assert.Equal("Accepted", data.GetProperty("status").GetString());
            await AssertEvent(id, "DataTransfer", """{"vendorId":"com.pipelet","messageId":"hello","data":"x"}""");

            // Answered per spec but outside the 23-event catalogue: no event (the next one is Disconnect).
            Assert.Empty(EnumerateObject(await station.CallResultAsync("DiagnosticsStatusNotification", """{"status":"Idle"}""")));
            Assert.Empty(EnumerateObject(await station.CallResultAsync("FirmwareStatusNotification", """{"status":"Installed"}""")));
        }

        var disconnect = await _events.NextAsync(id);
        Assert.Equal("Disconnect", disconnect.Event);
        Assert.Equal("closed_by_station", disconnect.Payload.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Events_carry_a_version_7_id_and_a_utc_millisecond_timestamp()
    {
        const string id = "CP-EVENT-SHAPE";
        await using var station = await TestStation.ConnectAsync(_gateway, id);
        await _events.NextAsync(id, "Connect");
        await station.CallResultAsync("Heartbeat", "{}");
        var heartbeat = await _events.NextAsync(id, "Heartbeat");
        Assert.Equal(7, heartbeat.EventId.Version);
        Assert.Equal(TimeSpan.Zero, heartbeat.Timestamp.Offset);
        Assert.Equal(0, heartbeat.Timestamp.Ticks % TimeSpan.TicksPerMillisecond);
    }

    [Fact]
    public async Task A_resent_StartTransaction_gets_the_same_transactionId_and_a_different_one_a_new_id()
    {
        const string id = "CP-IDEMPOTENT";
        await using var station = await TestStation.ConnectAsync(_gateway, id);
        var first = (await station.CallResultAsync("StartTransaction", Payloads.Start(500, "2026-05-01T10:00:00Z"))).GetProperty("transactionId").GetInt32();
        var again = (await station.CallResultAsync("StartTransaction", Payloads.Start(500, "2026-05-01T10:00:00Z"))).GetProperty("transactionId").GetInt32();
        // Same instant written with an offset is the same StartTransaction.
        var offset = (await station.CallResultAsync("StartTransaction", Payloads.Start(500, "2026-05-01T12:00:00+02:00"))).GetProperty("transactionId").GetInt32();
        var other = (await station.CallResultAsync("StartTransaction", Payloads.Start(501, "2026-05-01T10:00:00Z"))).GetProperty("transactionId").GetInt32();
        Assert.Equal(first, again);
        Assert.Equal(first, offset);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public async Task The_same_StartTransaction_over_a_new_connection_keeps_its_transactionId()
    {
        const string id = "CP-RESEND-AFTER-RECONNECT";
        int first;
        await using (var station = await TestStation.ConnectAsync(_gateway, id))
        {
            first = (await station.CallResultAsync("StartTransaction", Payloads.Start(42, "2026-06-01T08:00:00.123Z"))).GetProperty("transactionId").GetInt32();
        }

        await using (var station = await TestStation.ConnectAsync(_gateway, id))
        {
            var again = (await station.CallResultAsync("StartTransaction", Payloads.Start(42, "2026-06-01T08:00:00.123Z"))).GetProperty("transactionId").GetInt32();
            Assert.Equal(first, again);
        }
    }

    [Fact]
    public async Task A_station_that_reconnects_without_booting_is_served()
    {
        const string id = "CP-NO-REBOOT";
        await using var station = await TestStation.ConnectAsync(_gateway, id);
        await _events.NextAsync(id, "Connect");
        var status = await station.CallResultAsync("StatusNotification", Payloads.StatusAvailable);
        Assert.Empty(EnumerateObject(status));
        var meter = await station.CallResultAsync("MeterValues", Payloads.Meter(7));
        Assert.Empty(EnumerateObject(meter));
        await _events.NextAsync(id, "MeterValues");
    }

    [Theory]
    [InlineData("Celsius")]
    [InlineData("Celcius")]
    public async Task Both_spellings_of_Celsius_are_accepted(string unit)
    {
        var id = "CP-UNIT-" + unit;
        await using var station = await TestStation.ConnectAsync(_gateway, id);
        await station.CallResultAsync("MeterValues", Payloads.Meter(1, unit));
    }

    [Theory]
    [InlineData("""{"transactionId":5,"timestamp":"2026-04-14T13:42:11Z","meterStop":17340}""")]
    [InlineData("""{"transactionId":5,"timestamp":"2026-04-14T13:42:11.123456+01:00","meterStop":17340,"reason":"EVDisconnected"}""")]
    public async Task StopTransaction_without_idTag_or_reason_and_with_offsets_and_fractions_is_accepted(string payload)
    {
        await using var station = await TestStation.ConnectAsync(_gateway, "CP-STOP-ERRATA");
        var answer = await station.CallResultAsync("StopTransaction", payload);
        Assert.False(answer.TryGetProperty("idTagInfo", out _));
    }

    private async Task AssertEvent(string stationId, string eventName, string expectedPayload)
    {
        var tapped = await _events.NextAsync(stationId);
        Assert.Equal(eventName, tapped.Event);
        using var expected = JsonDocument.Parse(expectedPayload);
        Assert.True(JsonElement.DeepEquals(expected.RootElement, tapped.Payload), $"{eventName} payload: {tapped.Payload}");
    }

    private static IEnumerable<JsonProperty> EnumerateObject(JsonElement element) => element.EnumerateObject();
}
