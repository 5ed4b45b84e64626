using System.Diagnostics;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// "Retries of one webhook never block other webhooks", with receivers that never answer: five hanging
/// webhooks and one healthy one behind a fan-out of 8 event slots. Each event goes to one hanging webhook
/// (round-robin over five stations) and the healthy one, so without the slow lane every event slot
/// holds a 10 s try and the healthy webhook gets about 8 events per 10 s.
/// </summary>
public sealed class SlowLaneTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    private const int Events = 60;
    private const int HangingWebhooks = 5;
    private const int InlinePerWebhook = 2;

    /// <summary>Generous for ~12 s of work; without the slow lane the same run needs about 75 s.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Webhooks_that_never_answer_go_to_the_slow_lane_and_cannot_hold_up_a_healthy_one()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var subscriptions = await FakeSubscriptions.StartAsync();
        var stations = Enumerable.Range(0, HangingWebhooks).Select(i => $"CP-SLOW-{i}").ToArray();
        var hanging = new List<WebhookSubscription>();
        for (var i = 0; i < HangingWebhooks; i++)
        {
            var name = $"hangs-{i}";
            receiver.Behave(name, _ => new Answer(200, Hang: true));
            hanging.Add(subscriptions.Subscribe(name, receiver.Hook(name), [stations[i]]));
        }

        subscriptions.Subscribe("healthy", receiver.Hook("healthy"), stations);

        var vhost = (await infrastructure.CreateVirtualHostAsync()).ToString();
        await using var dispatcher = await DispatcherProcess.StartAsync(new DispatcherProcess.Settings(
            vhost, await infrastructure.CreateDatabaseAsync(), subscriptions.BaseUri,
            RetrySchedule: "10m", Timeout: "00:00:10", Extra: new Dictionary<string, string?>
            {
                ["Delivery__FanOutConcurrency"] = "8",
                ["Delivery__BatchConcurrency"] = "8",
                ["Delivery__InlineConcurrencyPerWebhook"] = InlinePerWebhook.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Delivery__SlowConcurrency"] = "16",
                // PIPELET_SLOW_THRESHOLD=1h turns the slow lane off, to see this test fail without it.
                ["Delivery__SlowThreshold"] = Environment.GetEnvironmentVariable("PIPELET_SLOW_THRESHOLD") ?? "00:00:01",
            }));
        await using var bus = await TestBus.StartAsync(vhost);

        var events = Enumerable.Range(0, Events).Select(i => TestBus.Event(EventCatalogue.MeterValues, stations[i % HangingWebhooks], "{}")).ToList();
        await bus.PublishManyAsync(events);

        await receiver.WaitUntilAsync(r => events.All(e => r.HitsOf("healthy").Any(h => h.EventId == e.EventId)), Patience,
            "every event at the healthy webhook while the others hang");

        // The hanging receivers were tried beyond what the fan-out may hold inline, and each was marked slow.
        await receiver.WaitUntilAsync(r => hanging.All(h => r.ArrivalsOf(h.Settings.Name).Count > InlinePerWebhook), Patience,
            "tries of every hanging webhook beyond its inline ones");
        // Marked once a first try has run into the 10 s timeout, which can come after the healthy webhook has everything.
        var marked = Stopwatch.StartNew();
        while (!hanging.All(h => IsMarkedSlow(dispatcher, h)) && marked.Elapsed < Patience) await Task.Delay(200);
        Assert.All(hanging, h => Assert.True(IsMarkedSlow(dispatcher, h), $"webhook {h.WebhookId} was not marked slow:{Environment.NewLine}{dispatcher.RecentOutput}"));
    }

    private static bool IsMarkedSlow(DispatcherProcess dispatcher, WebhookSubscription webhook) =>
        dispatcher.RecentOutput.Contains($"Webhook {webhook.WebhookId} marked slow", StringComparison.Ordinal);
}
