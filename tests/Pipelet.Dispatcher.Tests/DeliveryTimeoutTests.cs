using Pipelet.Contracts.Events;
using Pipelet.Dispatcher.Delivery;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// The seed's "success is a 2xx within 10 s", with the dispatcher as shipped: no <c>Delivery__Timeout</c> set.
/// The other delivery tests scale the timeout down to 2 s; this one pays the real 10 s once.
/// </summary>
public sealed class DeliveryTimeoutTests(RealInfrastructure infrastructure) : IClassFixture<RealInfrastructure>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task By_default_a_2xx_after_8_s_is_a_success_and_one_after_12_s_is_a_timed_out_attempt()
    {
        var database = await infrastructure.CreateDatabaseAsync();
        var vhost = (await infrastructure.CreateVirtualHostAsync()).ToString();
        await using var receiver = await Receiver.StartAsync();
        await using var subscriptions = await FakeSubscriptions.StartAsync();
        var patient = subscriptions.Subscribe("patient", receiver.Hook("patient"), ["CP-TEN-SECONDS"]);
        var late = subscriptions.Subscribe("late", receiver.Hook("late"), ["CP-TEN-SECONDS"]);
        receiver.Behave("patient", _ => new Answer(200, Delay: TimeSpan.FromSeconds(8)));
        receiver.Behave("late", _ => new Answer(200, Delay: TimeSpan.FromSeconds(12)));

        // A one-hour rung: the failed first try is not retried within the test.
        await using var dispatcher = await DispatcherProcess.StartAsync(
            new DispatcherProcess.Settings(vhost, database, subscriptions.BaseUri, RetrySchedule: "1h", Timeout: null));
        await using var bus = await TestBus.StartAsync(vhost);
        var stationEvent = TestBus.Event(EventCatalogue.Heartbeat, "CP-TEN-SECONDS", "{}");
        await bus.PublishAsync(stationEvent);

        var log = new DeliveryDatabase(database);
        var patientDelivery = DeliveryIds.For(stationEvent.EventId, patient.WebhookId);
        var lateDelivery = DeliveryIds.For(stationEvent.EventId, late.WebhookId);
        const string FirstAttemptLogged = "SELECT EXISTS (SELECT 1 FROM delivery_attempts WHERE delivery_id = $1 AND attempt = 1)";
        await log.WaitUntilAsync(FirstAttemptLogged, Patience, "the patient receiver's attempt", patientDelivery);
        await log.WaitUntilAsync(FirstAttemptLogged, Patience, "the late receiver's attempt", lateDelivery);

        const string Attempt = "SELECT a.status_code, a.error_kind, a.duration_ms, d.status FROM delivery_attempts a JOIN deliveries d USING (delivery_id) WHERE a.delivery_id = $1 AND a.attempt = 1";
        var succeeded = (await log.RowsAsync(Attempt, patientDelivery)).Single();
        Assert.Equal(200, (int?)succeeded[0]);
        Assert.Null(succeeded[1]);
        Assert.True((double)succeeded[2]! >= 8_000, $"answered after {succeeded[2]} ms");
        Assert.Equal("succeeded", succeeded[3]);

        var timedOut = (await log.RowsAsync(Attempt, lateDelivery)).Single();
        Assert.Null(timedOut[0]);
        Assert.Equal("timeout", timedOut[1]);
        // Given up at 10 s, before the receiver's 12 s answer could count. The logged duration is the send's own
        // stopwatch, started a moment after the timeout's timer, so it may read a little under 10 s (9,999.4 ms seen).
        Assert.InRange((double)timedOut[2]!, 9_900, 12_000);
        Assert.Equal("retrying", timedOut[3]);
    }
}
