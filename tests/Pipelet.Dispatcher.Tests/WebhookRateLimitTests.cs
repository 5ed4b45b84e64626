using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests;

/// <summary>A webhook's <c>rate_limit</c> holds over two dispatcher instances together, without failing or counting the tries it delays.</summary>
public sealed class WebhookRateLimitTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Limit = 50;
    private const int Events = 300;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Two_instances_together_never_send_a_limited_webhook_more_than_its_limit_plus_10_percent_in_any_second()
    {
        var infrastructure = new RealInfrastructure();
        await infrastructure.InitializeAsync();
        try
        {
            await RunAsync(infrastructure, output);
        }
        finally
        {
            await infrastructure.DisposeAsync();
        }
    }

    private static async Task RunAsync(RealInfrastructure infrastructure, Xunit.Abstractions.ITestOutputHelper output)
    {
        await using var receiver = await Receiver.StartAsync();
        await using var subscriptions = await FakeSubscriptions.StartAsync();
        var database = new DeliveryDatabase(infrastructure.PostgresConnectionString);
        var limited = FakeSubscriptions.NewWebhook("limited", receiver.Hook("limited"), stations: ["CP-RATE"]);
        limited = limited with { Settings = limited.Settings with { RateLimit = Limit } };
        subscriptions.Put(limited);
        subscriptions.Subscribe("free", receiver.Hook("free"), stations: ["CP-RATE"]);

        var settings = new DispatcherProcess.Settings(infrastructure.RabbitMqConnectionString, infrastructure.PostgresConnectionString, subscriptions.BaseUri);
        await using var first = await DispatcherProcess.StartAsync(settings);
        await using var second = await DispatcherProcess.StartAsync(settings);
        await using var bus = await TestBus.StartAsync(infrastructure.RabbitMqConnectionString);

        var events = Enumerable.Range(0, Events).Select(_ => TestBus.Event(EventCatalogue.MeterValues, "CP-RATE")).ToList();
        foreach (var e in events) await bus.PublishAsync(e);

        // The unlimited webhook is not held up by its limited neighbour: it has everything while the other is still sending.
        await receiver.WaitUntilAsync(r => events.All(e => r.HitsOf("free").Any(h => h.EventId == e.EventId)), Patience, "every event at the free webhook");
        Assert.True(receiver.HitsOf("limited").Count < Events, "the limited webhook got everything as fast as the free one");

        await receiver.WaitUntilAsync(r => r.HitsOf("limited").Select(h => h.EventId).Distinct().Count() == Events, Patience, "every event at the limited webhook");
        // Measured where the limiter acts, when each try started (the log's attempted_at): what the receiver sees adds the
        // network's and the scheduler's jitter, large on this shared two-core machine (printed for the record).
        var sent = (await database.RowsAsync("SELECT attempted_at FROM delivery_attempts WHERE webhook_id = $1 ORDER BY attempted_at", limited.WebhookId))
            .Select(r => (DateTime)r[0]!).ToList();
        var busiestSent = sent.Select((start, i) => sent.Skip(i).TakeWhile(t => t - start < TimeSpan.FromSeconds(1)).Count()).Max();
        var received = receiver.HitsOf("limited").Select(h => h.At).Order().ToList();
        var busiestReceived = received.Select((start, i) => received.Skip(i).TakeWhile(t => t - start < TimeSpan.FromSeconds(1)).Count()).Max();
        output.WriteLine($"{Events} deliveries in {(sent[^1] - sent[0]).TotalSeconds:F1} s; in any one second at most {busiestSent} tries started, " +
            $"{busiestReceived} received (limit {Limit})");
        Assert.True(busiestSent <= Limit * 1.1, $"{busiestSent} tries started in one second, limit {Limit}");

        // Waiting for a token is neither a failure nor an attempt: every delivery succeeded at its first try.
        await database.WaitUntilAsync("SELECT count(*) = $2 FROM deliveries WHERE webhook_id = $1 AND status = 'succeeded' AND attempts = 1",
            Patience, "every delivery logged at its first try", limited.WebhookId, (long)Events);
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM delivery_attempts WHERE webhook_id = $1 AND attempt > 1", limited.WebhookId));
    }
}
