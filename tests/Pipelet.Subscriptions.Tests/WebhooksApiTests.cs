using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text.Json;
using Pipelet.Client;

namespace Pipelet.Subscriptions.Tests;

/// <summary>
/// The seed's lifecycle against the real service, through our client: create, read, list, update, delete; the event
/// catalogue. By hand where the test is about the wire: the seed's own request bytes, the status and Location of the
/// answers, the deprecated <c>after</c>, a value of the wrong JSON type, the internal port.
/// </summary>
public sealed class WebhooksApiTests(SubscriptionsAppFixture fixture) : IClassFixture<SubscriptionsAppFixture>
{
    private readonly HttpClient _api = fixture.App.Public();
    private readonly PipeletClient _client = fixture.App.Client();

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
        var id = await _client.CreateWebhookAsync();
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
        var id = await _client.CreateWebhookAsync();

        var updated = await _client.Webhooks.UpdateAsync(id, new UpdateWebhook(Events: ["*"], Enabled: false));

        Assert.Equal(["*"], updated.Events);
        Assert.False(updated.Enabled);
        Assert.Equal("My Integration", updated.Name);
        Assert.Equal("https://my-app.example.com/webhooks/ocpp", updated.Url);
        Assert.Equal("X-Webhook-Secret", updated.SecretHeader);
        Assert.True(updated.HasSecret);

        var stations = await _client.Webhooks.UpdateAsync(id, new UpdateWebhook(Stations: ["WALLBOX_001"], Name: "Renamed"));
        Assert.Equal(["WALLBOX_001"], stations.Stations);
        Assert.Equal("Renamed", stations.Name);

        var cleared = await _client.Webhooks.UpdateAsync(id, new UpdateWebhook(Stations: [], SecretHeader: ""));
        Assert.Null(cleared.Stations);
        Assert.Null(cleared.SecretHeader);
        Assert.False(cleared.HasSecret);
        var read = await _client.Webhooks.GetAsync(id);
        Assert.Null(read.Stations);
        Assert.Null(read.SecretHeader);
        Assert.False(read.HasSecret);
    }

    [Fact]
    public async Task Delete_answers_204_and_then_the_webhook_is_gone()
    {
        var id = await _client.CreateWebhookAsync();

        // By hand: the client's delete does not show the status it got.
        Assert.Equal(HttpStatusCode.NoContent, (await _api.DeleteAsync($"/api/v1/webhooks/{id}")).StatusCode);
        await _client.Webhooks.GetAsync(id).AssertProblemAsync(404);
        await _client.Webhooks.DeleteAsync(id).AssertProblemAsync(404);
    }

    [Fact]
    public async Task The_list_pages_in_a_stable_order()
    {
        var created = new List<long>();
        for (var i = 0; i < 5; i++) created.Add(await _client.CreateWebhookAsync());

        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await _client.Webhooks.ListAsync(cursor, limit: 2);
            Assert.True(page.Items.Count <= 2);
            seen.AddRange(page.Items.Select(w => w.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(seen.Order().ToList(), seen);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.All(created, id => Assert.Contains(id, seen));
        Assert.Equal(seen, await _client.Webhooks.ListAllAsync(pageSize: 2).Select(w => w.Id).ToListAsync());
    }

    [Fact]
    public async Task The_deprecated_after_parameter_still_pages()
    {
        var first = await _client.CreateWebhookAsync();
        var second = await _client.CreateWebhookAsync();

        var page = await (await _api.GetAsync($"/api/v1/webhooks?limit=1&after={first}")).ReadJsonAsync();
        Assert.Equal(second, page.GetProperty("items")[0].GetProperty("id").GetInt64());
        var next = page.GetProperty("next_cursor").GetString();
        var same = await (await _api.GetAsync($"/api/v1/webhooks?limit=1&cursor={first}")).ReadJsonAsync();
        Assert.Equal(next, same.GetProperty("next_cursor").GetString());
    }

    [Fact]
    public async Task The_event_catalogue_lists_the_23_station_events_then_the_operational_ones_with_direction_description_and_kind()
    {
        var events = await _client.Webhooks.ListEventsAsync();

        var station = events.Where(e => e.Kind == "station").ToList();
        Assert.Equal(23, station.Count);
        var start = station.Single(e => e.Name == "StartTransaction");
        Assert.Equal("StationToCsms", start.Direction);
        Assert.Equal("A charging session begins.", start.Description);
        Assert.Equal(Contracts.Events.EventCatalogue.All.Select(e => e.Name), station.Select(e => e.Name));
        var operational = Assert.Single(events.Skip(23));
        Assert.Equal("WebhookDisabled", operational.Name);
        Assert.Equal("operational", operational.Kind);
    }

    [Fact]
    public async Task A_rate_limit_of_1_to_10000_per_second_is_kept_changed_and_removed_with_0()
    {
        var webhook = await _client.Webhooks.CreateAsync(new CreateWebhook("small", "https://my-app.example.com/webhooks/small", ["*"], RateLimit: 10));
        Assert.Equal(10, webhook.RateLimit);
        var id = webhook.Id;

        Assert.Equal(10, (await _client.Webhooks.UpdateAsync(id, new UpdateWebhook(Name: "renamed"))).RateLimit);
        Assert.Equal(10_000, (await _client.Webhooks.UpdateAsync(id, new UpdateWebhook(RateLimit: 10_000))).RateLimit);
        Assert.Null((await _client.Webhooks.UpdateAsync(id, new UpdateWebhook(RateLimit: 0))).RateLimit);

        foreach (var bad in new[] { 0, -1, 10_001 })
        {
            await _client.Webhooks.CreateAsync(new CreateWebhook("bad", "https://my-app.example.com/webhooks/bad", ["*"], RateLimit: bad))
                .AssertFieldErrorAsync("rate_limit");
        }

        await _client.Webhooks.UpdateAsync(id, new UpdateWebhook(RateLimit: 20_000)).AssertFieldErrorAsync("rate_limit");
    }

    [Fact]
    public async Task Ordering_is_none_by_default_station_when_asked_kept_and_changed()
    {
        var plain = await _client.Webhooks.CreateAsync(new CreateWebhook("plain", "https://my-app.example.com/webhooks/plain", ["*"]));
        Assert.Equal(WebhookOrdering.None, plain.Ordering);

        var webhook = await _client.Webhooks.CreateAsync(
            new CreateWebhook("ordered", "https://my-app.example.com/webhooks/ordered", ["*"], Ordering: WebhookOrdering.Station));
        Assert.Equal(WebhookOrdering.Station, webhook.Ordering);
        var id = webhook.Id;

        Assert.Equal(WebhookOrdering.Station, (await _client.Webhooks.UpdateAsync(id, new UpdateWebhook(Name: "renamed"))).Ordering);
        Assert.Equal(WebhookOrdering.None, (await _client.Webhooks.UpdateAsync(id, new UpdateWebhook(Ordering: WebhookOrdering.None))).Ordering);

        foreach (var bad in new[] { "Station", "fifo", "" })
        {
            await _client.Webhooks.CreateAsync(new CreateWebhook("bad", "https://my-app.example.com/webhooks/bad", ["*"], Ordering: bad))
                .AssertFieldErrorAsync("ordering");
        }

        // By hand: a number where the client can only send a string.
        using var refused = await _api.PostJsonAsync("/api/v1/webhooks",
            """{"name":"bad","url":"https://my-app.example.com/webhooks/bad","events":["*"],"ordering":1}""");
        await refused.AssertFieldErrorAsync("ordering");

        await _client.Webhooks.UpdateAsync(id, new UpdateWebhook(Ordering: "per-station")).AssertFieldErrorAsync("ordering");
    }

    [Fact]
    public async Task An_operational_event_is_subscribed_by_name_and_stays_beside_the_wildcard()
    {
        var webhook = await _client.Webhooks.CreateAsync(
            new CreateWebhook("ops", "https://my-app.example.com/webhooks/ops", ["*", "WebhookDisabled", "Heartbeat"]));
        Assert.Equal(["*", "WebhookDisabled"], webhook.Events);
        Assert.Null(webhook.DisabledReason);
        Assert.Null(webhook.DisabledAt);
    }

    [Fact]
    public async Task A_client_registered_with_AddPipeletClient_calls_the_api_with_its_key()
    {
        var reader = await _client.ApiKeys.CreateAsync(new CreateApiKey("di-reader", ["webhooks:read"]));
        await using var services = new ServiceCollection().AddPipeletClient(fixture.App.PublicAddress.ToString(), reader.Key).BuildServiceProvider();

        var id = await _client.CreateWebhookAsync();
        Assert.Equal(id, (await services.GetRequiredService<PipeletClient>().Webhooks.GetAsync(id)).Id);
        Assert.Equal(id, (await services.GetRequiredService<IWebhooksApi>().GetAsync(id)).Id);
        // Its own key, not one from elsewhere: a read-only key may not write.
        await services.GetRequiredService<IWebhooksApi>().DeleteAsync(id).AssertProblemAsync(403);
        await services.GetRequiredService<IApiKeysApi>().ListAsync().AssertProblemAsync(403);
    }

    [Fact]
    public async Task The_dispatchers_internal_read_has_every_webhook_with_its_secret_on_the_internal_port_only()
    {
        var id = await _client.CreateWebhookAsync();

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
