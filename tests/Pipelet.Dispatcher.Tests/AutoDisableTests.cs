using System.Text.Json;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Delivery;
using Pipelet.Dispatcher.Subscriptions;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// A dispatcher with <c>Delivery__DisableAfter=2s</c> and <c>Delivery__DisableAfterFailures=3</c>, a webhook that always
/// fails, one that is fine, one subscribed to <c>WebhookDisabled</c> and one to <c>"*"</c>.
/// </summary>
public sealed class AutoDisableFixture() : DispatcherRig("1s,1s,1s,1s,1s,1s,1s,1s", new Dictionary<string, string?>
{
    ["Delivery__DisableAfter"] = "00:00:02",
    ["Delivery__DisableAfterFailures"] = "3",
})
{
    public WebhookSubscription Dead { get; private set; } = null!;
    public WebhookSubscription Healthy { get; private set; } = null!;
    public WebhookSubscription Owner { get; private set; } = null!;
    public WebhookSubscription Everything { get; private set; } = null!;

    protected override void AddWebhooks()
    {
        Dead = Subscriptions.Subscribe("dead", Receiver.Hook("dead"), stations: ["CP-DEAD"]);
        Healthy = Subscriptions.Subscribe("healthy", Receiver.Hook("healthy"), stations: ["CP-HEALTHY"]);
        // A stations filter does not keep operational events away: they are about no station.
        Owner = Subscriptions.Subscribe("owner", Receiver.Hook("owner"), stations: ["CP-NONE"], events: [EventCatalogue.WebhookDisabled]);
        Everything = Subscriptions.Subscribe("everything", Receiver.Hook("everything"));
        Receiver.Behave("dead", _ => new Answer(500, Body: "down"));
    }
}

public sealed class AutoDisableTests(AutoDisableFixture fixture) : IClassFixture<AutoDisableFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_webhook_failing_long_enough_is_disabled_once_its_retries_cancelled_and_enabling_it_again_starts_a_fresh_count()
    {
        var failing = TestBus.Event(EventCatalogue.MeterValues, "CP-DEAD");
        var fine = TestBus.Event(EventCatalogue.MeterValues, "CP-HEALTHY");
        await fixture.Bus.PublishAsync(failing);
        await fixture.Bus.PublishAsync(fine);

        // Tries 1s apart: after 2 s and 3 failures the dispatcher asks the subscription service to disable it.
        await WaitAsync(() => fixture.Subscriptions.DisableRequests.Any(r => r.WebhookId == fixture.Dead.WebhookId && r.Disabled), "the disable request");
        var (_, request, _) = fixture.Subscriptions.DisableRequests.First(r => r.WebhookId == fixture.Dead.WebhookId && r.Disabled);
        Assert.True(request.Failures >= 3, $"{request.Failures} failures");
        Assert.Contains("500", request.LastError, StringComparison.Ordinal);
        var firstTry = fixture.Receiver.HitsOf("dead").Where(h => h.EventId == failing.EventId).Min(h => h.At);
        Assert.InRange(request.Since, firstTry.AddSeconds(-1), firstTry.AddSeconds(1));
        Assert.DoesNotContain(fixture.Subscriptions.DisableRequests, r => r.WebhookId == fixture.Healthy.WebhookId);

        // What the subscription service then publishes: the change (retries are cancelled as for a manual disable) ...
        var disabled = FakeSubscriptions.Disabled(fixture.Dead);
        await fixture.Bus.UpsertAsync(disabled);
        var deliveryId = DeliveryIds.For(failing.EventId, fixture.Dead.WebhookId);
        await fixture.Database.WaitUntilAsync("SELECT EXISTS (SELECT 1 FROM deliveries WHERE delivery_id = $1 AND status = 'cancelled')", Patience, "the cancelled retries", deliveryId);

        // ... and the notice, which reaches the webhook that names it and not the one subscribed to "*".
        var payload = JsonSerializer.SerializeToElement(new { webhook_id = fixture.Dead.WebhookId, name = "dead", url = fixture.Dead.Settings.Url, last_error = request.LastError, since = request.Since });
        var notice = new StationEvent(Guid.CreateVersion7(), EventCatalogue.WebhookDisabled, "", DateTimeOffset.UtcNow, payload);
        var marker = TestBus.Event(EventCatalogue.Heartbeat, "CP-MARKER", "{}");
        await fixture.Bus.PublishBatchAsync([notice, marker]);
        await fixture.Receiver.WaitUntilAsync(r => r.HitsOf("owner").Any(h => h.EventId == notice.EventId) && r.HitsOf("everything").Any(h => h.EventId == marker.EventId),
            Patience, "the notice to its subscriber");
        using var body = JsonDocument.Parse(fixture.Receiver.HitsOf("owner").First(h => h.EventId == notice.EventId).Body);
        Assert.Equal("WebhookDisabled", body.RootElement.GetProperty("event").GetString());
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("station_id").ValueKind);
        Assert.Equal(fixture.Dead.WebhookId, body.RootElement.GetProperty("payload").GetProperty("webhook_id").GetInt64());
        Assert.DoesNotContain(fixture.Receiver.HitsOf("everything"), h => h.EventId == notice.EventId);

        // Its owner enables it again: the failures that had it disabled count no more.
        await fixture.Bus.UpsertAsync(fixture.Dead with { UpdatedAt = DateTimeOffset.UtcNow });
        await fixture.Database.WaitUntilAsync("SELECT failures_in_row = 0 FROM webhook_failures WHERE webhook_id = $1", Patience, "the reset count", fixture.Dead.WebhookId);
        Assert.Single(fixture.Subscriptions.DisableRequests, r => r.Disabled);
    }

    [Fact]
    public void Star_means_every_station_event_and_operational_events_go_only_to_webhooks_naming_them()
    {
        var star = FakeSubscriptions.NewWebhook("star", new Uri("https://example.com/"));
        var named = FakeSubscriptions.NewWebhook("named", new Uri("https://example.com/"), stations: ["CP-1"], events: ["*", EventCatalogue.WebhookDisabled]);
        Assert.True(WebhookMatching.Wants(star, EventCatalogue.Heartbeat, "CP-9"));
        Assert.False(WebhookMatching.Wants(star, EventCatalogue.WebhookDisabled, ""));
        Assert.True(WebhookMatching.Wants(named, EventCatalogue.WebhookDisabled, ""));
        Assert.False(WebhookMatching.Wants(named, EventCatalogue.Heartbeat, "CP-9"));
        Assert.False(WebhookMatching.Wants(FakeSubscriptions.Disabled(named), EventCatalogue.WebhookDisabled, ""));
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (!condition())
        {
            if (deadline.IsCancellationRequested) throw new TimeoutException($"Timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
