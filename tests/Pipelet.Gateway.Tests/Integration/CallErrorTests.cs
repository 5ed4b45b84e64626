using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>
/// Every CALLERROR path over a real socket: the right 1.6 code, the CALL's id echoed, and the
/// connection still serving afterwards.
/// </summary>
public sealed class CallErrorTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>, IAsyncLifetime
{
    private GatewayServer _gateway = null!;
    private EventTap _events = null!;

    public async Task InitializeAsync()
    {
        _events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        _gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString,
            new Dictionary<string, string?> { ["Gateway:MaxFrameBytes"] = "4096" });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _events.DisposeAsync();
    }

    /// <summary>A DataTransfer whose payload nests 40 levels, past the 32 the gateway parses: no station needs that.</summary>
    private const string DeeperThanWeRead =
        """[2,"deep","DataTransfer",{"vendorId":"v","x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}]""";

    public static TheoryData<string, string, string> InvalidCalls => new()
    {
        // action, payload, expected code
        { "FlyToTheMoon", "{}", "NotImplemented" },
        { "Reset", """{"type":"Hard"}""", "NotSupported" },
        { "RemoteStartTransaction", """{"idTag":"A"}""", "NotSupported" },
        { "Heartbeat", """{"unexpected":1}""", "FormationViolation" },
        { "BootNotification", """{"chargePointVendor":"V","chargePointModel":"M","colour":"red"}""", "FormationViolation" },
        { "BootNotification", """{"chargePointVendor":"V"}""", "OccurenceConstraintViolation" },
        { "StartTransaction", """{"connectorId":1,"idTag":"A","timestamp":"2026-04-14T12:34:56Z"}""", "OccurenceConstraintViolation" },
        { "MeterValues", """{"connectorId":1,"meterValue":[]}""", "OccurenceConstraintViolation" },
        { "MeterValues", """{"connectorId":1,"meterValue":[{"timestamp":"2026-04-14T12:34:56Z","sampledValue":[]}]}""", "OccurenceConstraintViolation" },
        { "StartTransaction", """{"connectorId":"1","idTag":"A","meterStart":0,"timestamp":"2026-04-14T12:34:56Z"}""", "TypeConstraintViolation" },
        { "StartTransaction", """{"connectorId":1,"idTag":"A","meterStart":1.5,"timestamp":"2026-04-14T12:34:56Z"}""", "TypeConstraintViolation" },
        { "Authorize", """{"idTag":"ABCDEFGHIJKLMNOPQRSTU"}""", "TypeConstraintViolation" },
        { "Authorize", """{"idTag":42}""", "TypeConstraintViolation" },
        { "StopTransaction", """{"transactionId":1,"meterStop":1,"timestamp":"yesterday"}""", "TypeConstraintViolation" },
        { "StatusNotification", """{"connectorId":1,"errorCode":"NoError","status":"Sleeping"}""", "PropertyConstraintViolation" },
        { "StatusNotification", """{"connectorId":-1,"errorCode":"NoError","status":"Available"}""", "PropertyConstraintViolation" },
        { "StartTransaction", """{"connectorId":0,"idTag":"A","meterStart":0,"timestamp":"2026-04-14T12:34:56Z"}""", "PropertyConstraintViolation" },
        { "MeterValues", """{"connectorId":1,"meterValue":[{"timestamp":"2026-04-14T12:34:56Z","sampledValue":[{"value":"1","unit":"Kelvin"}]}]}""", "PropertyConstraintViolation" },
        { "MeterValues", """{"connectorId":1,"meterValue":{"timestamp":"2026-04-14T12:34:56Z"}}""", "TypeConstraintViolation" },
        { "MeterValues", """{"connectorId":1,"meterValue":["2026-04-14T12:34:56Z"]}""", "TypeConstraintViolation" },
    };

    [Theory]
    [MemberData(nameof(InvalidCalls))]
    public async Task An_invalid_call_gets_its_CALLERROR_and_the_connection_stays_up(string action, string payload, string code)
    {
        await using var station = await TestStation.ConnectAsync(_gateway, "CP-ERR-" + Guid.NewGuid().ToString("N")[..8]);
        var frame = await station.CallAsync(action, payload);
        Assert.Equal(4, frame[0].GetInt32());
        Assert.Equal(code, frame[2].GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.String, frame[3].ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Object, frame[4].ValueKind);
        await AssertStillServing(station);
    }

    [Fact]
    public async Task A_call_without_payload_is_a_ProtocolError()
    {
        await using var station = await TestStation.ConnectAsync(_gateway, "CP-PROTOCOL");
        await station.SendTextAsync("""[2,"p1","Heartbeat"]""");
        var frame = await station.ReceiveAsync();
        Assert.Equal("p1", frame[1].GetString());
        Assert.Equal("ProtocolError", frame[2].GetString());
        await AssertStillServing(station);
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("""{"not":"an array"}""")]
    [InlineData("""["2","id","Heartbeat",{}]""")]
    public async Task An_unreadable_frame_gets_a_FormationViolation_with_id_minus_one(string text)
    {
        await using var station = await TestStation.ConnectAsync(_gateway, "CP-GARBAGE");
        await station.SendTextAsync(text);
        var frame = await station.ReceiveAsync();
        Assert.Equal(4, frame[0].GetInt32());
        Assert.Equal("-1", frame[1].GetString());
        Assert.Equal("FormationViolation", frame[2].GetString());
        await AssertStillServing(station);
    }

    [Theory]
    [InlineData(DeeperThanWeRead, "deep")]
    [InlineData("""[2,"cut","Heartbeat",{""", "cut")]
    public async Task A_frame_that_does_not_parse_but_names_its_id_gets_its_FormationViolation_under_that_id(string text, string id)
    {
        await using var station = await TestStation.ConnectAsync(_gateway, "CP-UNPARSED");
        await station.SendTextAsync(text);
        var frame = await station.ReceiveAsync();
        Assert.Equal(4, frame[0].GetInt32());
        Assert.Equal(id, frame[1].GetString());
        Assert.Equal("FormationViolation", frame[2].GetString());
        await AssertStillServing(station);
    }

    [Theory]
    [InlineData("""[2,"1234567890123456789012345678901234567","Heartbeat",{}]""", "1234567890123456789012345678901234567")]
    [InlineData("""[2,"a1","Heartbeat",[]]""", "a1")]
    [InlineData("""[2,"a2","Heartbeat",{},"extra"]""", "a2")]
    [InlineData("""[2,"a3",17,{}]""", "a3")]
    public async Task A_badly_formed_call_gets_a_FormationViolation(string text, string expectedId)
    {
        await using var station = await TestStation.ConnectAsync(_gateway, "CP-FORMATION");
        await station.SendTextAsync(text);
        var frame = await station.ReceiveAsync();
        Assert.Equal("FormationViolation", frame[2].GetString());
        // An id over 36 characters is not a valid id: we answer with "-1".
        Assert.Equal(expectedId.Length > 36 ? "-1" : expectedId, frame[1].GetString());
        await AssertStillServing(station);
    }

    [Theory]
    [InlineData("[2,\"b1\",\"Authorize\",{\"idTag\":\"A\xFF\"}]", "b1")]
    [InlineData("[2,\"b\xC3\",\"Heartbeat\",{}]", "-1")]
    public async Task A_binary_frame_that_is_not_utf8_gets_a_FormationViolation(string latin1, string expectedId)
    {
        // A text frame's UTF-8 is checked by the WebSocket layer (it closes with 1007); a binary one's is ours to check.
        await using var station = await TestStation.ConnectAsync(_gateway, "CP-BINARY-" + expectedId.Length);
        await station.SendBytesAsync(System.Text.Encoding.Latin1.GetBytes(latin1), System.Net.WebSockets.WebSocketMessageType.Binary);
        var frame = await station.ReceiveAsync();
        Assert.Equal(4, frame[0].GetInt32());
        Assert.Equal(expectedId, frame[1].GetString());
        Assert.Equal("FormationViolation", frame[2].GetString());
        await AssertStillServing(station);
    }

    [Fact]
    public async Task A_binary_frame_of_valid_json_is_served_like_a_text_frame()
    {
        await using var station = await TestStation.ConnectAsync(_gateway, "CP-BINARY-OK");
        await station.SendBytesAsync("[2,\"h1\",\"Heartbeat\",{}]"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Binary);
        var frame = await station.ReceiveAsync();
        Assert.Equal(3, frame[0].GetInt32());
        Assert.Equal("h1", frame[1].GetString());
    }

    [Fact]
    public async Task A_frame_with_an_unknown_message_type_is_ignored()
    {
        await using var station = await TestStation.ConnectAsync(_gateway, "CP-UNKNOWN-TYPE");
        await station.SendTextAsync("""[7,"x1","Heartbeat",{}]""");
        // Nothing answers the unknown frame: the next frame we get answers the Heartbeat.
        await AssertStillServing(station);
    }

    [Fact]
    public async Task An_oversized_frame_is_discarded_with_a_FormationViolation_for_its_id()
    {
        await using var station = await TestStation.ConnectAsync(_gateway, "CP-OVERSIZED");
        var huge = new string('x', 20_000);
        await station.SendTextAsync($$"""[2,"big1","DataTransfer",{"vendorId":"v","data":"{{huge}}"}]""");
        var frame = await station.ReceiveAsync();
        Assert.Equal("big1", frame[1].GetString());
        Assert.Equal("FormationViolation", frame[2].GetString());
        await AssertStillServing(station);
    }

    [Fact]
    public async Task A_flood_of_garbage_from_one_station_does_not_stop_another()
    {
        await using var flooder = await TestStation.ConnectAsync(_gateway, "CP-FLOOD");
        await using var quiet = await TestStation.ConnectAsync(_gateway, "CP-QUIET");
        for (var i = 0; i < 500; i++)
        {
            await flooder.SendTextAsync(i % 2 == 0 ? "garbage" : $$"""[2,"f{{i}}","Nope",{}]""");
        }

        await quiet.CallResultAsync("Heartbeat", "{}");
        for (var i = 0; i < 500; i++)
        {
            Assert.Equal(4, (await flooder.ReceiveAsync())[0].GetInt32());
        }

        await AssertStillServing(flooder);
    }

    [Fact]
    public async Task Unmatched_results_and_errors_from_a_station_are_not_answered()
    {
        await using var station = await TestStation.ConnectAsync(_gateway, "CP-STRAY");
        await station.SendTextAsync("""[3,"nobody-asked",{}]""");
        await station.SendTextAsync("""[4,"nobody-asked","OccurrenceConstraintViolation","",{}]""");
        await station.SendTextAsync("""[3,"broken"]""");
        await AssertStillServing(station);
    }

    private static async Task AssertStillServing(TestStation station)
    {
        var answer = await station.CallAsync("Heartbeat", "{}");
        Assert.Equal(3, answer[0].GetInt32());
    }
}
