using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Pipelet.Client;
using Pipelet.Gateway.Ocpp.Schemas;
using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>
/// Commands to stations through the stations API, protected by X-API-Key (checked against a real HTTP double), sent with
/// our client; requests the client cannot make (no body, a body that is not a JSON object, no key) are built by hand.
/// </summary>
public sealed class CommandTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>, IAsyncLifetime
{
    private ApiKeyCheckDouble _keys = null!;
    private GatewayServer _gateway = null!;
    private EventTap _events = null!;
    private PipeletClient _client = null!;

    public async Task InitializeAsync()
    {
        _keys = await ApiKeyCheckDouble.StartAsync();
        _events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString);
        _gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString,
            new Dictionary<string, string?>
            {
                ["Gateway:RequireApiKey"] = "true",
                ["Gateway:CommandTimeout"] = "00:00:02",
                ["services:subscriptions:internal:0"] = _keys.Address,
                ["InternalApi:Key"] = InternalApiKeys.Gateway,
            });
        _gateway.Http.DefaultRequestHeaders.Add("X-API-Key", ApiKeyCheckDouble.CommandKey);
        _client = PipeletClient.Create(_gateway.Http);
    }

    /// <summary>A station the gateway holds, ready for commands.</summary>
    private async Task<TestStation> ConnectAsync(string stationId)
    {
        var station = await TestStation.ConnectAsync(_gateway, stationId);
        await _gateway.WaitUntilHeldAsync(stationId);
        return station;
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _events.DisposeAsync();
        await _keys.DisposeAsync();
    }

    [Fact]
    public async Task A_command_reaches_the_station_and_its_answer_comes_back_and_the_command_is_an_event()
    {
        const string id = "CP-CMD-OK";
        await using var station = await ConnectAsync(id);
        var body = """{"key":["HeartbeatInterval"]}""";
        var post = _client.Stations.SendCommandAsync(id, "GetConfiguration", new { key = new[] { "HeartbeatInterval" } });

        var call = await station.ReceiveAsync();
        Assert.Equal(2, call[0].GetInt32());
        Assert.Equal("GetConfiguration", call[2].GetString());
        Assert.Equal(["HeartbeatInterval"], call[3].GetProperty("key").EnumerateArray().Select(k => k.GetString()));
        await station.SendTextAsync($$"""[3,"{{call[1].GetString()}}",{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"300"}]}]""");

        var answered = await post;
        Assert.Equal(id, answered.StationId);
        Assert.Equal("GetConfiguration", answered.Action);
        Assert.Equal("300", answered.Response.GetProperty("configurationKey")[0].GetProperty("value").GetString());

        var commandEvent = await _events.NextAsync(id, "GetConfiguration");
        AssertJsonEqual(body, commandEvent.Payload);
    }

    /// <summary>
    /// A valid request of every command, the station's answer to it, and whether the command is one of the 23
    /// catalogue events (the five outside it have no event name to be published under).
    /// </summary>
    public static TheoryData<string, string, string, bool> EveryCommand { get; } = new()
    {
        { "ChangeAvailability", """{"connectorId":1,"type":"Inoperative"}""", """{"status":"Scheduled"}""", true },
        { "ChangeConfiguration", """{"key":"HeartbeatInterval","value":"600"}""", """{"status":"RebootRequired"}""", true },
        { "ClearCache", "{}", """{"status":"Accepted"}""", true },
        { "GetConfiguration", """{"key":["HeartbeatInterval","NoSuchKey"]}""",
            """{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"300"}],"unknownKey":["NoSuchKey"]}""", true },
        { "RemoteStartTransaction", """{"connectorId":1,"idTag":"RFID_12345678"}""", """{"status":"Accepted"}""", true },
        { "RemoteStopTransaction", """{"transactionId":42}""", """{"status":"Rejected"}""", true },
        { "Reset", """{"type":"Hard"}""", """{"status":"Accepted"}""", true },
        { "UnlockConnector", """{"connectorId":2}""", """{"status":"Unlocked"}""", true },
        { "GetDiagnostics", """{"location":"ftp://diag.example.com/uploads/","retries":3,"retryInterval":60,"startTime":"2026-04-14T00:00:00Z","stopTime":"2026-04-14T12:00:00Z"}""",
            """{"fileName":"diagnostics-2026-04-14.zip"}""", true },
        { "UpdateFirmware", """{"location":"https://firmware.example.com/testbox/2.0.0.bin","retrieveDate":"2026-04-15T02:00:00Z","retries":2,"retryInterval":300}""", "{}", true },
        { "TriggerMessage", """{"requestedMessage":"StatusNotification","connectorId":1}""", """{"status":"Accepted"}""", true },
        { "ReserveNow", """{"connectorId":1,"expiryDate":"2026-04-14T14:00:00Z","idTag":"RFID_12345678","parentIdTag":"FLEET_1","reservationId":7}""",
            """{"status":"Occupied"}""", true },
        { "SendLocalList", """{"listVersion":2,"updateType":"Differential","localAuthorizationList":[{"idTag":"RFID_LOST","idTagInfo":{"status":"Blocked"}},{"idTag":"RFID_NEW","idTagInfo":{"status":"Accepted","expiryDate":"2027-01-01T00:00:00Z","parentIdTag":"FLEET_1"}}]}""",
            """{"status":"Accepted"}""", true },
        { "DataTransfer", """{"vendorId":"com.pipelet","messageId":"ping","data":"hello"}""", """{"status":"Accepted","data":"pong"}""", true },
        { "CancelReservation", """{"reservationId":7}""", """{"status":"Accepted"}""", false },
        { "ClearChargingProfile", """{"id":3,"connectorId":1,"chargingProfilePurpose":"TxProfile","stackLevel":0}""", """{"status":"Unknown"}""", false },
        { "GetCompositeSchedule", """{"connectorId":1,"duration":3600,"chargingRateUnit":"W"}""",
            """{"status":"Accepted","connectorId":1,"scheduleStart":"2026-04-14T12:00:00Z","chargingSchedule":{"duration":3600,"chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":11000.0}]}}""", false },
        { "GetLocalListVersion", "{}", """{"listVersion":2}""", false },
        { "SetChargingProfile", """{"connectorId":1,"csChargingProfiles":{"chargingProfileId":3,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Recurring","recurrencyKind":"Daily","chargingSchedule":{"startSchedule":"2026-04-14T00:00:00Z","chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16},{"startPeriod":25200,"limit":32.5,"numberPhases":3}]}}}""",
            """{"status":"Accepted"}""", false },
    };

    [Fact]
    public void Every_command_of_the_api_is_in_the_every_command_theory() =>
        Assert.Equal(OcppSchemas.CentralSystemRequests.Keys.Order(StringComparer.Ordinal),
            EveryCommand.Select(row => (string)row[0]).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task Every_command_reaches_the_station_as_sent_and_its_answer_comes_back(string action, string body, string answer, bool isCatalogueEvent)
    {
        var id = "CP-EVERY-" + action;
        await using var station = await ConnectAsync(id);
        await _events.NextAsync(id, "Connect");
        var post = _client.Stations.SendCommandAsync(id, action, Json(body));

        var call = await station.ReceiveAsync();
        Assert.Equal(4, call.GetArrayLength());
        Assert.Equal(2, call[0].GetInt32());
        Assert.Equal(action, call[2].GetString());
        AssertJsonEqual(body, call[3]);
        await station.SendTextAsync($$"""[3,{{JsonSerializer.Serialize(call[1].GetString())}},{{answer}}]""");

        var answered = await post;
        Assert.Equal(id, answered.StationId);
        Assert.Equal(action, answered.Action);
        AssertJsonEqual(answer, answered.Response);

        // A Heartbeat after the answer marks where the command's event, if any, must already be (it is confirmed before the CALL goes out).
        await station.CallResultAsync("Heartbeat", "{}");
        if (isCatalogueEvent)
        {
            var commandEvent = await _events.NextAsync(id);
            Assert.Equal(action, commandEvent.Event);
            AssertJsonEqual(body, commandEvent.Payload);
        }

        Assert.Equal("Heartbeat", (await _events.NextAsync(id)).Event);
    }

    /// <summary>By hand: the client always sends a body.</summary>
    [Fact]
    public async Task A_bodiless_command_may_omit_the_body()
    {
        const string id = "CP-CMD-CLEAR";
        await using var station = await ConnectAsync(id);
        var post = _gateway.Http.PostAsync($"/api/v1/stations/{id}/commands/ClearCache", null);
        var call = await station.ReceiveAsync();
        Assert.Equal("ClearCache", call[2].GetString());
        Assert.Empty(call[3].EnumerateObject());
        await station.SendTextAsync($$"""[3,"{{call[1].GetString()}}",{"status":"Accepted"}]""");
        using var response = await post;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_CALLERROR_from_the_station_is_a_502_problem_with_its_code_in_the_16_spelling()
    {
        const string id = "CP-CMD-ERR";
        await using var station = await ConnectAsync(id);
        var post = _client.Stations.SendCommandAsync(id, "Reset", new { type = "Soft" });
        var call = await station.ReceiveAsync();
        await station.SendTextAsync($$"""[4,"{{call[1].GetString()}}","OccurrenceConstraintViolation","nope",{"why":"test"}]""");

        var problem = await Assert.ThrowsAsync<PipeletApiException>(() => post);
        Assert.Equal(502, problem.Status);
        Assert.Equal("OccurenceConstraintViolation", problem.Extensions["error_code"].GetString());
        Assert.Equal("nope", problem.Extensions["error_description"].GetString());
        Assert.Equal("test", problem.Extensions["error_details"].GetProperty("why").GetString());
    }

    [Fact]
    public async Task A_station_that_does_not_answer_is_a_504_problem_and_the_next_command_still_goes_through()
    {
        const string id = "CP-CMD-SILENT";
        await using var station = await ConnectAsync(id);
        var timeout = await Assert.ThrowsAsync<PipeletApiException>(() => _client.Stations.SendCommandAsync(id, "UnlockConnector", new { connectorId = 1 }));
        Assert.Equal(504, timeout.Status);
        Assert.Equal("The station did not answer in time", timeout.Title);

        Assert.Equal("UnlockConnector", (await station.ReceiveAsync())[2].GetString());
        var post = _client.Stations.SendCommandAsync(id, "TriggerMessage", new { requestedMessage = "Heartbeat" });
        var call = await station.ReceiveAsync();
        Assert.Equal("TriggerMessage", call[2].GetString());
        await station.SendTextAsync($$"""[3,"{{call[1].GetString()}}",{"status":"Accepted"}]""");
        Assert.Equal("Accepted", (await post).Response.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_station_that_disconnects_before_answering_is_a_502_problem()
    {
        const string id = "CP-CMD-GONE";
        var station = await ConnectAsync(id);
        var post = _client.Stations.SendCommandAsync(id, "Reset", new { type = "Hard" });
        Assert.Equal("Reset", (await station.ReceiveAsync())[2].GetString());
        await station.DisposeAsync(); // the station reboots instead of answering

        var problem = await Assert.ThrowsAsync<PipeletApiException>(() => post);
        Assert.Equal(502, problem.Status);
        Assert.Equal("The station disconnected", problem.Title);
    }

    [Fact]
    public async Task A_station_that_is_not_connected_is_a_404_problem()
    {
        var problem = await Assert.ThrowsAsync<PipeletApiException>(() => _client.Stations.SendCommandAsync("CP-NOT-HERE", "Reset", new { type = "Hard" }));
        Assert.Equal(404, problem.Status);
        Assert.Equal("Station not connected", problem.Title);
    }

    [Fact]
    public async Task An_unknown_command_is_a_404_problem()
    {
        var problem = await Assert.ThrowsAsync<PipeletApiException>(() => _client.Stations.SendCommandAsync("CP-ANY", "SelfDestruct", new { }));
        Assert.Equal(404, problem.Status);
        Assert.Equal("Unknown command", problem.Title);
    }

    [Theory]
    [InlineData("ChangeAvailability", """{"connectorId":1,"type":"Sideways"}""", "type")]
    [InlineData("ChangeAvailability", """{"type":"Operative"}""", "connectorId")]
    [InlineData("RemoteStartTransaction", """{"idTag":"TOO-LONG-FOR-AN-IDTOKEN-20"}""", "idTag")]
    [InlineData("ReserveNow", """{"connectorId":1,"expiryDate":"soon","idTag":"A","reservationId":1}""", "expiryDate")]
    [InlineData("RemoteStartTransaction", """{"idTag":"A","chargingProfile":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[]}}}""", "chargingProfile.chargingSchedule.chargingSchedulePeriod")]
    [InlineData("GetDiagnostics", """{"location":"uploads/diagnostics"}""", "location")]
    [InlineData("UpdateFirmware", """{"location":"/srv/firmware/2.0.0.bin","retrieveDate":"2026-04-15T02:00:00Z"}""", "location")]
    public async Task An_invalid_body_is_a_400_validation_problem_naming_the_field(string action, string body, string field)
    {
        var problem = await Assert.ThrowsAsync<PipeletApiException>(() => _client.Stations.SendCommandAsync("CP-ANY", action, Json(body)));
        Assert.Equal(400, problem.Status);
        Assert.True(problem.Errors.ContainsKey(field), problem.Message);
    }

    /// <summary>By hand: bodies that are not a JSON object, and the problem as it is on the wire.</summary>
    [Theory]
    [InlineData("[1,2,3]")]
    [InlineData("not json")]
    public async Task A_body_that_is_not_a_json_object_is_a_400_validation_problem(string body)
    {
        using var response = await Post("CP-ANY", "Reset", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.True(problem.GetProperty("errors").TryGetProperty("$", out _), problem.ToString());
    }

    /// <summary>By hand for the missing and the wrong key; the client for a real key without the scope.</summary>
    [Fact]
    public async Task Without_a_valid_key_the_api_answers_401_and_without_the_scope_403()
    {
        using var anonymous = new HttpClient { BaseAddress = _gateway.BaseAddress };
        using (var response = await anonymous.GetAsync("/api/v1/stations"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        anonymous.DefaultRequestHeaders.Add("X-API-Key", "not-a-key");
        using (var response = await anonymous.PostAsync("/api/v1/stations/CP-1/commands/ClearCache", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        var reader = PipeletClient.Create(_gateway.BaseAddress, ApiKeyCheckDouble.ReadOnlyKey);
        Assert.Equal(403, (await Assert.ThrowsAsync<PipeletApiException>(() => reader.Stations.SendCommandAsync("CP-1", "ClearCache", new { }))).Status);
    }

    [Fact]
    public async Task Stations_keep_connecting_without_an_api_key()
    {
        await using var station = await TestStation.ConnectAsync(_gateway, "CP-NO-KEY-NEEDED");
        await station.CallResultAsync("Heartbeat", "{}");
    }

    [Fact]
    public async Task Our_client_lists_reads_and_commands_stations_and_surfaces_every_problem_as_one_exception()
    {
        const string id = "CP-CMD-CLIENT";
        await using var station = await ConnectAsync(id);
        await using var neighbour = await ConnectAsync(id + "-2");
        var client = _client;

        // A page a station: the stream crosses pages.
        var first = await client.Stations.ListAsync(limit: 1);
        Assert.Single(first.Items);
        Assert.NotNull(first.NextCursor);
        var listed = await client.Stations.ListAllAsync(pageSize: 1).Select(s => s.StationId).ToListAsync();
        Assert.Contains(id, listed);
        Assert.Contains(id + "-2", listed);
        Assert.Equal(listed.Order(StringComparer.Ordinal), listed);
        Assert.Equal(id, (await client.Stations.GetAsync(id)).StationId);

        var reset = client.Stations.SendCommandAsync(id, "Reset", new { type = "Soft" });
        var call = await station.ReceiveAsync();
        await station.SendTextAsync($$"""[3,"{{call[1].GetString()}}",{"status":"Accepted"}]""");
        Assert.Equal("Accepted", (await reset).Response.GetProperty("status").GetString());

        var refused = client.Stations.SendCommandAsync(id, "Reset", new { type = "Hard" });
        call = await station.ReceiveAsync();
        await station.SendTextAsync($$"""[4,"{{call[1].GetString()}}","NotSupported","not here",{}]""");
        Assert.Equal(502, (await Assert.ThrowsAsync<PipeletApiException>(() => refused)).Status);

        var invalid = await Assert.ThrowsAsync<PipeletApiException>(() => client.Stations.SendCommandAsync(id, "Reset", new { type = "Sideways" }));
        Assert.Equal(400, invalid.Status);
        Assert.NotEmpty(invalid.Errors);
        Assert.Equal(404, (await Assert.ThrowsAsync<PipeletApiException>(() => client.Stations.GetAsync("CP-NOWHERE"))).Status);

        // OCPP's camelCase names reach the station as written.
        var start = client.Stations.SendCommandAsync(id, "RemoteStartTransaction", new { connectorId = 1, idTag = "RFID_CLIENT" });
        call = await station.ReceiveAsync();
        AssertJsonEqual("""{"connectorId":1,"idTag":"RFID_CLIENT"}""", call[3]);
        await station.SendTextAsync($$"""[3,"{{call[1].GetString()}}",{"status":"Accepted"}]""");
        Assert.Equal("Accepted", (await start).Response.GetProperty("status").GetString());
    }

    private static void AssertJsonEqual(string expected, JsonElement actual)
    {
        using var document = JsonDocument.Parse(expected);
        Assert.True(JsonElement.DeepEquals(document.RootElement, actual), $"expected {expected}, got {actual}");
    }

    private static JsonElement Json(string body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    private Task<HttpResponseMessage> Post(string stationId, string action, string body) =>
        _gateway.Http.PostAsync($"/api/v1/stations/{Uri.EscapeDataString(stationId)}/commands/{action}",
            new StringContent(body, Encoding.UTF8, "application/json"));

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
