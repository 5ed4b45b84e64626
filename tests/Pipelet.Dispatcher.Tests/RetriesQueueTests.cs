using System.Globalization;
using Pipelet.Contracts.Events;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// Retries come off their rungs onto a queue of their own, so a burst of first tries handed off to the deliveries
/// queue cannot delay a retry that is due: here 120 first tries of a receiver that takes 300 ms each, four at a time
/// (about 9 s of work), and meanwhile the 1 s retry of another webhook.
/// </summary>
public sealed class RetriesQueueTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    private const int BusyEvents = 120;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_retry_runs_when_due_while_a_burst_of_handed_off_first_tries_waits()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var subscriptions = await FakeSubscriptions.StartAsync();
        receiver.Behave("busy", _ => new Answer(200, Delay: TimeSpan.FromMilliseconds(300)));
        receiver.Behave("flaky", hit => hit.Attempt == 1 ? new Answer(500) : new Answer(200));
        subscriptions.Subscribe("busy", receiver.Hook("busy"), ["CP-BUSY"]);
        subscriptions.Subscribe("flaky", receiver.Hook("flaky"), ["CP-FLAKY"]);

        var vhost = (await infrastructure.CreateVirtualHostAsync()).ToString();
        await using var dispatcher = await DispatcherProcess.StartAsync(new DispatcherProcess.Settings(
            vhost, await infrastructure.CreateDatabaseAsync(), subscriptions.BaseUri, RetrySchedule: "1s",
            Extra: new Dictionary<string, string?>
            {
                ["Delivery__Concurrency"] = "4",
                // One inline try per webhook and no wait for it: every further first try is handed off.
                ["Delivery__InlineConcurrencyPerWebhook"] = "1",
                ["Delivery__InlineWait"] = "00:00:00",
            }));
        await using var bus = await TestBus.StartAsync(vhost);

        var flaky = TestBus.Event(EventCatalogue.MeterValues, "CP-FLAKY", "{}");
        await bus.PublishAsync(flaky);
        await receiver.WaitUntilAsync(r => r.HitsOf("flaky").Count == 1, Patience, "the flaky webhook's failing first try");

        var busy = Enumerable.Range(0, BusyEvents).Select(i => TestBus.Event(EventCatalogue.MeterValues, "CP-BUSY", $$"""{"n":{{i}}}""")).ToList();
        await bus.PublishManyAsync(busy);

        await receiver.WaitUntilAsync(r => r.HitsOf("flaky").Any(h => h.Attempt == 2), Patience, "the flaky webhook's retry");
        var busyBeforeRetry = receiver.HitsOf("busy").Count;
        Assert.True(busyBeforeRetry < BusyEvents / 2,
            $"the retry came after {busyBeforeRetry} of the {BusyEvents} handed-off first tries: it waited behind them" +
            $"{Environment.NewLine}{dispatcher.RecentOutput}");

        // Nothing of the burst is lost: every first try arrives, once each, as a first try.
        await receiver.WaitUntilAsync(r => busy.All(e => r.HitsOf("busy").Any(h => h.EventId == e.EventId)), Patience, "every busy first try");
        Assert.Equal(BusyEvents, receiver.HitsOf("busy").Select(h => h.EventId).Distinct().Count());
        Assert.Equal(string.Join(",", Enumerable.Repeat("1", BusyEvents)),
            string.Join(",", receiver.HitsOf("busy").Select(h => h.Attempt.ToString(CultureInfo.InvariantCulture))));
    }
}
