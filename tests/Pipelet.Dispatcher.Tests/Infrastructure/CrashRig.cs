using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>
/// The set-up the crash tests share: one receiver, one webhook that wants every event, and a batch of
/// events of which every <c>failFirstEvery</c>-th fails its first try (so some deliveries sit in the
/// retry queues when the crash comes).
/// </summary>
public sealed class CrashRig : IAsyncDisposable
{
    private CrashRig(Receiver receiver, FakeSubscriptions subscriptions, WebhookSubscription webhook, IReadOnlyList<StationEvent> events)
    {
        Receiver = receiver;
        Subscriptions = subscriptions;
        Webhook = webhook;
        Events = events;
        EventIds = events.Select(e => e.EventId).ToList();
    }

    public Receiver Receiver { get; }
    public FakeSubscriptions Subscriptions { get; }
    public WebhookSubscription Webhook { get; }
    public IReadOnlyList<StationEvent> Events { get; }
    public IReadOnlyList<Guid> EventIds { get; }

    public static async Task<CrashRig> StartAsync(int events, int failFirstEvery)
    {
        var receiver = await Receiver.StartAsync();
        receiver.KeepHits = false;
        var subscriptions = await FakeSubscriptions.StartAsync();
        var webhook = FakeSubscriptions.NewWebhook("crash", receiver.Hook("crash"));
        subscriptions.Put(webhook);
        var batch = Enumerable.Range(0, events).Select(i => TestBus.Event(EventCatalogue.MeterValues, $"CP-{i % 50}", $$"""{"n":{{i}}}""")).ToList();
        var failing = batch.Where((_, i) => failFirstEvery > 0 && i % failFirstEvery == 0).Select(e => e.EventId).ToHashSet();
        receiver.Behave("crash", hit => hit.Attempt == 1 && failing.Contains(hit.EventId) ? new Answer(500) : new Answer(200));
        return new CrashRig(receiver, subscriptions, webhook, batch);
    }

    public long Delivered => Receiver.DistinctEvents;

    public Task WaitForAllAsync(TimeSpan timeout) =>
        Receiver.WaitUntilAsync(r => r.HasAll(EventIds), timeout,
            $"all {Events.Count} events at the receiver (have {Delivered})");

    public Task WaitForDeliveredAsync(int count, TimeSpan timeout) =>
        Receiver.WaitUntilAsync(r => r.DistinctEvents >= count, timeout, $"{count} events at the receiver");

    /// <summary>Extra deliveries beyond one per event (at-least-once allows them; we report them).</summary>
    public long Duplicates => Receiver.EventCounts.Values.Sum(n => (long)n) - Receiver.EventCounts.Count;

    public async ValueTask DisposeAsync()
    {
        await Receiver.DisposeAsync();
        await Subscriptions.DisposeAsync();
    }
}
