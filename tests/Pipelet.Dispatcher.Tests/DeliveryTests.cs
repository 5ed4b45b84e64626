using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Pipelet.Client;
using Pipelet.Contracts.Events;
using Pipelet.Dispatcher.Delivery;
using Pipelet.Dispatcher.Tests.Infrastructure;

namespace Pipelet.Dispatcher.Tests;

/// <summary>The seed's promises against a real broker, database, receiver and dispatcher process.</summary>
public sealed class DeliveryTests(DispatcherFixture fixture) : IClassFixture<DispatcherFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>The delivery log API through our client, with the admin key.</summary>
    private readonly PipeletClient _client = PipeletClient.Create(fixture.Dispatcher.BaseUri, FakeSubscriptions.AdminKey);

    [Fact]
    public async Task Delivers_the_documented_body_and_headers_inside_the_events_trace()
    {
        using var listener = ListenToMassTransit();
        using var trace = new Activity("station message").Start();
        var stationEvent = TestBus.Event(EventCatalogue.StartTransaction, "WALLBOX_001");

        await fixture.Bus.PublishAsync(stationEvent);
        await fixture.Receiver.WaitUntilAsync(r => r.HitsOf("ok").Any(h => h.EventId == stationEvent.EventId), Patience, "the delivery");

        var hit = fixture.Receiver.HitsOf("ok").Single(h => h.EventId == stationEvent.EventId);
        using var body = JsonDocument.Parse(hit.Body);
        Assert.Equal(["event", "station_id", "timestamp", "payload"], body.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("StartTransaction", body.RootElement.GetProperty("event").GetString());
        Assert.Equal("WALLBOX_001", body.RootElement.GetProperty("station_id").GetString());
        Assert.Equal(Webhooks.DeliveryBody.FormatTimestamp(stationEvent.Timestamp), body.RootElement.GetProperty("timestamp").GetString());
        Assert.Equal(12345, body.RootElement.GetProperty("payload").GetProperty("meterStart").GetInt32());

        Assert.StartsWith("application/json", hit.Header("content-type"));
        Assert.Equal("secret-of-ok", hit.Header("X-Webhook-Secret"));
        Assert.Equal(stationEvent.EventId.ToString(), hit.Header("webhook-id"));
        Assert.Equal("1", hit.Header("webhook-attempt"));
        Assert.StartsWith("Pipelet", hit.Header("user-agent"));
        var traceparent = hit.Header("traceparent");
        // Trace flags as W3C Trace Context Level 2 allows: OpenTelemetry 1.21 sets its random-trace-id flag (02).
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$", traceparent);
        Assert.Equal(trace.TraceId.ToString(), traceparent.Split('-')[1]);

        var deliveryId = DeliveryIds.For(stationEvent.EventId, fixture["ok"].WebhookId);
        await fixture.Database.WaitUntilAsync("SELECT EXISTS (SELECT 1 FROM deliveries WHERE delivery_id = $1 AND status = 'succeeded')", Patience, "the logged success", deliveryId);
        var delivery = await _client.Deliveries.GetAsync(deliveryId);
        Assert.Equal(DeliveryStatus.Succeeded, delivery.Status);
        var attempt = Assert.Single(delivery.Attempts);
        Assert.Equal(200, attempt.StatusCode);
        Assert.Equal(1, attempt.Attempt);
        Assert.True(attempt.DurationMs >= 0);
    }

    [Fact]
    public async Task Only_webhooks_subscribed_to_the_event_and_station_receive_it()
    {
        var elsewhere = TestBus.Event(EventCatalogue.StartTransaction, "CP-ELSEWHERE");
        var filtered = TestBus.Event(EventCatalogue.StartTransaction, "CP-FILTER-1");
        await fixture.Bus.PublishAsync(elsewhere);
        await fixture.Bus.PublishAsync(filtered);

        await fixture.Receiver.WaitUntilAsync(r =>
            r.HitsOf("everything").Any(h => h.EventId == elsewhere.EventId) &&
            r.HitsOf("everything").Any(h => h.EventId == filtered.EventId) &&
            r.HitsOf("cp1-only").Any(h => h.EventId == filtered.EventId), Patience, "the matching deliveries");

        // The fan-out of each event sent all its deliveries before it was acknowledged; any delivery to
        // a non-matching webhook would have been logged next to the ones we saw.
        await fixture.Database.WaitUntilAsync(
            "SELECT count(*) = 3 FROM deliveries WHERE event_id = ANY($1) AND status = 'succeeded'", Patience, "three logged deliveries",
            new[] { elsewhere.EventId, filtered.EventId });
        Assert.DoesNotContain(fixture.Receiver.HitsOf("cp1-only"), h => h.EventId == elsewhere.EventId);
        Assert.DoesNotContain(fixture.Receiver.HitsOf("stop-only"), h => h.EventId == elsewhere.EventId || h.EventId == filtered.EventId);
        Assert.Equal(0, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM deliveries WHERE event_id = ANY($1) AND webhook_id = $2",
            new[] { elsewhere.EventId, filtered.EventId }, fixture["stop-only"].WebhookId));
    }

    [Fact]
    public async Task The_log_filters_a_webhooks_deliveries_by_status_event_and_station_and_counts_them()
    {
        var stop = TestBus.Event(EventCatalogue.StopTransaction, "CP-FILTER-1");
        var heartbeat = TestBus.Event(EventCatalogue.Heartbeat, "CP-ELSEWHERE", "{}");
        await fixture.Bus.PublishAsync(stop);
        await fixture.Bus.PublishAsync(heartbeat);
        var webhook = fixture["everything"].WebhookId;
        var stopDelivery = DeliveryIds.For(stop.EventId, webhook);
        var heartbeatDelivery = DeliveryIds.For(heartbeat.EventId, webhook);
        await fixture.Database.WaitUntilAsync("SELECT count(*) = 2 FROM deliveries WHERE delivery_id = ANY($1) AND status = 'succeeded'", Patience,
            "both logged successes", new[] { stopDelivery, heartbeatDelivery });

        async Task<IReadOnlyList<DeliverySummary>> ListAsync(string? status = null, string? eventName = null, string? stationId = null) =>
            (await _client.Deliveries.ListAsync(webhook, status, eventName: eventName, stationId: stationId)).Items;

        var stops = await ListAsync(DeliveryStatus.Succeeded, "StopTransaction", "CP-FILTER-1");
        Assert.Contains(stops, d => d.DeliveryId == stopDelivery);
        Assert.All(stops, d =>
        {
            Assert.Equal("StopTransaction", d.Event);
            Assert.Equal("CP-FILTER-1", d.StationId);
            Assert.Equal(DeliveryStatus.Succeeded, d.Status);
        });
        var elsewhere = await ListAsync(stationId: "CP-ELSEWHERE");
        Assert.Contains(elsewhere, d => d.DeliveryId == heartbeatDelivery);
        Assert.DoesNotContain(elsewhere, d => d.DeliveryId == stopDelivery);
        Assert.Empty(await ListAsync(eventName: "Heartbeat", stationId: "CP-FILTER-1"));
        Assert.Empty(await ListAsync(DeliveryStatus.Cancelled, "StopTransaction"));

        // Successes stay successes: the stats read after this count see at least as many.
        var logged = await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM deliveries WHERE webhook_id = $1 AND status = 'succeeded' AND created_at >= now() - interval '59 minutes'", webhook);
        var stats = await _client.Deliveries.GetStatsAsync(webhook);
        Assert.Equal(webhook, stats.WebhookId);
        Assert.True(stats.Totals.Succeeded >= logged);
        var minutes = stats.PerMinute;
        Assert.Equal(60, minutes.Count);
        Assert.True(minutes.Sum(m => m.Succeeded) >= logged);
        Assert.Equal(TimeSpan.FromMinutes(59), minutes[^1].Minute - minutes[0].Minute);
    }

    [Fact]
    public async Task A_retry_batch_let_go_early_by_its_rung_waits_until_it_is_due_but_never_longer_than_the_lead()
    {
        // The dispatcher's rungs let a batch go Delivery__RetryLead (500 ms) before it is due; the dispatcher holds it.
        var webhook = fixture["ok"];
        var sentAt = DateTimeOffset.UtcNow;
        var dueSoon = Retry(webhook.WebhookId, sentAt + TimeSpan.FromMilliseconds(400));
        // Due an hour on, by the clock of the instance that scheduled it: held for the lead, not for the hour.
        var dueLater = Retry(webhook.WebhookId, sentAt + TimeSpan.FromHours(1));
        await fixture.Bus.SendRetriesAsync(new WebhookDeliveryBatch([new BatchedRetry(dueSoon, null, null)]));
        await fixture.Bus.SendRetriesAsync(new WebhookDeliveryBatch([new BatchedRetry(dueLater, null, null)]));

        Hit HitOf(WebhookDelivery retry) => fixture.Receiver.HitsOf("ok").Single(h => h.EventId == retry.Event.EventId);
        await fixture.Receiver.WaitUntilAsync(r => r.HitsOf("ok").Count(h => h.EventId == dueSoon.Event.EventId || h.EventId == dueLater.Event.EventId) == 2,
            Patience, "both retries");
        Assert.True(HitOf(dueSoon).At >= dueSoon.DueAt, $"the retry ran {(dueSoon.DueAt - HitOf(dueSoon).At).TotalMilliseconds} ms before it was due");
        Assert.Equal(2, HitOf(dueSoon).Attempt);
        Assert.InRange(HitOf(dueLater).At - sentAt, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10));

        static WebhookDelivery Retry(long webhookId, DateTimeOffset dueAt)
        {
            var stationEvent = TestBus.Event(EventCatalogue.StartTransaction, "WALLBOX_001");
            return new WebhookDelivery(DeliveryIds.For(stationEvent.EventId, webhookId), webhookId, 2, stationEvent, dueAt - TimeSpan.FromSeconds(1), dueAt);
        }
    }

    [Fact]
    public async Task A_failing_webhook_walks_the_whole_ladder_is_dead_lettered_and_can_be_retried_on_a_fresh_ladder()
    {
        var webhook = fixture["ladder"];
        var stationEvent = TestBus.Event(EventCatalogue.MeterValues, "CP-LADDER");
        await fixture.Bus.PublishAsync(stationEvent);

        var deliveryId = DeliveryIds.For(stationEvent.EventId, webhook.WebhookId);
        await fixture.Database.WaitUntilAsync("SELECT EXISTS (SELECT 1 FROM failed_deliveries WHERE delivery_id = $1)", Patience, "the dead letter", deliveryId);

        // One first try plus one per rung (1s,1s,2s), each waiting at least its rung.
        var hits = fixture.Receiver.HitsOf("ladder").Where(h => h.EventId == stationEvent.EventId).OrderBy(h => h.Attempt).ToList();
        Assert.Equal([1, 2, 3, 4], hits.Select(h => h.Attempt));
        var rungs = new[] { 1.0, 1.0, 2.0 };
        for (var i = 0; i < rungs.Length; i++)
        {
            Assert.True((hits[i + 1].At - hits[i].At).TotalSeconds >= rungs[i] - 0.05, $"try {i + 2} came early");
        }

        // Each retry came off its rung in a batch of retries, carrying the trace its try before it was in.
        Assert.Single(hits.Select(h => h.Header("traceparent").Split('-')[1]).Distinct());

        var failed = await _client.Deliveries.GetFailedAsync(deliveryId);
        Assert.Equal(stationEvent.EventId, failed.Event.GetProperty("event_id").GetGuid());
        Assert.Equal(webhook.WebhookId, failed.Webhook.GetProperty("id").GetInt64());
        Assert.False(failed.Webhook.TryGetProperty("secret_value", out _));
        var attempts = failed.Attempts.EnumerateArray().ToList();
        Assert.Equal(4, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(500, a.GetProperty("status_code").GetInt32()));
        Assert.All(attempts, a => Assert.Equal("nope", a.GetProperty("response_body").GetString()));
        Assert.Equal(DeliveryStatus.Failed, (await _client.Deliveries.GetAsync(deliveryId)).Status);
        var list = await _client.Deliveries.ListFailedAsync(webhook.WebhookId);
        Assert.Contains(list.Items, f => f.DeliveryId == deliveryId);

        // The subscriber is fixed: a retry starts a fresh ladder and succeeds at its first try.
        fixture.Failing.Remove("ladder");
        var retry = await _client.Deliveries.RetryAsync(deliveryId);
        Assert.Equal(deliveryId, retry.ReplayOf);
        var replayId = retry.DeliveryId;
        await fixture.Database.WaitUntilAsync("SELECT EXISTS (SELECT 1 FROM deliveries WHERE delivery_id = $1 AND status = 'succeeded' AND replay_of = $2)",
            Patience, "the replay's success", replayId, deliveryId);
        Assert.Equal(5, fixture.Receiver.HitsOf("ladder").Count(h => h.EventId == stationEvent.EventId));
        Assert.Equal(1, fixture.Receiver.HitsOf("ladder").Last(h => h.EventId == stationEvent.EventId).Attempt);
        var retried = await _client.Deliveries.GetFailedAsync(deliveryId);
        Assert.Equal(replayId, retried.RetryDeliveryId);
        Assert.NotNull(retried.RetriedAt);

        var again = await Assert.ThrowsAsync<PipeletApiException>(() => _client.Deliveries.RetryAsync(deliveryId));
        Assert.Equal(409, again.Status);
        Assert.Equal("Already retried", again.Title);
    }

    [Fact]
    public async Task Recover_replays_everything_dead_lettered_since_a_time()
    {
        var webhook = fixture["recover"];
        var since = DateTimeOffset.UtcNow;
        var events = new[] { TestBus.Event(station: "CP-RECOVER"), TestBus.Event(station: "CP-RECOVER") };
        foreach (var e in events) await fixture.Bus.PublishAsync(e);
        await fixture.Database.WaitUntilAsync("SELECT count(*) = 2 FROM failed_deliveries WHERE webhook_id = $1", Patience, "two dead letters", webhook.WebhookId);

        fixture.Failing.Remove("recover");
        var recover = await _client.Deliveries.RecoverAsync(webhook.WebhookId, new RecoverRequest(since));
        Assert.Equal(2, recover.Recovered);
        Assert.Equal(webhook.WebhookId, recover.WebhookId);

        await fixture.Receiver.WaitUntilAsync(r => events.All(e => r.EventCounts.ContainsKey(e.EventId)), Patience, "both events delivered after recovery");
        var page = await _client.Deliveries.ListAsync(webhook.WebhookId, DeliveryStatus.Failed);
        Assert.Equal(2, page.Items.Count);

        // A page an item: the streams cross pages. Each dead letter names the replay the recover started for it.
        Assert.Equal(2, await _client.Deliveries.ListAllAsync(webhook.WebhookId, DeliveryStatus.Failed, pageSize: 1).CountAsync());
        var deadLetters = await _client.Deliveries.ListAllFailedAsync(webhook.WebhookId, pageSize: 1).ToListAsync();
        Assert.Equal(recover.Deliveries.Select(r => r.ReplayOf).Order(), deadLetters.Select(f => f.DeliveryId).Order());
        Assert.Equal(recover.Deliveries.Select(r => r.DeliveryId).Order(), deadLetters.Select(f => f.RetryDeliveryId!.Value).Order());
    }

    [Fact]
    public async Task Non_2xx_timeouts_refused_connections_and_redirects_are_failed_attempts()
    {
        var stationEvent = TestBus.Event(EventCatalogue.Heartbeat, "CP-FAILURES", "{}");
        await fixture.Bus.PublishAsync(stationEvent);

        var expected = new Dictionary<string, (string Kind, int? Status)>
        {
            ["status503"] = ("http_status", 503),
            ["timeout"] = ("timeout", null),
            ["refused"] = ("connection_refused", null),
            ["redirect"] = ("http_status", 302),
        };
        foreach (var (name, (kind, status)) in expected)
        {
            var deliveryId = DeliveryIds.For(stationEvent.EventId, fixture[name].WebhookId);
            await fixture.Database.WaitUntilAsync("SELECT EXISTS (SELECT 1 FROM delivery_attempts WHERE delivery_id = $1 AND attempt = 1)", Patience, $"{name}'s first attempt", deliveryId);
            var row = (await fixture.Database.RowsAsync("SELECT error_kind, status_code, error FROM delivery_attempts WHERE delivery_id = $1 AND attempt = 1", deliveryId)).Single();
            Assert.Equal(kind, row[0]);
            Assert.Equal(status, (int?)row[1]);
            Assert.False(string.IsNullOrEmpty((string?)row[2]));
        }

        // The redirect was not followed.
        Assert.DoesNotContain(fixture.Receiver.HitsOf("ok"), h => h.EventId == stationEvent.EventId);
    }

    [Fact]
    public async Task A_429_with_retry_after_moves_the_next_try_to_the_first_rung_long_enough_and_the_log_shows_it()
    {
        var stationEvent = TestBus.Event(EventCatalogue.Heartbeat, "CP-RETRY-AFTER", "{}");
        await fixture.Bus.PublishAsync(stationEvent);

        var deliveryId = DeliveryIds.For(stationEvent.EventId, fixture["retry-after"].WebhookId);
        await fixture.Database.WaitUntilAsync("SELECT EXISTS (SELECT 1 FROM deliveries WHERE delivery_id = $1 AND status = 'succeeded')", Patience, "the second try's success", deliveryId);

        // The ladder is 1s,1s,2s: the first rung is shorter than the 2 s asked for, so the next try waited the 2 s rung.
        var hits = fixture.Receiver.HitsOf("retry-after").Where(h => h.EventId == stationEvent.EventId).OrderBy(h => h.Attempt).ToList();
        Assert.Equal([1, 2], hits.Select(h => h.Attempt));
        Assert.True((hits[1].At - hits[0].At).TotalSeconds >= 2 - 0.05, "the second try came before the receiver's Retry-After");

        var attempts = (await _client.Deliveries.GetAsync(deliveryId)).Attempts;
        Assert.Equal(429, attempts[0].StatusCode);
        var asked = attempts[0].RetryAfter!.Value - attempts[0].AttemptedAt;
        Assert.InRange(asked.TotalSeconds, 1.5, 3);
        Assert.Null(attempts[1].RetryAfter);
    }

    [Fact]
    public async Task Deleting_or_disabling_a_webhook_cancels_its_pending_retries()
    {
        var stationEvent = TestBus.Event(EventCatalogue.StopTransaction, "CP-CANCEL");
        await fixture.Bus.PublishAsync(stationEvent);
        await fixture.Receiver.WaitUntilAsync(r =>
            r.HitsOf("delete").Any(h => h.EventId == stationEvent.EventId) &&
            r.HitsOf("disable").Any(h => h.EventId == stationEvent.EventId), Patience, "the first tries");

        var disabled = FakeSubscriptions.Disabled(fixture["disable"]);
        fixture.Subscriptions.Put(disabled);
        await fixture.Bus.UpsertAsync(disabled);
        fixture.Subscriptions.Remove(fixture["delete"].WebhookId);
        await fixture.Bus.DeleteAsync(fixture["delete"].WebhookId);

        foreach (var name in new[] { "delete", "disable" })
        {
            var deliveryId = DeliveryIds.For(stationEvent.EventId, fixture[name].WebhookId);
            await fixture.Database.WaitUntilAsync("SELECT EXISTS (SELECT 1 FROM deliveries WHERE delivery_id = $1 AND status = 'cancelled')", Patience, $"{name} cancelled", deliveryId);
            Assert.Single(fixture.Receiver.HitsOf(name), h => h.EventId == stationEvent.EventId);
        }
    }

    /// <summary>
    /// Through our client, but by hand for what it cannot send: no key, the deprecated <c>before</c>, a recover without a
    /// time; and the 404 problem's content type, as it is on the wire.
    /// </summary>
    [Fact]
    public async Task The_log_api_needs_a_key_with_the_right_scope_and_answers_bad_input_with_problem_details()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Api.BaseAddress };
        using var noKey = await anonymous.GetAsync("failed-deliveries");
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal("application/problem+json", noKey.Content.Headers.ContentType?.MediaType);

        var reader = PipeletClient.Create(fixture.Dispatcher.BaseUri, FakeSubscriptions.ReadOnlyKey);
        await reader.Deliveries.ListFailedAsync();
        Assert.Equal(403, (await Assert.ThrowsAsync<PipeletApiException>(() => reader.Deliveries.RetryAsync(Guid.NewGuid()))).Status);

        var ok = fixture["ok"].WebhookId;
        var badStatus = await Assert.ThrowsAsync<PipeletApiException>(() => _client.Deliveries.ListAsync(ok, status: "lost", limit: 0));
        Assert.Equal(400, badStatus.Status);
        Assert.True(badStatus.Errors.ContainsKey("status"), badStatus.Message);
        Assert.True(badStatus.Errors.ContainsKey("limit"), badStatus.Message);
        var badFilters = await Assert.ThrowsAsync<PipeletApiException>(() => _client.Deliveries.ListAsync(ok, eventName: "NoSuchEvent", stationId: new string('x', 49)));
        Assert.Equal(400, badFilters.Status);
        Assert.True(badFilters.Errors.ContainsKey("event"), badFilters.Message);
        Assert.True(badFilters.Errors.ContainsKey("station_id"), badFilters.Message);
        var badCursor = await Assert.ThrowsAsync<PipeletApiException>(() => _client.Deliveries.ListFailedAsync(cursor: "not-a-cursor"));
        Assert.Equal(400, badCursor.Status);
        Assert.True(badCursor.Errors.ContainsKey("cursor"), badCursor.Message);
        using var badBefore = await fixture.Api.GetAsync("failed-deliveries?before=not-a-delivery");
        Assert.Equal(HttpStatusCode.BadRequest, badBefore.StatusCode);
        Assert.True((await badBefore.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("before", out _));

        var missing = await Assert.ThrowsAsync<PipeletApiException>(() => _client.Deliveries.GetAsync(Guid.NewGuid()));
        Assert.Equal(404, missing.Status);
        Assert.Equal("Not found", missing.Title);
        using var missingOnTheWire = await fixture.Api.GetAsync($"deliveries/{Guid.NewGuid()}");
        Assert.Equal("application/problem+json", missingOnTheWire.Content.Headers.ContentType?.MediaType);

        using var noSince = await fixture.Api.PostAsJsonAsync($"webhooks/{ok}/recover", new { });
        Assert.Equal(HttpStatusCode.BadRequest, noSince.StatusCode);
    }

    private static ActivityListener ListenToMassTransit()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "MassTransit",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
