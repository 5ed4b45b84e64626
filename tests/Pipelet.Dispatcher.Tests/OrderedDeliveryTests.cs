using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// <c>ordering: "station"</c>: over two dispatcher instances, one station's events reach the webhook in the order they were
/// published (the order the gateway answered them), however often the receiver fails, while other stations and other
/// webhooks go on.
/// </summary>
public sealed class OrderedDeliveryTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Bound = "bound to the station events";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly System.Diagnostics.Stopwatch _clock = new();

    private void Mark(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds:F1} s: {what}");

    [Fact]
    public Task Two_instances_and_a_receiver_failing_30_percent_at_random_keep_every_station_in_order() => WithInfrastructureAsync(async infrastructure =>
    {
        const int Stations = 8;
        const int EventsPerStation = 40;
        await using var receiver = await Receiver.StartAsync();
        // 30% of all tries fail, whatever the event: a failed try must hold back that station's later events.
        var answered = new System.Collections.Concurrent.ConcurrentQueue<(Guid EventId, bool Accepted)>();
        receiver.Behave("ordered", hit =>
        {
            var accepted = Random.Shared.NextDouble() >= 0.3;
            answered.Enqueue((hit.EventId, accepted));
            return new Answer(accepted ? 200 : 500);
        });
        await using var subscriptions = await FakeSubscriptions.StartAsync();
        var ordered = Ordered(FakeSubscriptions.NewWebhook("ordered", receiver.Hook("ordered")));
        subscriptions.Put(ordered);
        subscriptions.Subscribe("parallel", receiver.Hook("parallel"));

        await using var first = await StartDispatcherAsync(infrastructure, subscriptions);
        await using var second = await StartDispatcherAsync(infrastructure, subscriptions);
        Mark("dispatchers started");
        await WaitUntilBoundAsync(first, second);
        Mark("ordered queue bound");
        await using var bus = await TestBus.StartAsync(infrastructure.RabbitMqConnectionString);

        // Stations interleaved in batches of 1 to 10 events, each batch confirmed before the next, as the gateway publishes.
        var stations = Enumerable.Range(1, Stations).Select(i => $"CP-ORD-{i}").ToArray();
        var pending = stations.ToDictionary(s => s, _ => EventsPerStation);
        var published = new List<StationEvent>();
        while (pending.Values.Any(n => n > 0))
        {
            var batch = new List<StationEvent>();
            for (var size = Random.Shared.Next(1, 11); size > 0 && pending.Values.Any(n => n > 0); size--)
            {
                var station = pending.Where(p => p.Value > 0).ElementAt(Random.Shared.Next(pending.Count(p => p.Value > 0))).Key;
                pending[station]--;
                batch.Add(TestBus.Event(EventCatalogue.MeterValues, station));
            }

            await bus.PublishBatchAsync(batch);
            published.AddRange(batch);
        }

        Mark("published");
        var ids = published.Select(e => e.EventId).ToHashSet();
        await receiver.WaitUntilAsync(_ => ids.IsSubsetOf(answered.Where(a => a.Accepted).Select(a => a.EventId)), Patience,
            "every event accepted by the ordered webhook");
        await receiver.WaitUntilAsync(r => ids.IsSubsetOf(r.HitsOf("parallel").Select(h => h.EventId)), Patience, "every event at the parallel webhook");

        var requests = answered.ToList();
        var byEvent = published.ToDictionary(e => e.EventId, e => e.StationId);
        foreach (var station in stations)
        {
            var expected = published.Where(e => e.StationId == station).Select(e => e.EventId).ToList();
            // What the receiver accepted, duplicates left out, is the published order.
            Assert.Equal(expected, requests.Where(a => a.Accepted && byEvent[a.EventId] == station).Select(a => a.EventId).Distinct().ToList());
            // And no event was even tried before the one ahead of it had been accepted.
            Assert.Equal(expected, requests.Where(a => byEvent[a.EventId] == station).Select(a => a.EventId).Distinct().ToList());
        }

        var failures = requests.Count(a => !a.Accepted);
        output.WriteLine($"{published.Count} events over {Stations} stations: {requests.Count} requests to the ordered webhook, {failures} failed");
        Assert.True(failures > 0, "the receiver failed no try: the test proved nothing");

        // The lanes are empty again and every ordered delivery is logged as delivered.
        var database = new DeliveryDatabase(infrastructure.PostgresConnectionString);
        await database.WaitUntilAsync("SELECT NOT EXISTS (SELECT 1 FROM ordered_lanes) AND NOT EXISTS (SELECT 1 FROM ordered_deliveries)", Patience, "empty lanes");
        Assert.Equal(published.Count, await database.ScalarAsync<long>(
            "SELECT count(*) FROM deliveries WHERE webhook_id = $1 AND status = 'succeeded'", ordered.WebhookId));
    });

    [Fact]
    public Task The_order_holds_when_the_instance_consuming_the_ordered_queue_crashes_midway() => WithInfrastructureAsync(async infrastructure =>
    {
        const int Stations = 4;
        const int Batches = 150;
        await using var receiver = await Receiver.StartAsync();
        var answered = new System.Collections.Concurrent.ConcurrentQueue<Guid>();
        receiver.Behave("ordered", hit =>
        {
            answered.Enqueue(hit.EventId);
            return new Answer(200);
        });
        await using var subscriptions = await FakeSubscriptions.StartAsync();
        subscriptions.Put(Ordered(FakeSubscriptions.NewWebhook("ordered", receiver.Hook("ordered"))));

        // The first instance to subscribe is the queue's active consumer; the second takes over when it is gone.
        var first = await StartDispatcherAsync(infrastructure, subscriptions);
        await using var second = await StartDispatcherAsync(infrastructure, subscriptions);
        await WaitUntilBoundAsync(first, second);
        await using var bus = await TestBus.StartAsync(infrastructure.RabbitMqConnectionString);

        var stations = Enumerable.Range(1, Stations).Select(i => $"CP-CRASH-{i}").ToArray();
        var published = new List<StationEvent>();
        try
        {
            for (var i = 0; i < Batches; i++)
            {
                var batch = Enumerable.Range(0, Random.Shared.Next(1, 4))
                    .Select(_ => TestBus.Event(EventCatalogue.MeterValues, stations[Random.Shared.Next(Stations)])).ToList();
                await bus.PublishBatchAsync(batch);
                published.AddRange(batch);
                if (i == Batches / 3)
                {
                    await receiver.WaitUntilAsync(_ => !answered.IsEmpty, Patience, "the first deliveries");
                    first.KillHard();
                    Mark("first instance killed");
                }

                // Spread over a few seconds, so that batches are still arriving while the second instance takes over.
                await Task.Delay(10);
            }

            Mark("published");
            var ids = published.Select(e => e.EventId).ToHashSet();
            // Lanes the killed instance held wait out their lease (the send timeout plus 30 s), then go on.
            await receiver.WaitUntilAsync(_ => ids.IsSubsetOf(answered), Patience, "every event at the ordered webhook");
        }
        finally
        {
            await first.DisposeAsync();
        }

        var requests = answered.ToList();
        foreach (var station in stations)
        {
            var expected = published.Where(e => e.StationId == station).Select(e => e.EventId).ToList();
            Assert.Equal(expected, requests.Where(id => expected.Contains(id)).Distinct().ToList());
        }

        output.WriteLine($"{published.Count} events, {requests.Count} requests ({requests.Count - requests.Distinct().Count()} duplicates)");
    });

    [Fact]
    public Task A_failing_event_holds_back_its_station_only_until_it_succeeds() => WithInfrastructureAsync(async infrastructure =>
    {
        await using var receiver = await Receiver.StartAsync();
        var stuck = TestBus.Event(EventCatalogue.MeterValues, "CP-HELD");
        var release = false;
        receiver.Behave("ordered", hit => hit.EventId == stuck.EventId && !Volatile.Read(ref release) ? new Answer(503) : new Answer(200));
        await using var subscriptions = await FakeSubscriptions.StartAsync();
        var ordered = Ordered(FakeSubscriptions.NewWebhook("ordered", receiver.Hook("ordered")));
        subscriptions.Put(ordered);

        // A ladder long enough (5 s) that the stuck event is still being retried when the test lets it through.
        await using var first = await StartDispatcherAsync(infrastructure, subscriptions, rungs: 50);
        await using var second = await StartDispatcherAsync(infrastructure, subscriptions, rungs: 50);
        Mark("dispatchers started");
        await WaitUntilBoundAsync(first, second);
        Mark("ordered queue bound");
        await using var bus = await TestBus.StartAsync(infrastructure.RabbitMqConnectionString);

        var before = TestBus.Event(EventCatalogue.MeterValues, "CP-HELD");
        var after = Enumerable.Range(0, 3).Select(_ => TestBus.Event(EventCatalogue.MeterValues, "CP-HELD")).ToList();
        var other = Enumerable.Range(0, 5).Select(_ => TestBus.Event(EventCatalogue.MeterValues, "CP-FREE")).ToList();
        await bus.PublishBatchAsync([before, stuck]);
        await bus.PublishBatchAsync([.. after, .. other]);

        // The other station is not held up, and the stuck event is tried again and again while its successors wait.
        await receiver.WaitUntilAsync(r => other.All(e => r.EventCounts.ContainsKey(e.EventId))
            && r.HitsOf("ordered").Count(h => h.EventId == stuck.EventId) >= 3, Patience, "the free station's events and three tries of the stuck one");
        Assert.DoesNotContain(receiver.HitsOf("ordered"), h => after.Any(e => e.EventId == h.EventId));
        // The API shows what waits in the webhook's lanes: the stuck event and the three behind it.
        var health = await Pipelet.Client.PipeletClient.Create(first.BaseUri, FakeSubscriptions.AdminKey).Deliveries.GetHealthAsync(ordered.WebhookId);
        Assert.Equal(4, health.OrderedWaiting);


        Mark("held back");
        Volatile.Write(ref release, true);
        await receiver.WaitUntilAsync(r => after.All(e => r.EventCounts.ContainsKey(e.EventId)), Patience, "the held-back events");
        var held = receiver.HitsOf("ordered").Where(h => other.All(o => o.EventId != h.EventId)).Select(h => h.EventId).Distinct().ToList();
        Assert.Equal([before.EventId, stuck.EventId, .. after.Select(e => e.EventId)], held);
    });

    [Fact]
    public Task Without_an_ordered_webhook_the_ordered_queue_gets_nothing() => WithInfrastructureAsync(async infrastructure =>
    {
        await using var receiver = await Receiver.StartAsync();
        await using var subscriptions = await FakeSubscriptions.StartAsync();
        subscriptions.Subscribe("parallel", receiver.Hook("parallel"));
        await (await StartDispatcherAsync(infrastructure, subscriptions)).DisposeAsync();

        // With no dispatcher consuming, a published batch waits in every queue bound to the station events.
        await using (var bus = await TestBus.StartAsync(infrastructure.RabbitMqConnectionString))
        {
            await bus.PublishAsync(TestBus.Event(EventCatalogue.MeterValues, "CP-UNORDERED"));
        }

        await using var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(infrastructure.RabbitMqConnectionString) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync("dispatcher-station-events")).MessageCount);
        Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync(Ordering.OrderedRoute.Queue)).MessageCount);
        // Declared as ordered delivery needs it: durable and classic, one active consumer at a time (a different declaration would be refused).
        await channel.QueueDeclareAsync(Ordering.OrderedRoute.Queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-single-active-consumer"] = true });
    });

    private static WebhookSubscription Ordered(WebhookSubscription webhook) =>
        webhook with { Settings = webhook.Settings with { Ordering = WebhookOrdering.Station } };

    private async Task WithInfrastructureAsync(Func<RealInfrastructure, Task> test)
    {
        var infrastructure = new RealInfrastructure();
        await infrastructure.InitializeAsync();
        try
        {
            _clock.Restart();
            await test(infrastructure);
            Mark("done");
        }
        finally
        {
            await infrastructure.DisposeAsync();
        }
    }

    /// <param name="rungs">Short waits, and enough of them by default that a 30% failure rate dead-letters nothing (0.3^13 per event).</param>
    private static Task<DispatcherProcess> StartDispatcherAsync(RealInfrastructure infrastructure, FakeSubscriptions subscriptions, int rungs = 12) =>
        DispatcherProcess.StartAsync(new DispatcherProcess.Settings(
            infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString, subscriptions.BaseUri,
            RetrySchedule: string.Join(',', Enumerable.Repeat("100ms", rungs)),
            Extra: new Dictionary<string, string?> { ["Delivery__OrderedPollInterval"] = "00:00:00.100" },
            Watch: [Bound]));

    /// <summary>Each instance leaves ordered webhooks to their lanes once it has bound the ordered queue.</summary>
    private static async Task WaitUntilBoundAsync(params DispatcherProcess[] dispatchers)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (dispatchers.Any(d => d.LinesContaining(Bound) == 0))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The dispatchers did not bind the ordered queue:\n" + dispatchers[0].RecentOutput);
            await Task.Delay(100);
        }
    }
}
