using Npgsql;
using Pipelet.LocalServers;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;
using Xunit.Abstractions;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// "Never lose an event": crash the dispatcher, restart the broker, take the database away, run two
/// instances. Each run checks that every event id reached the receiver at least once, and reports
/// how many duplicates the crash cost.
/// </summary>
public sealed class CrashTests(RealInfrastructure infrastructure, ITestOutputHelper output) : IClassFixture<RealInfrastructure>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>Events in the kill -9 run: the issue's 10,000 (<c>PIPELET_CRASH_EVENTS</c> changes it for a soak).</summary>
    private static int KillRunEvents => int.TryParse(Environment.GetEnvironmentVariable("PIPELET_CRASH_EVENTS"), out var n) ? n : 10_000;

    /// <summary>
    /// Longer than a consumer's retries in place (about 19 s, <c>FailureHandling</c>): the log's writer
    /// retries on its own and the acknowledgements wait for it, so no consume may fail for the outage.
    /// </summary>
    private static readonly TimeSpan DatabaseOutage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Kill_9_in_the_middle_of_a_run_loses_none()
    {
        var database = await infrastructure.CreateDatabaseAsync();
        var vhost = (await infrastructure.CreateVirtualHostAsync()).ToString();
        await using var rig = await CrashRig.StartAsync(events: KillRunEvents, failFirstEvery: 10);
        var settings = new DispatcherProcess.Settings(vhost, database, rig.Subscriptions.BaseUri);

        var first = await DispatcherProcess.StartAsync(settings);
        await using var bus = await TestBus.StartAsync(vhost);
        var publishing = bus.PublishManyAsync(rig.Events);
        try
        {
            await rig.WaitForDeliveredAsync(rig.Events.Count * 3 / 10, Patience);
        }
        finally
        {
            first.KillHard();
            await first.DisposeAsync();
        }

        var atCrash = rig.Delivered;
        await publishing;
        await using var second = await DispatcherProcess.StartAsync(settings);
        await rig.WaitForAllAsync(Patience);

        output.WriteLine($"kill -9 after {atCrash} of {rig.Events.Count} events: all delivered, {rig.Duplicates} duplicates");
        await AssertLoggedAsync(database, rig);
    }

    [Fact]
    public async Task A_broker_restart_mid_run_loses_none()
    {
        var directory = Directory.CreateTempSubdirectory("pipelet-dispatcher-broker-").FullName;
        var broker = await RabbitMqServer.StartAsync(directory);
        await using var proxy = new TcpProxy("127.0.0.1", broker.Port);
        DispatcherProcess? dispatcher = null;
        try
        {
            var rabbit = $"amqp://guest:guest@127.0.0.1:{proxy.Port}/";
            var database = await infrastructure.CreateDatabaseAsync();
            await using var rig = await CrashRig.StartAsync(events: 2_000, failFirstEvery: 5);
            var settings = new DispatcherProcess.Settings(rabbit, database, rig.Subscriptions.BaseUri,
                Extra: new Dictionary<string, string?> { ["Delivery__BusStallTimeout"] = "00:00:15" });
            dispatcher = await DispatcherProcess.StartAsync(settings);
            await using var bus = await TestBus.StartAsync(rabbit);
            await bus.PublishManyAsync(rig.Events.Take(1_500));
            await rig.WaitForDeliveredAsync(600, Patience);

            // A real restart of the broker process; clients see refused connections meanwhile.
            await proxy.PauseAsync();
            await broker.StopAsync();
            var atRestart = rig.Delivered;
            broker = await RabbitMqServer.StartAsync(directory);
            proxy.Resume(broker.Port);
            await bus.PublishManyAsync(rig.Events.Skip(1_500));

            // Play the supervisor: MassTransit can lose a receive endpoint in the restart (MassTransitTopologySetupTests);
            // the watchdog then exits, and a fresh process takes the work.
            var restarts = 0;
            var all = rig.WaitForAllAsync(Patience);
            while (await Task.WhenAny(all, dispatcher.Exited) != all)
            {
                restarts++;
                await dispatcher.DisposeAsync();
                dispatcher = await DispatcherProcess.StartAsync(settings);
            }

            await WithOutputOnFailure(all, dispatcher);
            output.WriteLine($"broker restarted after {atRestart} of {rig.Events.Count} events: all delivered, {rig.Duplicates} duplicates, " +
                             $"{restarts} dispatcher restart(s) by the bus watchdog");
            await AssertLoggedAsync(database, rig);
        }
        finally
        {
            if (dispatcher is not null) await dispatcher.DisposeAsync();
            await broker.StopAsync();
            TryDelete(directory);
        }
    }

    [Fact]
    public async Task PostgreSQL_unavailable_for_a_while_loses_none()
    {
        var directory = Directory.CreateTempSubdirectory("pipelet-dispatcher-postgres-").FullName;
        var postgres = await PostgresServer.StartAsync(directory, durable: false);
        await using var proxy = new TcpProxy("127.0.0.1", postgres.Port);
        try
        {
            await postgres.CreateDatabaseAsync("dispatcherdb");
            var database = new NpgsqlConnectionStringBuilder(postgres.ConnectionString("dispatcherdb")) { Port = proxy.Port }.ConnectionString;
            var vhost = (await infrastructure.CreateVirtualHostAsync()).ToString();
            await using var rig = await CrashRig.StartAsync(events: 2_000, failFirstEvery: 5);
            await using var dispatcher = await DispatcherProcess.StartAsync(new DispatcherProcess.Settings(vhost, database, rig.Subscriptions.BaseUri));
            await using var bus = await TestBus.StartAsync(vhost);
            var publishing = bus.PublishManyAsync(rig.Events);
            await rig.WaitForDeliveredAsync(600, Patience);

            await proxy.PauseAsync();
            await postgres.StopAsync();
            var atOutage = rig.Delivered;
            await Task.Delay(DatabaseOutage); // the dispatcher keeps running without its log
            var duringOutage = rig.Delivered;
            postgres = await PostgresServer.StartAsync(directory, durable: false);
            proxy.Resume(postgres.Port);

            await publishing;
            await rig.WaitForAllAsync(Patience);
            output.WriteLine($"PostgreSQL down after {atOutage} events ({duringOutage - atOutage} more reached the receiver meanwhile, unacknowledged): all {rig.Events.Count} delivered, {rig.Duplicates} duplicates");
            await AssertLoggedAsync(database, rig);
        }
        finally
        {
            await postgres.StopAsync();
            TryDelete(directory);
        }
    }

    [Fact]
    public async Task Two_instances_share_the_work_and_deliver_everything()
    {
        var database = await infrastructure.CreateDatabaseAsync();
        var vhost = (await infrastructure.CreateVirtualHostAsync()).ToString();
        await using var rig = await CrashRig.StartAsync(events: 2_000, failFirstEvery: 10);
        // A second webhook for every event, on a receiver of its own, disabled half way through the run.
        await using var secondReceiver = await Receiver.StartAsync();
        var second = FakeSubscriptions.NewWebhook("second", secondReceiver.Hook("second"));
        rig.Subscriptions.Put(second);
        var settings = new DispatcherProcess.Settings(vhost, database, rig.Subscriptions.BaseUri,
            // The delivery log's batch line: each instance says when it made deliveries.
            Extra: new Dictionary<string, string?> { ["Logging__LogLevel__Pipelet.Dispatcher.Data.DeliveryLog"] = "Debug" },
            Watch: [DeliveryRecordsWritten, StoppedTaking(second.WebhookId)]);
        await using var first = await DispatcherProcess.StartAsync(settings);
        await using var other = await DispatcherProcess.StartAsync(settings);
        DispatcherProcess[] instances = [first, other];
        await using var bus = await TestBus.StartAsync(vhost);

        var (before, after) = (rig.Events.Take(1_000).ToList(), rig.Events.Skip(1_000).ToList());
        await bus.PublishManyAsync(before);
        await WithOutputOnFailure(secondReceiver.WaitUntilAsync(r => r.HasAll(before.Select(e => e.EventId).ToList()), Patience, "the first half at the second webhook"), instances);

        // As the subscription service does it: its list first, then the change on the bus, which every instance gets.
        var disabled = FakeSubscriptions.Disabled(second);
        rig.Subscriptions.Put(disabled);
        await bus.UpsertAsync(disabled);
        foreach (var instance in instances)
        {
            await WithOutputOnFailure(WaitForOutputAsync(instance, StoppedTaking(second.WebhookId)), instance);
        }

        var wroteBefore = instances.Select(i => i.LinesContaining(DeliveryRecordsWritten)).ToArray();
        var secondHitsBefore = secondReceiver.TotalHits;
        await bus.PublishManyAsync(after);
        await WithOutputOnFailure(rig.WaitForAllAsync(Patience), instances);

        var wroteAfter = instances.Select(i => i.LinesContaining(DeliveryRecordsWritten)).ToArray();
        output.WriteLine($"two instances: all {rig.Events.Count} delivered, {rig.Duplicates} duplicates; delivery log batches written " +
                         $"before the change {string.Join(" and ", wroteBefore)}, after it {string.Join(" and ", wroteAfter.Zip(wroteBefore, (a, b) => a - b))}");
        // Both shared the work after the change too, and neither delivered anything more to the disabled webhook.
        Assert.All(wroteAfter.Zip(wroteBefore), w => Assert.True(w.First > w.Second, "an instance made no deliveries after the change"));
        Assert.Equal(secondHitsBefore, secondReceiver.TotalHits);
        Assert.DoesNotContain(after, e => secondReceiver.EventCounts.ContainsKey(e.EventId));
        await AssertLoggedAsync(database, rig);
        // The second webhook's tries in flight when it was disabled (a 2 s timeout on a busy machine) end cancelled;
        // every other delivery to it succeeded with its 200 logged.
        Assert.Equal(0L, await new DeliveryDatabase(database).ScalarAsync<long>("""
            SELECT count(*) FROM deliveries d WHERE d.webhook_id = $1 AND d.status <> 'cancelled'
              AND NOT EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.delivery_id = d.delivery_id AND a.status_code = 200)
            """, second.WebhookId));
    }

    private const string DeliveryRecordsWritten = "delivery records in";

    private static string StoppedTaking(long webhookId) => $"Webhook {webhookId} is disabled or deleted";

    private static async Task WaitForOutputAsync(DispatcherProcess instance, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (instance.LinesContaining(text) == 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for the dispatcher to say: {text}");
            await Task.Delay(50);
        }
    }

    private async Task WithOutputOnFailure(Task task, params DispatcherProcess[] dispatchers)
    {
        try
        {
            await task;
        }
        catch
        {
            foreach (var d in dispatchers) output.WriteLine(d.RecentOutput);
            throw;
        }
    }

    /// <summary>Every delivery to the rig's webhook is in the log as succeeded, each with its successful attempt.</summary>
    private static async Task AssertLoggedAsync(string connectionString, CrashRig rig)
    {
        var database = new DeliveryDatabase(connectionString);
        await database.WaitUntilAsync("SELECT count(*) = $1 FROM deliveries WHERE status = 'succeeded' AND webhook_id = $2", TimeSpan.FromSeconds(60),
            "every delivery logged as succeeded", (long)rig.Events.Count, rig.Webhook.WebhookId);
        Assert.Equal(0L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM deliveries d WHERE d.webhook_id = $1 AND NOT EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.delivery_id = d.delivery_id AND a.status_code = 200)",
            rig.Webhook.WebhookId));
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
