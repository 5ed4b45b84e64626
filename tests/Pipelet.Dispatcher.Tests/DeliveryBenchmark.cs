using System.Diagnostics;
using System.Net.Http.Headers;
using Pipelet.Contracts.Events;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;
using Pipelet.Webhooks;
using Xunit.Abstractions;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// Sustained deliveries per second with every attempt logged, against a fast local receiver, next to
/// the limit of a bare HttpClient POST loop to the same receiver; retry lateness; dispatcher memory.
/// The events travel as the gateway publishes them under load: <c>PIPELET_BENCH_BATCH</c> events per
/// <see cref="StationEventBatch"/> message (default 64, the gateway's limit; 1 = one event per message).
/// Run: <c>PIPELET_BENCH=1 dotnet test tests/Pipelet.Dispatcher.Tests -c Release --filter "FullyQualifiedName~DeliveryBenchmark" --logger "console;verbosity=detailed"</c>.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class DeliveryBenchmark(RealInfrastructure infrastructure, ITestOutputHelper output) : IClassFixture<RealInfrastructure>
{
    /// <summary>
    /// Events measured. 100,000 (since session 7; 20,000 before) keep the dispatcher saturated for about 20 s, so the
    /// backlog forming and the last retries sitting out their rung weigh little beside the sustained rate.
    /// </summary>
    private static int Events => int.TryParse(Environment.GetEnvironmentVariable("PIPELET_BENCH_EVENTS"), out var n) ? n : 100_000;

    /// <summary>
    /// Events delivered before measuring, so the dispatcher's JIT has tiered up (a service runs for days). After
    /// 3,000 (the default until session 6) its JIT thread still took a quarter of its CPU while measuring.
    /// </summary>
    private static int WarmUp => int.TryParse(Environment.GetEnvironmentVariable("PIPELET_BENCH_WARMUP"), out var n) ? n : 30_000;

    /// <summary>
    /// Every n-th event fails its first try (<c>PIPELET_BENCH_FAIL_EVERY</c>, default 20; 0 = none fail), so the run
    /// also measures how late the 1 s rung fires; 0 shows what the batches alone cost, without the retries.
    /// </summary>
    private static int FailFirstEvery => int.TryParse(Environment.GetEnvironmentVariable("PIPELET_BENCH_FAIL_EVERY"), out var n) ? n : 20;

    [BenchmarkFact]
    public async Task Deliveries_per_second_with_every_attempt_logged()
    {
        var database = await infrastructure.CreateDatabaseAsync();
        var vhost = (await infrastructure.CreateVirtualHostAsync()).ToString();
        await using var rig = await CrashRig.StartAsync(events: Events, failFirstEvery: FailFirstEvery);

        // The limit: the same bodies, POSTed by a bare HttpClient loop with the same parallelism.
        var bareSelfBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var bareMachineBefore = ProcessCpu.Machine();
        var bare = await BareLoopAsync(rig);
        var bareSelf = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - bareSelfBefore;
        var bareMachine = ProcessCpu.Machine();
        var bareMicros = bareSelf * 1e6 / rig.Events.Count;
        output.WriteLine($"bare HttpClient loop: {rig.Events.Count} POSTs in {bare.TotalSeconds:F1} s = {rig.Events.Count / bare.TotalSeconds:F0}/s; " +
                         $"{bareMicros:F0} us CPU per POST (client and receiver, one process); whole box " +
                         $"{(bareMachine.Busy - bareMachineBefore.Busy) / (bareMachine.Total - bareMachineBefore.Total) * 200:F0} of 200 % busy");
        rig.Receiver.EventCountsClear();

        await using var dispatcher = await DispatcherProcess.StartAsync(new DispatcherProcess.Settings(vhost, database, rig.Subscriptions.BaseUri,
            Extra: new Dictionary<string, string?> { ["Logging__LogLevel__Default"] = "Warning" }, Watch: [Paused, DeadLettered]));
        await using var bus = await TestBus.StartAsync(vhost);
        if (WarmUp > 0)
        {
            var warmUp = Enumerable.Range(0, WarmUp).Select(i => TestBus.Event(EventCatalogue.MeterValues, $"CP-{i % 50}", $$"""{"n":{{i}}}""")).ToList();
            await bus.PublishManyAsync(warmUp);
            var warmUpIds = warmUp.Select(e => e.EventId).ToList();
            await Explained(dispatcher, rig.Receiver.WaitUntilAsync(r => r.HasAll(warmUpIds), TimeSpan.FromMinutes(3), "the warm-up events"));
            rig.Receiver.EventCountsClear();
            output.WriteLine($"warm-up: {WarmUp} events delivered");
        }

        // Publish while the dispatcher drains (the test's publisher competes for the same two cores).
        var broker = infrastructure.Servers.PrivateRabbitMq?.Process.Id;
        var cpuBefore = dispatcher.CpuSeconds();
        var brokerBefore = broker is { } b0 ? ProcessCpu.TreeSeconds(b0) : 0;
        var databaseServer = infrastructure.Servers.PrivatePostgres?.Process.Id;
        var databaseBefore = databaseServer is { } d0 ? ProcessCpu.TreeSeconds(d0) : 0;
        var machineBefore = ProcessCpu.Machine();
        var selfBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var publish = Stopwatch.StartNew();
        await using var progress = DeliveryProgress.Start(rig.Receiver);
        await bus.PublishManyAsync(rig.Events);
        output.WriteLine($"published {rig.Events.Count} events in {(rig.Events.Count + TestBus.BatchSize - 1) / TestBus.BatchSize} messages of up to {TestBus.BatchSize} " +
                         $"in {publish.Elapsed.TotalSeconds:F1} s ({rig.Events.Count / publish.Elapsed.TotalSeconds:F0}/s), delivered meanwhile {rig.Delivered}");
        var drain = Stopwatch.StartNew();
        var before = rig.Delivered;
        await Explained(dispatcher, rig.WaitForAllAsync(TimeSpan.FromMinutes(5)));
        var total = publish.Elapsed;
        var cpu = dispatcher.CpuSeconds() - cpuBefore;
        var brokerCpu = broker is { } b1 ? ProcessCpu.TreeSeconds(b1) - brokerBefore : double.NaN;
        var databaseCpu = databaseServer is { } d1 ? ProcessCpu.TreeSeconds(d1) - databaseBefore : double.NaN;
        var machine = ProcessCpu.Machine();
        var machineTotal = machine.Total - machineBefore.Total;
        var selfCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - selfBefore;
        output.WriteLine($"dispatcher: {rig.Events.Count} deliveries end to end in {total.TotalSeconds:F1} s = {rig.Events.Count / total.TotalSeconds:F0}/s; " +
                         $"draining the backlog of {rig.Events.Count - before}: {(rig.Events.Count - before) / drain.Elapsed.TotalSeconds:F0}/s");
        // The end to end figure includes the backlog forming and the last retries sitting out their 1 s rung.
        var (sustained, attempts, opened, closed) = progress.Between(0.1, 0.9, rig.Events.Count);
        output.WriteLine($"sustained, from 10 % to 90 % of the events delivered ({opened:F1} s to {closed:F1} s of {total.TotalSeconds:F1} s): " +
                         $"{sustained:F0} deliveries/s, {attempts:F0} attempts/s (first tries and retries, failed or not)");
        output.WriteLine($"dispatcher CPU: {cpu:F1} s = {cpu * 1000 / rig.Events.Count:F2} ms per delivery (retries included), " +
                         $"{cpu / total.TotalSeconds * 100:F0}% of one core; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        // In microseconds per delivery, every process the delivery costs: on a saturated box their sum, against the bare
        // loop's CPU per POST, bounds the ratio of the two rates whatever else shares the machine.
        var micros = (Dispatcher: cpu * 1e6 / rig.Events.Count, Broker: brokerCpu * 1e6 / rig.Events.Count,
            Database: databaseCpu * 1e6 / rig.Events.Count, Self: selfCpu * 1e6 / rig.Events.Count);
        var allMicros = micros.Dispatcher + micros.Broker + micros.Database + micros.Self;
        output.WriteLine($"CPU per delivery: dispatcher {micros.Dispatcher:F0} us, broker {micros.Broker:F0} us, PostgreSQL {micros.Database:F0} us, " +
                         $"this test process (publisher and receiver) {micros.Self:F0} us; all {allMicros:F0} us = {bareMicros / allMicros:F2}x the bare loop's CPU per POST");
        // Steal is CPU the hypervisor gave to other machines: on this VM it moves throughput from run to run.
        output.WriteLine($"whole box meanwhile: {(machine.Busy - machineBefore.Busy) / machineTotal * 200:F0} of 200 % busy, " +
                         $"{(machine.Steal - machineBefore.Steal) / machineTotal * 200:F0} % stolen by the hypervisor");
        var lateness = await new DeliveryDatabase(database).RowsAsync("""
            SELECT count(*),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY late_ms),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY late_ms),
                   max(late_ms)
            FROM (SELECT extract(epoch FROM a2.attempted_at - a1.attempted_at)::float8 * 1000 - a1.duration_ms - 1000 AS late_ms
                  FROM delivery_attempts a1 JOIN delivery_attempts a2 ON a2.delivery_id = a1.delivery_id AND a2.attempt = 2
                  WHERE a1.attempt = 1) l
            """);
        output.WriteLine($"retry lateness against the 1 s rung over {lateness[0][0]} retries: p50 {lateness[0][1]:F0} ms, p99 {lateness[0][2]:F0} ms, max {lateness[0][3]:F0} ms");
        var rss = await File.ReadAllLinesAsync($"/proc/{dispatcher.ProcessId}/status");
        output.WriteLine($"dispatcher memory: {string.Join(", ", rss.Where(l => l.StartsWith("VmRSS", StringComparison.Ordinal) || l.StartsWith("VmHWM", StringComparison.Ordinal)))}");
    }

    /// <summary>The dispatcher's log lines saying it paused the webhook (circuit breaker) or dead-lettered a delivery.</summary>
    private const string Paused = "paused: its last", DeadLettered = "dead-lettered after";

    /// <summary>
    /// A wait for deliveries that times out says whether the dispatcher paused the benchmark's webhook: 50 failed tries
    /// in a row (the failing share, or timeouts on an overloaded box) trip the circuit breaker, the paused deliveries are
    /// kept, then dead-lettered when their short test ladder ends, and never reach the receiver.
    /// </summary>
    private static async Task Explained(DispatcherProcess dispatcher, Task wait)
    {
        try
        {
            await wait;
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; meanwhile the dispatcher paused the webhook {dispatcher.LinesContaining(Paused)} times " +
                                       $"and dead-lettered {dispatcher.LinesContaining(DeadLettered)} deliveries", ex);
        }
    }

    private static async Task<TimeSpan> BareLoopAsync(CrashRig rig)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, AllowAutoRedirect = false });
        var url = rig.Webhook.Settings.Url;
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(rig.Events, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (e, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(DeliveryBody.Serialize(e)) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add(WebhookHeaders.Id, e.EventId.ToString());
            request.Headers.Add(WebhookHeaders.Attempt, "1");
            using var response = await http.SendAsync(request, ct);
        });
        return stopwatch.Elapsed;
    }
}
