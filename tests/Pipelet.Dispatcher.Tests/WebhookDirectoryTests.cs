using System.Text.Json;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Delivery;
using Pipelet.Dispatcher.Subscriptions;

namespace Pipelet.Dispatcher.Tests;

public sealed class WebhookDirectoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static WebhookSubscription Webhook(long id, string[] events, string[]? stations = null, bool enabled = true, DateTimeOffset? updated = null) =>
        new(id, new WebhookSettings($"w{id}", new Uri($"https://example.com/{id}"), enabled, events, stations, null), null, updated ?? T0);

    private static StationEvent Event(string name, string station) =>
        new(Guid.CreateVersion7(), name, station, T0, JsonDocument.Parse("{}").RootElement);

    [Fact]
    public void Matches_enabled_webhooks_by_event_name_or_wildcard_and_by_stations_filter()
    {
        var directory = new WebhookDirectory();
        directory.Replace([
            Webhook(1, ["StartTransaction"]),
            Webhook(2, ["*"]),
            Webhook(3, ["StartTransaction"], stations: ["CP-2"]),
            Webhook(4, ["StartTransaction"], enabled: false),
            Webhook(5, ["StopTransaction"]),
            Webhook(6, ["starttransaction"]), // names are case-sensitive
            Webhook(7, ["*"], stations: []),  // an empty filter means every station
        ], T0);

        Assert.Equal([1L, 2, 7], directory.Match(Event("StartTransaction", "CP-1")).Select(w => w.WebhookId));
        Assert.Equal([1L, 2, 3, 7], directory.Match(Event("StartTransaction", "CP-2")).Select(w => w.WebhookId));
    }

    [Fact]
    public void Late_or_replayed_changes_do_not_undo_newer_ones()
    {
        var directory = new WebhookDirectory();
        directory.Upsert(Webhook(1, ["*"], updated: T0.AddMinutes(2)));
        directory.Upsert(Webhook(1, ["StopTransaction"], updated: T0.AddMinutes(1)));
        Assert.Equal(["*"], directory.Find(1)!.Settings.Events);

        directory.Delete(1, T0.AddMinutes(3));
        directory.Upsert(Webhook(1, ["*"], updated: T0.AddMinutes(2)));
        Assert.Null(directory.Find(1));
        Assert.True(directory.WasDeleted(1));
    }

    [Fact]
    public void A_full_read_drops_webhooks_deleted_while_we_were_not_listening()
    {
        var directory = new WebhookDirectory();
        directory.Upsert(Webhook(1, ["*"]));
        directory.Upsert(Webhook(2, ["*"], updated: T0.AddMinutes(10))); // changed after the read began: keep

        directory.Replace([Webhook(3, ["*"])], readStartedAt: T0.AddMinutes(5));

        Assert.Null(directory.Find(1));
        Assert.NotNull(directory.Find(2));
        Assert.NotNull(directory.Find(3));
    }

    [Fact]
    public void A_full_read_names_the_webhooks_that_stopped_taking_deliveries_with_it()
    {
        var directory = new WebhookDirectory();
        // The first read: a disabled webhook may have retries from before this instance started.
        Assert.Equal([2L], directory.Replace([Webhook(1, ["*"]), Webhook(2, ["*"], enabled: false), Webhook(3, ["*"])], T0));

        directory.Delete(4, T0); // heard of on the bus, already handled there
        var changes = directory.Replace(
            [Webhook(1, ["*"], enabled: false, updated: T0.AddMinutes(1)), Webhook(2, ["*"], enabled: false), Webhook(4, ["*"], enabled: false)],
            readStartedAt: T0.AddMinutes(5));

        // 1 disabled and 3 deleted while we were not listening; 2 was disabled already, 4 deleted already.
        Assert.Equal([1L, 3], changes);
        // 2 deleted now, but it was disabled already: its retries were cancelled then.
        Assert.Empty(directory.Replace([Webhook(1, ["*"], enabled: false, updated: T0.AddMinutes(1))], T0.AddMinutes(6)));
    }

    [Fact]
    public void Delivery_ids_are_stable_per_event_and_webhook_and_sort_by_event_time()
    {
        var earlier = Guid.CreateVersion7(T0);
        var later = Guid.CreateVersion7(T0.AddMilliseconds(5));

        Assert.Equal(DeliveryIds.For(earlier, 1), DeliveryIds.For(earlier, 1));
        Assert.NotEqual(DeliveryIds.For(earlier, 1), DeliveryIds.For(earlier, 2));
        Assert.Equal(7, DeliveryIds.For(earlier, 1).Version);
        // PostgreSQL orders uuids byte by byte, which is the order of their hex text.
        Assert.True(string.CompareOrdinal(DeliveryIds.For(earlier, 99).ToString(), DeliveryIds.For(later, 1).ToString()) < 0);
    }
}
