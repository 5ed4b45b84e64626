using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Pipelet.Client;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Data;
using Pipelet.Dispatcher.Delivery;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// Disabling or deleting a webhook cancels its pending retries in the log at once, not when each comes off its
/// rung: against a dispatcher whose only rung is a minute long, and the statement itself against the schema.
/// </summary>
public sealed class RetryCancellationTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Deleting_or_disabling_a_webhook_shows_its_pending_retries_cancelled_long_before_the_rung_ends()
    {
        var database = await infrastructure.CreateDatabaseAsync();
        var vhost = (await infrastructure.CreateVirtualHostAsync()).ToString();
        await using var receiver = await Receiver.StartAsync();
        await using var subscriptions = await FakeSubscriptions.StartAsync();
        var webhooks = new[] { "delete", "disable", "stays" }.ToDictionary(name => name, name =>
        {
            receiver.Behave(name, _ => new Answer(500, Body: "nope"));
            return subscriptions.Subscribe(name, receiver.Hook(name));
        });
        await using var dispatcher = await DispatcherProcess.StartAsync(new DispatcherProcess.Settings(vhost, database, subscriptions.BaseUri, RetrySchedule: "1m"));
        await using var bus = await TestBus.StartAsync(vhost);
        var api = PipeletClient.Create(dispatcher.BaseUri, FakeSubscriptions.AdminKey);
        var log = new DeliveryDatabase(database);

        var stationEvent = TestBus.Event(EventCatalogue.StopTransaction, "CP-CANCEL-AT-ONCE");
        await bus.PublishAsync(stationEvent);
        var deliveryIds = webhooks.ToDictionary(w => w.Key, w => DeliveryIds.For(stationEvent.EventId, w.Value.WebhookId));
        foreach (var (name, deliveryId) in deliveryIds)
        {
            await log.WaitUntilAsync("SELECT EXISTS (SELECT 1 FROM deliveries WHERE delivery_id = $1 AND status = 'retrying')", Patience, $"{name}: first try failed", deliveryId);
        }

        // As the subscription service does it: the change in its list, then the message on the bus.
        var changed = Stopwatch.StartNew();
        var disabled = FakeSubscriptions.Disabled(webhooks["disable"]);
        subscriptions.Put(disabled);
        await bus.UpsertAsync(disabled);
        subscriptions.Remove(webhooks["delete"].WebhookId);
        await bus.DeleteAsync(webhooks["delete"].WebhookId);

        foreach (var name in new[] { "delete", "disable" })
        {
            await log.WaitUntilAsync("SELECT EXISTS (SELECT 1 FROM deliveries WHERE delivery_id = $1 AND status = 'cancelled')",
                TimeSpan.FromSeconds(10), $"{name} cancelled", deliveryIds[name]);
            var delivery = await api.Deliveries.GetAsync(deliveryIds[name]);
            Assert.Equal(Pipelet.Client.DeliveryStatus.Cancelled, delivery.Status);
            Assert.Null(delivery.NextAttemptAt);
            Assert.Single(delivery.Attempts); // the failed first try stays in the log
        }

        // Well inside the one-minute rung: nothing came off it yet, this was the dispatcher reacting to the change.
        Assert.True(changed.Elapsed < TimeSpan.FromSeconds(30), $"cancelled after {changed.Elapsed}");
        Assert.Equal("retrying", await log.ScalarAsync<string>("SELECT status FROM deliveries WHERE delivery_id = $1", deliveryIds["stays"]));
        Assert.All(webhooks.Keys, name => Assert.Single(receiver.HitsOf(name)));
    }

    [Fact]
    public async Task A_change_missed_on_the_bus_is_caught_up_by_the_next_full_read_of_the_webhook_list()
    {
        var database = await infrastructure.CreateDatabaseAsync();
        var vhost = (await infrastructure.CreateVirtualHostAsync()).ToString();
        await using var receiver = await Receiver.StartAsync();
        await using var subscriptions = await FakeSubscriptions.StartAsync();
        var webhook = FakeSubscriptions.NewWebhook("missed", receiver.Hook("missed"));
        subscriptions.Put(webhook);
        await using var dispatcher = await DispatcherProcess.StartAsync(new DispatcherProcess.Settings(vhost, database, subscriptions.BaseUri, RetrySchedule: "1m",
            Extra: new Dictionary<string, string?> { ["Delivery__SubscriptionsRefresh"] = "00:00:01" }));
        var log = new DeliveryDatabase(database);
        var deliveryId = Guid.CreateVersion7();
        await log.ScalarAsync<int>("""
            INSERT INTO deliveries (delivery_id, webhook_id, event_id, event, station_id, created_at, status, attempts, next_attempt_at, updated_at)
            VALUES ($1, $2, gen_random_uuid(), 'StartTransaction', 'CP-1', now() - interval '10 s', 'retrying', 1, now() + interval '50 s', now() - interval '10 s')
            """, deliveryId, webhook.WebhookId);

        // Disabled in the subscription service's list only: no message on the bus.
        subscriptions.Put(FakeSubscriptions.Disabled(webhook));

        await log.WaitUntilAsync("SELECT EXISTS (SELECT 1 FROM deliveries WHERE delivery_id = $1 AND status = 'cancelled')", TimeSpan.FromSeconds(15), "cancelled by the full read", deliveryId);
    }

    [Fact]
    public async Task The_statement_cancels_only_retrying_deliveries_of_that_webhook_written_before_the_change_and_is_idempotent()
    {
        await using var schema = await DeliveryLogDatabase.CreateAsync(infrastructure);
        var changedAt = new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
        var time = new ManualTime(changedAt + TimeSpan.FromSeconds(1));
        var cancellation = new RetryCancellation(schema.DataSource, time, NullLogger<RetryCancellation>.Instance);
        const long webhook = 41, other = 42;

        var pending = await schema.AddDeliveryAsync(webhook, "retrying", changedAt - TimeSpan.FromMinutes(5));
        var alsoPending = await schema.AddDeliveryAsync(webhook, "retrying", changedAt, attempts: 3);
        // A try in flight when the change came, logged after it: its own instance cancels it (DeliveryAttempts).
        var loggedAfter = await schema.AddDeliveryAsync(webhook, "retrying", changedAt + TimeSpan.FromMilliseconds(5));
        var succeeded = await schema.AddDeliveryAsync(webhook, "succeeded", changedAt - TimeSpan.FromMinutes(5));
        var failed = await schema.AddDeliveryAsync(webhook, "failed", changedAt - TimeSpan.FromMinutes(5));
        var otherWebhook = await schema.AddDeliveryAsync(other, "retrying", changedAt - TimeSpan.FromMinutes(5));

        // Both instances run it, and one change may be queued twice: the second run finds nothing.
        RetryCancellation.Request[] requests = [new(webhook, changedAt), new(webhook, changedAt)];
        Assert.Equal(2, await cancellation.CancelAsync(requests, CancellationToken.None));
        Assert.Equal(0, await cancellation.CancelAsync(requests, CancellationToken.None));

        Assert.Equal("cancelled", await schema.StatusAsync(pending));
        Assert.Equal("cancelled", await schema.StatusAsync(alsoPending));
        Assert.Equal("retrying", await schema.StatusAsync(loggedAfter));
        Assert.Equal("succeeded", await schema.StatusAsync(succeeded));
        Assert.Equal("failed", await schema.StatusAsync(failed));
        Assert.Equal("retrying", await schema.StatusAsync(otherWebhook));
        Assert.Equal(3, await schema.Database.ScalarAsync<int>("SELECT attempts FROM deliveries WHERE delivery_id = $1", alsoPending));
        Assert.True(await schema.Database.ScalarAsync<bool>("SELECT next_attempt_at IS NULL AND updated_at = $2 FROM deliveries WHERE delivery_id = $1", pending, time.GetUtcNow()));
    }
}
