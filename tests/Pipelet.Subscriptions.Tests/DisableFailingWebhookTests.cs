using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Pipelet.Client;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Testing;

namespace Pipelet.Subscriptions.Tests;

/// <summary>
/// The dispatcher's request to disable a failing webhook: the webhook shows why and since when, its owner hears of it
/// through a <c>WebhookDisabled</c> event on the bus (once, however many dispatcher instances ask), and enabling it
/// again clears the reason. The public API through our client; the dispatcher's internal call by hand.
/// </summary>
public sealed class DisableFailingWebhookTests(SubscriptionsAppFixture fixture) : IClassFixture<SubscriptionsAppFixture>, IAsyncLifetime
{
    private readonly PipeletClient _client = fixture.App.Client();
    private BusListener _bus = null!;

    public async Task InitializeAsync() =>
        _bus = await BusListener.StartAsync(fixture.RabbitMqConnectionString, BusListener.Keep<WebhookUpserted>(), BusListener.Keep<StationEventBatch>());

    public async Task DisposeAsync() => await _bus.DisposeAsync();

    [Fact]
    public async Task Disabling_a_failing_webhook_shows_why_publishes_the_change_and_one_WebhookDisabled_event_and_enabling_clears_it()
    {
        var id = await _client.CreateWebhookAsync(url: "https://dead.example.com/hooks");
        using var dispatcher = fixture.App.Internal(InternalApiKeys.Dispatcher);
        var since = DateTimeOffset.UtcNow.AddDays(-5);
        var request = new { since, failures = 25, last_error = "The receiver answered 500 Internal Server Error" };

        using var first = await dispatcher.PostAsJsonAsync($"/internal/v1/webhooks/{id}/disable-failing", request);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True((await first.ReadJsonAsync()).GetProperty("disabled").GetBoolean());
        // A second instance asking a moment later changes nothing and tells nobody again.
        using var second = await dispatcher.PostAsJsonAsync($"/internal/v1/webhooks/{id}/disable-failing", request);
        Assert.False((await second.ReadJsonAsync()).GetProperty("disabled").GetBoolean());

        var webhook = await _client.Webhooks.GetAsync(id);
        Assert.False(webhook.Enabled);
        Assert.Equal("failing", webhook.DisabledReason);
        Assert.True(webhook.DisabledAt > since);

        // The dispatchers hear of it like any disable (and cancel its retries) ...
        await _bus.NextAsync<WebhookUpserted>(m => m.Webhook.WebhookId == id && !m.Webhook.Settings.Enabled);
        // ... and the webhooks subscribed to WebhookDisabled get the notice, as an event with no station.
        var batch = await _bus.NextAsync<StationEventBatch>(b => b.Events.Any(e => e.Payload.TryGetProperty("webhook_id", out var w) && w.GetInt64() == id));
        var notice = Assert.Single(batch.Events);
        Assert.Equal(EventCatalogue.WebhookDisabled, notice.Event);
        Assert.Equal("", notice.StationId);
        Assert.Equal("https://dead.example.com/hooks", notice.Payload.GetProperty("url").GetString());
        Assert.Equal("My Integration", notice.Payload.GetProperty("name").GetString());
        Assert.Equal("The receiver answered 500 Internal Server Error", notice.Payload.GetProperty("last_error").GetString());
        Assert.Equal(since.ToUnixTimeMilliseconds(), notice.Payload.GetProperty("since").GetDateTimeOffset().ToUnixTimeMilliseconds());

        var reenabled = await _client.Webhooks.UpdateAsync(id, new UpdateWebhook(Enabled: true));
        Assert.True(reenabled.Enabled);
        Assert.Null(reenabled.DisabledReason);
        Assert.Null(reenabled.DisabledAt);
    }

    [Fact]
    public async Task Only_the_dispatcher_may_disable_and_an_unknown_webhook_is_404()
    {
        var id = await _client.CreateWebhookAsync();
        var request = new { since = DateTimeOffset.UtcNow, failures = 20, last_error = (string?)null };
        using var gateway = fixture.App.Internal(InternalApiKeys.Gateway);
        using var refused = await gateway.PostAsJsonAsync($"/internal/v1/webhooks/{id}/disable-failing", request);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        using var dispatcher = fixture.App.Internal(InternalApiKeys.Dispatcher);
        using var missing = await dispatcher.PostAsJsonAsync("/internal/v1/webhooks/999999999/disable-failing", request);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.True((await _client.Webhooks.GetAsync(id)).Enabled);
    }
}
