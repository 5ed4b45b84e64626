using System.Diagnostics;
using Pipelet.Contracts.Events;
using Pipelet.Dispatcher.Delivery;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;
using RabbitMQ.Client;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// One bus message carries many station events: every event of it is delivered, and the message is
/// acknowledged only once every webhook outcome of every event in it is durable.
/// </summary>
public sealed class BatchTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_batch_with_a_failing_and_a_held_receiver_among_healthy_ones_is_acknowledged_only_when_every_outcome_is_durable()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var subscriptions = await FakeSubscriptions.StartAsync();
        var healthy = subscriptions.Subscribe("healthy", receiver.Hook("healthy"), ["CP-BATCH-OK", "CP-BATCH-FAIL", "CP-BATCH-HELD"]);
        var failing = subscriptions.Subscribe("failing", receiver.Hook("failing"), ["CP-BATCH-FAIL"]);
        var held = subscriptions.Subscribe("held", receiver.Hook("held"), ["CP-BATCH-HELD"]);
        receiver.Behave("failing", hit => hit.Attempt == 1 ? new Answer(500, Body: "not yet") : new Answer(200));
        var holding = true;
        receiver.Behave("held", _ => Volatile.Read(ref holding) ? new Answer(200, Hang: true) : new Answer(200));

        var events = Enumerable.Range(0, 6).Select(i => TestBus.Event(EventCatalogue.MeterValues, "CP-BATCH-OK", $$"""{"n":{{i}}}"""))
            .Append(TestBus.Event(EventCatalogue.MeterValues, "CP-BATCH-FAIL", "{}"))
            .Append(TestBus.Event(EventCatalogue.MeterValues, "CP-BATCH-HELD", "{}"))
            .ToList();
        var failingEvent = events[^2];
        var heldEvent = events[^1];

        var database = await infrastructure.CreateDatabaseAsync();
        var vhost = (await infrastructure.CreateVirtualHostAsync()).ToString();
        // A timeout far beyond the test's waits: the held try is still in flight when the dispatcher dies.
        var settings = new DispatcherProcess.Settings(vhost, database, subscriptions.BaseUri, Timeout: "00:01:00");
        var log = new DeliveryDatabase(database);
        var first = await DispatcherProcess.StartAsync(settings);
        await using var bus = await TestBus.StartAsync(vhost);
        try
        {
            using var trace = new Activity("gateway publish").Start();
            await bus.PublishBatchAsync(events);

            // Every other outcome is durable: the healthy deliveries logged, the failing one's retry scheduled.
            await receiver.WaitUntilAsync(r =>
                events.All(e => r.HitsOf(healthy.Settings.Name).Any(h => h.EventId == e.EventId)) &&
                r.HitsOf(failing.Settings.Name).Any(h => h.EventId == failingEvent.EventId) &&
                r.ArrivalsOf(held.Settings.Name).Any(h => h.EventId == heldEvent.EventId), Patience, "every first try, the held one in flight");
            await log.WaitUntilAsync("SELECT count(*) = $1 FROM deliveries WHERE webhook_id = $2 AND status = 'succeeded'", Patience,
                "the healthy deliveries logged", (long)events.Count, healthy.WebhookId);
            await log.WaitUntilAsync("SELECT EXISTS (SELECT 1 FROM deliveries WHERE delivery_id = $1 AND status = 'retrying')", Patience,
                "the failing delivery's retry logged", DeliveryIds.For(failingEvent.EventId, failing.WebhookId));
            Assert.All(receiver.HitsOf(healthy.Settings.Name), h => Assert.Equal(trace.TraceId.ToString(), h.Header("traceparent").Split('-')[1]));
        }
        finally
        {
            first.KillHard();
            await first.DisposeAsync();
        }

        // The held event had no outcome yet, so its batch was not acknowledged: the broker has it back, whole.
        Assert.Equal(1u, await WaitForReadyMessagesAsync(vhost, RetryQueues.StationEvents, expected: 1));

        Volatile.Write(ref holding, false);
        await using var second = await DispatcherProcess.StartAsync(settings);
        await log.WaitUntilAsync("SELECT count(*) = $1 FROM deliveries WHERE status = 'succeeded'", Patience,
            "every delivery of the batch succeeded", (long)events.Count + 2);

        // The redelivered batch resumed each event from the log: the healthy receiver got every event once.
        Assert.All(events, e => Assert.Single(receiver.HitsOf(healthy.Settings.Name), h => h.EventId == e.EventId));
        Assert.Single(receiver.ArrivalsOf(held.Settings.Name), h => h.EventId == heldEvent.EventId); // the try the crash cut off
        Assert.Single(receiver.HitsOf(held.Settings.Name), h => h.EventId == heldEvent.EventId);     // and the one after the restart
        Assert.Contains(receiver.HitsOf(failing.Settings.Name), h => h.EventId == failingEvent.EventId && h.Attempt == 2);
    }

    /// <summary>Ready messages in a queue (unacknowledged ones are not counted), once it reaches <paramref name="expected"/> or after a while.</summary>
    private static async Task<uint> WaitForReadyMessagesAsync(string vhost, string queue, uint expected)
    {
        var factory = new ConnectionFactory { Uri = new Uri(vhost) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var deadline = Stopwatch.StartNew();
        uint count;
        while ((count = (await channel.QueueDeclarePassiveAsync(queue)).MessageCount) != expected && deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100);
        }

        return count;
    }
}
