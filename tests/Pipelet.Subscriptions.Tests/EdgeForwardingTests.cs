using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipelet.Subscriptions.Tests;

/// <summary>One public base URL: stations go to the gateway, deliveries to the dispatcher (real HTTP stand-ins), with the key and body intact.</summary>
public sealed class EdgeForwardingTests(SubscriptionsAppFixture fixture) : IClassFixture<SubscriptionsAppFixture>
{
    private readonly HttpClient _api = fixture.App.Public();

    [Theory]
    [InlineData("GET", "/api/v1/stations", "gateway")]
    [InlineData("GET", "/api/v1/stations/WALLBOX_001", "gateway")]
    [InlineData("POST", "/api/v1/stations/WALLBOX_001/commands/Reset", "gateway")]
    [InlineData("GET", "/api/v1/webhooks/42/deliveries?status=failed&limit=10", "dispatcher")]
    [InlineData("POST", "/api/v1/webhooks/42/recover", "dispatcher")]
    [InlineData("GET", "/api/v1/deliveries/0196a1b2-0000-7000-8000-000000000001", "dispatcher")]
    [InlineData("GET", "/api/v1/failed-deliveries?webhook_id=42&limit=10&before=0196a1b2-0000-7000-8000-000000000001", "dispatcher")]
    [InlineData("POST", "/api/v1/failed-deliveries/7/retry", "dispatcher")]
    public async Task Forwarded_routes_reach_their_service_with_method_path_query_key_and_body(string method, string pathAndQuery, string service)
    {
        var upstream = service == "gateway" ? fixture.Gateway : fixture.Dispatcher;
        var marker = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(new HttpMethod(method), pathAndQuery);
        if (method == "POST") request.Content = Http.Json($$"""{"type":"Soft","marker":"{{marker}}"}""");
        request.Headers.Add("X-Request-Marker", marker);

        var response = await _api.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(service, (await response.ReadJsonAsync()).GetProperty("served_by").GetString());
        var received = upstream.Requests.Single(r => r.Headers.TryGetValue("X-Request-Marker", out var m) && m == marker);
        Assert.Equal(method, received.Method);
        Assert.Equal(pathAndQuery, received.PathAndQuery);
        Assert.Equal(SubscriptionsApp.BootstrapKey, received.Headers["X-API-Key"]);
        if (method == "POST") Assert.Contains(marker, received.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_upstreams_answer_passes_through_unchanged_even_an_error()
    {
        fixture.Dispatcher.StatusCode = 404;
        try
        {
            var response = await _api.GetAsync("/api/v1/deliveries/unknown");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("dispatcher", (await response.ReadJsonAsync()).GetProperty("served_by").GetString());
        }
        finally
        {
            fixture.Dispatcher.StatusCode = 200;
        }
    }

    [Fact]
    public async Task A_forwarded_call_without_a_valid_key_is_refused_at_the_edge()
    {
        var before = fixture.Gateway.Requests.Count;
        using var anonymous = fixture.App.Public(apiKey: null);
        using var wrong = fixture.App.Public("hcpms_live_ThisKeyDoesNotExist000000000000000");

        await (await anonymous.GetAsync("/api/v1/stations")).AssertProblemAsync(401);
        await (await wrong.PostJsonAsync("/api/v1/stations/WALLBOX_001/commands/Reset", """{"type":"Hard"}""")).AssertProblemAsync(401);
        Assert.Equal(before, fixture.Gateway.Requests.Count);
    }

    [Fact]
    public async Task Our_own_webhook_routes_are_not_forwarded()
    {
        var before = fixture.Dispatcher.Requests.Count;
        var id = await fixture.App.Client().CreateWebhookAsync();
        var webhook = await (await _api.GetAsync($"/api/v1/webhooks/{id}")).ReadJsonAsync();
        Assert.Equal(id, webhook.GetProperty("id").GetInt64());
        Assert.Equal(JsonValueKind.Array, (await (await _api.GetAsync("/api/v1/webhooks/events")).ReadJsonAsync()).ValueKind);
        Assert.Equal(before, fixture.Dispatcher.Requests.Count);
    }

    [Fact]
    public async Task A_forwarded_call_whose_key_lacks_the_routes_scope_is_refused_at_the_edge()
    {
        var created = await (await _api.PostJsonAsync("/api/v1/api-keys", """{"name":"reader","scopes":["webhooks:read"]}""")).ReadJsonAsync();
        using var reader = fixture.App.Public(created.GetProperty("key").GetString());
        var before = (fixture.Gateway.Requests.Count, fixture.Dispatcher.Requests.Count);

        // The scopes come from the services' own documents: stations:command, deliveries:read, webhooks:write.
        await (await reader.GetAsync("/api/v1/stations")).AssertProblemAsync(403);
        await (await reader.GetAsync("/api/v1/failed-deliveries")).AssertProblemAsync(403);
        await (await reader.PostJsonAsync("/api/v1/webhooks/42/recover", """{"since":"2026-01-01T00:00:00Z"}""")).AssertProblemAsync(403);
        Assert.Equal(before, (fixture.Gateway.Requests.Count, fixture.Dispatcher.Requests.Count));
    }

    [Fact]
    public async Task Only_the_operations_the_services_describe_are_forwarded()
    {
        var before = fixture.Gateway.Requests.Count;

        await (await _api.GetAsync("/api/v1/stations/WALLBOX_001/unknown")).AssertProblemAsync(404);
        await (await _api.DeleteAsync("/api/v1/stations/WALLBOX_001")).AssertProblemAsync(405);
        await (await _api.GetAsync("/ocpp/WALLBOX_001")).AssertProblemAsync(404);
        Assert.Equal(before, fixture.Gateway.Requests.Count);
    }
}

/// <summary>The edge reads the services' documents again every <c>Edge__RoutesRefresh</c>: a route a service adds is forwarded without a restart.</summary>
public sealed class EdgeRouteRefreshTests(EdgeRouteRefreshTests.Fixture fixture) : IClassFixture<EdgeRouteRefreshTests.Fixture>
{
    public sealed class Fixture : SubscriptionsAppFixture
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Edge:RoutesRefresh"] = "00:00:01" };
    }

    [Fact]
    public async Task A_route_the_gateway_starts_describing_is_forwarded_after_the_next_refresh()
    {
        using var api = fixture.App.Public();
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/v1/stations/WALLBOX_001/health")).StatusCode);

        var document = JsonNode.Parse(fixture.Gateway.Document!)!;
        var paths = document["paths"]!.AsObject();
        paths["/api/v1/stations/{stationId}/health"] = paths["/api/v1/stations/{stationId}"]!.DeepClone();
        fixture.Gateway.Document = document.ToJsonString();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        HttpResponseMessage response;
        while ((response = await api.GetAsync("/api/v1/stations/WALLBOX_001/health")).StatusCode == HttpStatusCode.NotFound && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gateway", (await response.ReadJsonAsync()).GetProperty("served_by").GetString());
        var described = JsonDocument.Parse(await api.GetStringAsync("/openapi/v1.json")).RootElement.GetProperty("paths");
        Assert.True(described.TryGetProperty("/api/v1/stations/{stationId}/health", out _));
    }
}
