using Pipelet.Client;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Delivery;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// A dispatcher that pauses a webhook after 3 failed tries in a row and probes every second, with the ladder
/// <c>1s,1s,20s</c> (a kept delivery is dead-lettered 22 s after it was created): a webhook that comes back, one that
/// never does, one that never does and takes 1 delivery a second, and a healthy one beside them.
/// </summary>
public sealed class PauseFixture() : DispatcherRig("1s,1s,20s", new Dictionary<string, string?>
{
    ["Delivery__PauseAfterFailures"] = "3",
    ["Delivery__ProbeInterval"] = "00:00:01",
})
{
    public WebhookSubscription Flaky { get; private set; } = null!;
    public WebhookSubscription Gone { get; private set; } = null!;
    public WebhookSubscription Healthy { get; private set; } = null!;
    public WebhookSubscription Limited { get; private set; } = null!;
    public volatile bool FlakyDown = true;

    protected override void AddWebhooks()
    {
        Flaky = Subscriptions.Subscribe("flaky", Receiver.Hook("flaky"), stations: ["CP-FLAKY"]);
        Gone = Subscriptions.Subscribe("gone", Receiver.Hook("gone"), stations: ["CP-GONE"]);
        Healthy = Subscriptions.Subscribe("healthy", Receiver.Hook("healthy"), stations: ["CP-FLAKY", "CP-GONE"]);
        Receiver.Behave("flaky", _ => FlakyDown ? new Answer(503, Body: "down") : new Answer(200));
        Receiver.Behave("gone", _ => new Answer(500, Body: "gone"));
        var limited = FakeSubscriptions.NewWebhook("limited", Receiver.Hook("limited"), stations: ["CP-LIMITED"]);
        Limited = limited with { Settings = limited.Settings with { RateLimit = 1 } };
        Subscriptions.Put(Limited);
        Receiver.Behave("limited", _ => new Answer(500, Body: "limited and gone"));
    }
}

public sealed class PauseTests(PauseFixture fixture) : IClassFixture<PauseFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>The delivery log API through our client, with the admin key.</summary>
    private readonly PipeletClient _client = PipeletClient.Create(fixture.Dispatcher.BaseUri, FakeSubscriptions.AdminKey);

    [Fact]
    public async Task A_failing_webhook_is_paused_its_deliveries_kept_without_tries_and_sent_once_a_probe_finds_it_back()
    {
        var first = Enumerable.Range(0, 3).Select(_ => TestBus.Event(EventCatalogue.MeterValues, "CP-FLAKY")).ToList();
        foreach (var e in first) await fixture.Bus.PublishAsync(e);
        await fixture.Database.WaitUntilAsync("SELECT EXISTS (SELECT 1 FROM webhook_pauses WHERE webhook_id = $1)", Patience, "the pause", fixture.Flaky.WebhookId);

        var health = await _client.Deliveries.GetHealthAsync(fixture.Flaky.WebhookId);
        Assert.Equal(fixture.Flaky.WebhookId, health.WebhookId);
        Assert.True(health.Paused);
        Assert.True(health.PausedSince <= DateTimeOffset.UtcNow);
        Assert.NotNull(health.NextProbeAt);
        Assert.Contains("503", health.LastError, StringComparison.Ordinal);

        // While paused, new deliveries are kept (shown paused) instead of tried; the healthy webhook gets them at once.
        var later = Enumerable.Range(0, 5).Select(_ => TestBus.Event(EventCatalogue.MeterValues, "CP-FLAKY")).ToList();
        foreach (var e in later) await fixture.Bus.PublishAsync(e);
        await fixture.Receiver.WaitUntilAsync(r => later.All(e => r.HitsOf("healthy").Any(h => h.EventId == e.EventId)), Patience, "the healthy webhook's deliveries");
        var kept = later.Select(e => DeliveryIds.For(e.EventId, fixture.Flaky.WebhookId)).ToArray();
        await fixture.Database.WaitUntilAsync("SELECT count(*) >= 4 FROM deliveries WHERE delivery_id = ANY($1) AND status = 'paused'", Patience, "kept deliveries", kept);
        var paused = await _client.Deliveries.ListAsync(fixture.Flaky.WebhookId, DeliveryStatus.Paused);
        Assert.NotEmpty(paused.Items);
        Assert.All(paused.Items, d => Assert.Equal(DeliveryStatus.Paused, d.Status));
        Assert.True((await _client.Deliveries.GetHealthAsync(fixture.Flaky.WebhookId)).KeptDeliveries > 0);
        // The statistics count them apart: kept is neither retrying nor failed.
        var stats = await _client.Deliveries.GetStatsAsync(fixture.Flaky.WebhookId);
        Assert.True(stats.Totals.Paused >= 4, stats.Totals.ToString());
        Assert.True(stats.PerMinute.Sum(m => m.Paused) >= 4, "paused per minute");

        // Back: the next probe succeeds, the webhook resumes and everything kept is delivered.
        fixture.FlakyDown = false;
        await fixture.Receiver.WaitUntilAsync(r => first.Concat(later).All(e => r.EventCounts.ContainsKey(e.EventId)), Patience, "every event delivered after the pause");
        await fixture.Database.WaitUntilAsync("SELECT NOT EXISTS (SELECT 1 FROM webhook_pauses WHERE webhook_id = $1)", Patience, "the resume", fixture.Flaky.WebhookId);
        await fixture.Database.WaitUntilAsync("SELECT count(*) = 8 FROM deliveries WHERE webhook_id = $1 AND status = 'succeeded'", Patience, "eight delivered", fixture.Flaky.WebhookId);
        var resumed = await _client.Deliveries.GetHealthAsync(fixture.Flaky.WebhookId);
        Assert.False(resumed.Paused);
        Assert.Null(resumed.PausedSince);
    }

    [Fact]
    public async Task Deliveries_kept_for_a_webhook_that_never_comes_back_are_dead_lettered_when_their_ladder_ends()
    {
        var events = Enumerable.Range(0, 5).Select(_ => TestBus.Event(EventCatalogue.Heartbeat, "CP-GONE", "{}")).ToList();
        foreach (var e in events) await fixture.Bus.PublishAsync(e);
        var ids = events.Select(e => DeliveryIds.For(e.EventId, fixture.Gone.WebhookId)).ToArray();
        await fixture.Database.WaitUntilAsync("SELECT count(*) = 5 FROM failed_deliveries WHERE delivery_id = ANY($1)", Patience, "five dead letters", ids);
        await fixture.Database.WaitUntilAsync("SELECT count(*) = 5 FROM deliveries WHERE delivery_id = ANY($1) AND status = 'failed'", Patience, "five failed", ids);
        // The probe records the dead letter, then its own transaction drops the kept row.
        await fixture.Database.WaitUntilAsync("SELECT count(*) = 0 FROM held_deliveries WHERE webhook_id = $1", Patience, "no kept deliveries left", fixture.Gone.WebhookId);
        // Paused after 3 failures: far fewer tries than 5 deliveries x 4 tries.
        Assert.True(fixture.Receiver.HitsOf("gone").Count < 20, $"{fixture.Receiver.HitsOf("gone").Count} tries");
    }

    [Fact]
    public async Task A_probe_try_takes_a_token_of_the_webhooks_rate_limit_like_any_other_try()
    {
        var events = Enumerable.Range(0, 6).Select(_ => TestBus.Event(EventCatalogue.Heartbeat, "CP-LIMITED", "{}")).ToList();
        foreach (var e in events) await fixture.Bus.PublishAsync(e);
        await fixture.Database.WaitUntilAsync("SELECT EXISTS (SELECT 1 FROM webhook_pauses WHERE webhook_id = $1)", Patience, "the pause", fixture.Limited.WebhookId);
        var pausedSince = (await fixture.Database.ScalarAsync<DateTime>("SELECT paused_since FROM webhook_pauses WHERE webhook_id = $1", fixture.Limited.WebhookId));

        // While paused only probes try the webhook (tries that were waiting for a token when it paused are done within
        // a second or two): one made well after the pause must have taken a token from its bucket.
        var probeAfter = new DateTimeOffset(pausedSince, TimeSpan.Zero) + TimeSpan.FromSeconds(4);
        await fixture.Receiver.WaitUntilAsync(r => r.HitsOf("limited").Any(h => h.At > probeAfter), Patience, "a probe try after the pause");
        var lastTake = await fixture.Database.ScalarAsync<DateTime>("SELECT refilled_at FROM webhook_rate_buckets WHERE webhook_id = $1", fixture.Limited.WebhookId);
        Assert.True(new DateTimeOffset(lastTake, TimeSpan.Zero) > probeAfter - TimeSpan.FromMilliseconds(500),
            $"the bucket was last taken from at {lastTake:O}, before the probe (paused at {pausedSince:O})");
    }
}
