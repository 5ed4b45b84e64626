using System.Net;
using System.Text;
using System.Text.Json;
using Pipelet.Gateway.Ocpp.Schemas;
using Pipelet.Gateway.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Gateway.Tests.Integration;

/// <summary>What a hostile probe (issue 19) sent the gateway's API, and a station answering nonsense to a command.</summary>
public sealed class HostileInputTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>, IAsyncLifetime
{
    private ApiKeyCheckDouble _keys = null!;
    private GatewayServer _gateway = null!;
    private EventTap _events = null!;

    public async Task InitializeAsync()
    {
        _keys = await ApiKeyCheckDouble.StartAsync();
        _events = await EventTap.StartAsync(infrastructure.RabbitMqConnectionString); // a station's events need a queue to be confirmed
        _gateway = await GatewayServer.StartAsync(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString,
            new Dictionary<string, string?>
            {
                ["Gateway:RequireApiKey"] = "true",
                ["Gateway:CommandTimeout"] = "00:00:05",
                ["services:subscriptions:internal:0"] = _keys.Address,
                ["InternalApi:Key"] = InternalApiKeys.Gateway,
            });
        _gateway.Http.DefaultRequestHeaders.Add("X-API-Key", ApiKeyCheckDouble.CommandKey);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _events.DisposeAsync();
        await _keys.DisposeAsync();
    }

    [Fact]
    public Task The_command_endpoint_answers_the_hostile_body_matrix_with_problems() =>
        HostileBodies.AssertRefusedAsync(_gateway.Http, HttpMethod.Post, "/api/v1/stations/CP-ANY/commands/Reset");

    [Fact]
    public void The_matrix_covers_every_endpoint_that_takes_a_body() =>
        Assert.Equal(["POST /api/v1/stations/{stationId}/commands/{action}"], HostileBodies.BodyEndpoints(_gateway.Services));

    [Fact]
    public async Task Without_a_key_a_hostile_body_hears_401_first()
    {
        using var anonymous = new HttpClient { BaseAddress = _gateway.BaseAddress };
        using var response = await anonymous.PostAsync("/api/v1/stations/CP-ANY/commands/Reset", HostileBodies.Json("{}", "application/json; charset=bogus"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("Reset", """{"status":"Bogus"}""", "status")]
    [InlineData("Reset", """{}""", "status")]
    [InlineData("Reset", """{"status":"Accepted","extra":1}""", "extra")]
    [InlineData("GetConfiguration", """{"configurationKey":[{"key":"HeartbeatInterval","readonly":"no"}]}""", "configurationKey[0].readonly")]
    [InlineData("GetLocalListVersion", """{"listVersion":"2"}""", "listVersion")]
    [InlineData("UnlockConnector", """{"status":"Accepted"}""", "status")]
    public async Task A_station_answering_a_command_with_nonsense_is_a_502_problem_with_the_field_errors(string action, string answer, string field)
    {
        var id = "CP-NONSENSE-" + action;
        await using var station = await TestStation.ConnectAsync(_gateway, id);
        await _gateway.WaitUntilHeldAsync(id);
        var body = action switch
        {
            "Reset" => """{"type":"Soft"}""",
            "UnlockConnector" => """{"connectorId":1}""",
            _ => "{}",
        };
        var post = _gateway.Http.PostAsync($"/api/v1/stations/{id}/commands/{action}", new StringContent(body, Encoding.UTF8, "application/json"));

        var call = await station.ReceiveAsync();
        Assert.Equal(action, call[2].GetString());
        await station.SendTextAsync($$"""[3,{{JsonSerializer.Serialize(call[1].GetString())}},{{answer}}]""");

        using var response = await post;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(HostileBodies.Describe(response, text, 502) is null, text);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), text);
    }

    [Theory]
    [InlineData("""[2,"m1","Authorize",{"idTag":"\ud800"}]""")]
    [InlineData("""[2,"m1","Authorize",{"\udfff":"x","idTag":"A"}]""")]
    [InlineData("""[2,"m1","DataTransfer",{"vendorId":"v","data":"\ud800\u0041"}]""")]
    [InlineData("""[2,"\ud800","Heartbeat",{}]""")]
    public async Task A_station_CALL_with_undecodable_text_is_answered_and_the_socket_keeps_working(string frame)
    {
        const string id = "CP-BAD-TEXT";
        await using var station = await TestStation.ConnectAsync(_gateway, id);
        await station.SendTextAsync(frame);
        var answer = await station.ReceiveAsync();
        Assert.True(answer[0].GetInt32() is 3 or 4, answer.ToString());
        await station.CallResultAsync("Heartbeat", "{}");
    }

    [Fact]
    public void Every_command_has_a_schema_for_its_answer() =>
        Assert.Equal(OcppSchemas.CentralSystemRequests.Keys.Order(StringComparer.Ordinal), OcppSchemas.CentralSystemResponses.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [InlineData("DELETE", "/api/v1/stations", 405)]
    [InlineData("PUT", "/api/v1/stations/CP-1/commands/Reset", 405)]
    [InlineData("POST", "/api/v1/stations/CP-1", 405)]
    [InlineData("GET", "/api/v1/nothing-here", 404)]
    [InlineData("GET", "/", 404)]
    [InlineData("GET", "/ocpp/CP-1", 400)] // a station's URL without the WebSocket upgrade: the routed endpoint's problem
    public Task Wrong_methods_and_unknown_routes_are_problems(string method, string path, int status) =>
        HostileBodies.AssertProblemAsync(_gateway.Http, new HttpMethod(method), path, status);
}
