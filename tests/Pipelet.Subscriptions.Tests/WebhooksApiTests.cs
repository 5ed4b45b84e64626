using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text.Json;

namespace Pipelet.Subscriptions.Tests;

/// <summary>The seed's lifecycle against the real service: create, read, list, update, delete; the event catalogue.</summary>
public sealed class WebhooksApiTests(SubscriptionsAppFixture fixture) : IClassFixture<SubscriptionsAppFixture>
{
    private readonly HttpClient _api = fixture.App.Public();

    [Fact]
    public async Task The_seed_create_call_answers_201_with_a_numeric_id_and_never_the_secret()
    {
        // The Webhooks Overview's curl body, byte for byte.
        var response = await _api.PostJsonAsync("/api/v1/webhooks",
            """{ "name": "My Integration", "url": "https://my-app.example.com/webhooks/ocpp", "enabled": true, "events": [ "StartTransaction", "StopTransaction", "StatusNotification", "MeterValues" ], "secret_header": "X-Webhook-Secret", "secret_value": "my-secret-value-here" }""");

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.DoesNotContain("my-secret-value-here", text, StringComparison.Ordinal);
        var webhook = JsonDocument.Parse(text).RootElement;
        var id = webhook.GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/webhooks/{id}", response.Headers.Location?.ToString());
        Assert.Equal("My Integration", webhook.GetProperty("name").GetString());
        Assert.Equal("https://my-app.example.com/webhooks/ocpp", webhook.GetProperty("url").GetString());
        Assert.True(webhook.GetProperty("enabled").GetBoolean());
        Assert.Equal(["StartTransaction", "StopTransaction", "StatusNotification", "MeterValues"],
            webhook.GetProperty("events").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal("X-Webhook-Secret", webhook.GetProperty("secret_header").GetString());
        Assert.True(webhook.GetProperty("has_secret").GetBoolean());
        Assert.False(webhook.TryGetProperty("secret_value", out _));

        var read = await _api.GetStringAsync($"/api/v1/webhooks/{id}");
        Assert.DoesNotContain("my-secret-value-here", read, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.App.LogLines, line => line.Contains("my-secret-value-here", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_secret_is_stored_encrypted()
    {
        var id = await _api.CreateWebhookAsync();
        var dataSource = fixture.App.Services.GetRequiredService<Npgsql.NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand("SELECT secret_value FROM webhooks WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        var stored = (byte[])(await command.ExecuteScalarAsync())!;
        Assert.DoesNotContain("my-secret-value-here", System.Text.Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        Assert.True(stored.Length >= 1 + 12 + 16 + "my-secret-value-here".Length);
    }

    [Fact]
    public async Task Put_changes_only_the_fields_it_names()
    {
        var id = await _api.CreateWebhookAsync();

        var response = await _api.PutJsonAsync($"/api/v1/webhooks/{id}", """{"events":["*"],"enabled":false}""");
        var updated = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["*"], updated.GetProperty("events").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.False(updated.GetProperty("enabled").GetBoolean());
        Assert.Equal("My Integration", updated.GetProperty("name").GetString());
        Assert.Equal("https://my-app.example.com/webhooks/ocpp", updated.GetProperty("url").GetString());
        Assert.Equal("X-Webhook-Secret", updated.GetProperty("secret_header").GetString());
        Assert.True(updated.GetProperty("has_secret").GetBoolean());

        var stations = await (await _api.PutJsonAsync($"/api/v1/webhooks/{id}", """{"stations":["WALLBOX_001"],"name":"Renamed"}""")).ReadJsonAsync();
        Assert.Equal("WALLBOX_001", stations.GetProperty("stations")[0].GetString());
        Assert.Equal("Renamed", stations.GetProperty("name").GetString());

        var cleared = await (await _api.PutJsonAsync($"/api/v1/webhooks/{id}", """{"stations":[],"secret_header":""}""")).ReadJsonAsync();
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("stations").ValueKind);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("secret_header").ValueKind);
        Assert.False(cleared.GetProperty("has_secret").GetBoolean());
    }

    [Fact]
    public async Task Delete_answers_204_and_then_the_webhook_is_gone()
    {
        var id = await _api.CreateWebhookAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await _api.DeleteAsync($"/api/v1/webhooks/{id}")).StatusCode);
        await (await _api.GetAsync($"/api/v1/webhooks/{id}")).AssertProblemAsync(404);
        await (await _api.DeleteAsync($"/api/v1/webhooks/{id}")).AssertProblemAsync(404);
    }

    [Fact]
    public async Task The_list_pages_in_a_stable_order()
    {
        var created = new List<long>();
        for (var i = 0; i < 5; i++) created.Add(await _api.CreateWebhookAsync());

        var seen = new List<long>();
        var query = "limit=2";
        while (query is not null)
        {
            var page = await (await _api.GetAsync($"/api/v1/webhooks?{query}")).ReadJsonAsync();
            var items = page.GetProperty("items").EnumerateArray().Select(w => w.GetProperty("id").GetInt64()).ToList();
            Assert.True(items.Count <= 2);
            seen.AddRange(items);
            query = page.GetProperty("next_cursor").GetString() is { } cursor ? $"limit=2&cursor={Uri.EscapeDataString(cursor)}" : null;
        }

        Assert.Equal(seen.Order().ToList(), seen);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.All(created, id => Assert.Contains(id, seen));
    }

    [Fact]
    public async Task The_deprecated_after_parameter_still_pages()
    {
        var first = await _api.CreateWebhookAsync();
        var second = await _api.CreateWebhookAsync();

        var page = await (await _api.GetAsync($"/api/v1/webhooks?limit=1&after={first}")).ReadJsonAsync();
        Assert.Equal(second, page.GetProperty("items")[0].GetProperty("id").GetInt64());
        var next = page.GetProperty("next_cursor").GetString();
        var same = await (await _api.GetAsync($"/api/v1/webhooks?limit=1&cursor={first}")).ReadJsonAsync();
        Assert.Equal(next, same.GetProperty("next_cursor").GetString());
    }

    [Fact]
    public async Task The_event_catalogue_lists_the_23_station_events_then_the_operational_ones_with_direction_description_and_kind()
    {
        var events = await (await _api.GetAsync("/api/v1/webhooks/events")).ReadJsonAsync();

        var station = events.EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "station").ToList();
        Assert.Equal(23, station.Count);
        var start = station.Single(e => e.GetProperty("name").GetString() == "StartTransaction");
        Assert.Equal("StationToCsms", start.GetProperty("direction").GetString());
        Assert.Equal("A charging session begins.", start.GetProperty("description").GetString());
        Assert.Equal(Contracts.Events.EventCatalogue.All.Select(e => e.Name), station.Select(e => e.GetProperty("name").GetString()));
        var operational = Assert.Single(events.EnumerateArray().Skip(23));
        Assert.Equal("WebhookDisabled", operational.GetProperty("name").GetString());
        Assert.Equal("operational", operational.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task A_rate_limit_of_1_to_10000_per_second_is_kept_changed_and_removed_with_0()
    {
        using var created = await _api.PostJsonAsync("/api/v1/webhooks",
            """{"name":"small","url":"https://my-app.example.com/webhooks/small","events":["*"],"rate_limit":10}""");
        var webhook = await created.ReadJsonAsync();
        Assert.Equal(10, webhook.GetProperty("rate_limit").GetInt32());
        var id = webhook.GetProperty("id").GetInt64();

        Assert.Equal(10, (await (await _api.PutJsonAsync($"/api/v1/webhooks/{id}", """{"name":"renamed"}""")).ReadJsonAsync()).GetProperty("rate_limit").GetInt32());
        Assert.Equal(10_000, (await (await _api.PutJsonAsync($"/api/v1/webhooks/{id}", """{"rate_limit":10000}""")).ReadJsonAsync()).GetProperty("rate_limit").GetInt32());
        Assert.Equal(JsonValueKind.Null, (await (await _api.PutJsonAsync($"/api/v1/webhooks/{id}", """{"rate_limit":0}""")).ReadJsonAsync()).GetProperty("rate_limit").ValueKind);

        foreach (var bad in new[] { "0", "-1", "10001" })
        {
            using var refused = await _api.PostJsonAsync("/api/v1/webhooks",
                $$"""{"name":"bad","url":"https://my-app.example.com/webhooks/bad","events":["*"],"rate_limit":{{bad}}}""");
            await refused.AssertFieldErrorAsync("rate_limit");
        }

        using var badChange = await _api.PutJsonAsync($"/api/v1/webhooks/{id}", """{"rate_limit":20000}""");
        await badChange.AssertFieldErrorAsync("rate_limit");
    }

    [Fact]
    public async Task Ordering_is_none_by_default_station_when_asked_kept_and_changed()
    {
        using var plain = await _api.PostJsonAsync("/api/v1/webhooks", """{"name":"plain","url":"https://my-app.example.com/webhooks/plain","events":["*"]}""");
        Assert.Equal("none", (await plain.ReadJsonAsync()).GetProperty("ordering").GetString());

        using var created = await _api.PostJsonAsync("/api/v1/webhooks",
            """{"name":"ordered","url":"https://my-app.example.com/webhooks/ordered","events":["*"],"ordering":"station"}""");
        var webhook = await created.ReadJsonAsync();
        Assert.Equal("station", webhook.GetProperty("ordering").GetString());
        var id = webhook.GetProperty("id").GetInt64();

        Assert.Equal("station", (await (await _api.PutJsonAsync($"/api/v1/webhooks/{id}", """{"name":"renamed"}""")).ReadJsonAsync()).GetProperty("ordering").GetString());
        Assert.Equal("none", (await (await _api.PutJsonAsync($"/api/v1/webhooks/{id}", """{"ordering":"none"}""")).ReadJsonAsync()).GetProperty("ordering").GetString());

        foreach (var bad in new[] { "\"Station\"", "\"fifo\"", "\"\"", "1" })
        {
            using var refused = await _api.PostJsonAsync("/api/v1/webhooks",
                $$"""{"name":"bad","url":"https://my-app.example.com/webhooks/bad","events":["*"],"ordering":{{bad}}}""");
            await refused.AssertFieldErrorAsync("ordering");
        }

        using var badChange = await _api.PutJsonAsync($"/api/v1/webhooks/{id}", """{"ordering":"per-station"}""");
        await badChange.AssertFieldErrorAsync("ordering");
    }

    [Fact]
    public async Task An_operational_event_is_subscribed_by_name_and_stays_beside_the_wildcard()
    {
        using var created = await _api.PostJsonAsync("/api/v1/webhooks",
            """{"name":"ops","url":"https://my-app.example.com/webhooks/ops","events":["*","WebhookDisabled","Heartbeat"]}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var webhook = await created.ReadJsonAsync();
        Assert.Equal(["*", "WebhookDisabled"], webhook.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Null, webhook.GetProperty("disabled_reason").ValueKind);
        Assert.Equal(JsonValueKind.Null, webhook.GetProperty("disabled_at").ValueKind);
    }

    [Fact]
    public async Task The_dispatchers_internal_read_has_every_webhook_with_its_secret_on_the_internal_port_only()
    {
        var id = await _api.CreateWebhookAsync();

        using var internalApi = fixture.App.Internal();
        var all = await (await internalApi.GetAsync("/internal/v1/webhooks")).ReadJsonAsync();
        var mine = all.EnumerateArray().Single(w => w.GetProperty("webhook_id").GetInt64() == id);
        var secretHeader = mine.GetProperty("settings").GetProperty("secret_header");
        Assert.Equal("my-secret-value-here", secretHeader.GetProperty("value").GetString());
        Assert.Equal("X-Webhook-Secret", secretHeader.GetProperty("name").GetString());
        Assert.StartsWith("whsec_", mine.GetProperty("signing").GetProperty("current").GetString(), StringComparison.Ordinal);

        await (await _api.GetAsync("/internal/v1/webhooks")).AssertProblemAsync(404);
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/internal/v1/webhooks");
        spoofed.Headers.Host = $"127.0.0.1:{fixture.App.InternalPort}";
        await (await _api.SendAsync(spoofed)).AssertProblemAsync(404);
        await (await _api.PostJsonAsync("/internal/v1/api-keys/verify", $$"""{"key":"{{SubscriptionsApp.BootstrapKey}}"}""")).AssertProblemAsync(404);
    }
}
