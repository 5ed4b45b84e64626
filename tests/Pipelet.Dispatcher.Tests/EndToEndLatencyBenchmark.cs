using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;
using Xunit.Abstractions;
using static Pipelet.Dispatcher.Tests.BenchmarkSettings;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// End-to-end latency, a station's CALL to the receiver's hit, with the real gateway and dispatcher
/// (child processes), RabbitMQ and PostgreSQL: a few hundred OCPP 1.6 stations send DataTransfer CALLs
/// at a fixed rate, each carrying a unique token that the receiver reads back from the delivered body.
/// Also reports the answer latency (CALL to CALLRESULT). Run:
/// <c>PIPELET_BENCH=1 dotnet test tests/Pipelet.Dispatcher.Tests -c Release --filter "FullyQualifiedName~EndToEnd" --logger "console;verbosity=detailed"</c>
/// after <c>dotnet build services/Pipelet.Gateway -c Release</c>.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class EndToEndLatencyBenchmark(RealInfrastructure infrastructure, ITestOutputHelper output) : IClassFixture<RealInfrastructure>
{
    [BenchmarkFact]
    public async Task Station_call_to_receiver_hit_at_a_fixed_rate()
    {
        var rate = Setting("PIPELET_BENCH_RATE", 1_000);
        var seconds = Setting("PIPELET_BENCH_SECONDS", 20);
        var stationCount = Setting("PIPELET_BENCH_STATIONS", 200);
        var warmUpSeconds = Setting("PIPELET_BENCH_WARMUP", 15);
        var warmUp = rate * warmUpSeconds;
        var total = warmUp + rate * seconds;

        var vhost = (await infrastructure.CreateVirtualHostAsync()).ToString();
        var dispatcherDb = await infrastructure.CreateDatabaseAsync();
        var gatewayDb = await infrastructure.CreateDatabaseAsync();
        await using var receiver = await Receiver.StartAsync();
        receiver.KeepHits = false;
        await using var subscriptions = await FakeSubscriptions.StartAsync();
        subscriptions.Put(FakeSubscriptions.NewWebhook("e2e", receiver.Hook("e2e"), events: [EventCatalogue.DataTransfer]));

        // Token -> when the receiver saw it first (Stopwatch ticks).
        var hits = new ConcurrentDictionary<int, long>();
        receiver.Behave("e2e", hit =>
        {
            var at = Stopwatch.GetTimestamp();
            using var body = JsonDocument.Parse(hit.Body);
            if (body.RootElement.GetProperty("payload").TryGetProperty("data", out var data)
                && int.TryParse(data.GetString(), CultureInfo.InvariantCulture, out var token))
            {
                hits.TryAdd(token, at);
            }

            return new Answer(200);
        });

        // The dispatcher first: its queue must be bound before the gateway publishes (mandatory publishes).
        await using var dispatcher = await DispatcherProcess.StartAsync(new DispatcherProcess.Settings(vhost, dispatcherDb, subscriptions.BaseUri,
            RetrySchedule: "1s,1s,2s", Timeout: "00:00:10", Extra: new Dictionary<string, string?> { ["Logging__LogLevel__Default"] = "Warning" }));
        // A stand-in subscription service: it does not route the gateway's events to the dispatcher, so bind as the real one would.
        await StationEventRouting.BindAsync(vhost);
        await using var gateway = await GatewayProcess.StartAsync(vhost, gatewayDb);

        var stations = new List<BenchStation>(stationCount);
        try
        {
            var gatewayWs = new UriBuilder(gateway.BaseUri) { Scheme = "ws" }.Uri;
            using (var connect = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
            {
                foreach (var chunk in Enumerable.Range(0, stationCount).Chunk(25))
                {
                    stations.AddRange(await Task.WhenAll(chunk.Select(i => BenchStation.ConnectAsync(gatewayWs, $"BENCH-{i:D4}", connect.Token))));
                }
            }

            var calls = new (long SentAt, Task<long> AnsweredAt)[total];
            var skipped = 0;
            var broker = infrastructure.Servers.PrivateRabbitMq?.Process.Id;
            await using var brokerConnection = await new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(vhost) }.CreateConnectionAsync("bench-timeline");
            await using var brokerChannel = await brokerConnection.CreateChannelAsync();
            var clockStart = Stopwatch.GetTimestamp();
            var wallStart = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            var next = 0;
            long InFlight() => calls.Take(Volatile.Read(ref next)).Count(c => c.AnsweredAt is { IsCompleted: true } && c.SentAt != 0) - hits.Count;
            await using var timeline = BenchTimeline.Start(clock, dispatcher, gateway, broker, brokerChannel, InFlight);
            var station = 0;

            // Sends CALLs up to (not including) number `until`, paced at the rate from now on.
            async Task SendAsync(int until)
            {
                var from = next;
                var pace = Stopwatch.StartNew();
                while (next < until)
                {
                    var due = Math.Min(until, from + (int)(pace.Elapsed.TotalSeconds * rate));
                    for (; next < due; next++)
                    {
                        // One CALL at a time per station: take the next one that is free.
                        var tries = 0;
                        while (stations[station].Busy && tries++ < stations.Count) station = (station + 1) % stations.Count;
                        if (tries > stations.Count)
                        {
                            skipped++;
                            calls[next] = (0, Task.FromResult(0L));
                            continue;
                        }

                        calls[next] = await stations[station].CallAsync(EventCatalogue.DataTransfer,
                            $$"""{"vendorId":"Pipelet","data":"{{next}}"}""", CancellationToken.None);
                        station = (station + 1) % stations.Count;
                    }

                    await Task.Delay(1);
                }
            }

            // Until every one of these tokens has reached the receiver. Tokens arrive about in the order they were sent,
            // so each check resumes where the last stopped: re-checking on every hit costs only the new arrivals, not a
            // scan of thousands of tokens while the pipeline the benchmark measures is still draining.
            Task ReceivedAsync(IReadOnlyList<int> tokens, string what)
            {
                var received = 0;
                return receiver.WaitUntilAsync(_ =>
                {
                    while (received < tokens.Count && hits.ContainsKey(tokens[received])) received++;
                    return received == tokens.Count;
                }, TimeSpan.FromSeconds(120), $"{what} at the receiver (have {tokens.Count(hits.ContainsKey)} of {tokens.Count})");
            }

            IReadOnlyList<int> Sent(int from, int until) => Enumerable.Range(from, until - from).Where(i => calls[i].SentAt != 0).ToList();

            // Warm-up at the rate (a cold dispatcher, gateway and receiver build a backlog at first), then let the
            // pipeline drain before measuring, so the figures are the steady state; the timeline shows the start.
            await SendAsync(warmUp);
            var warmUpSent = clock.Elapsed;
            await ReceivedAsync(Sent(0, warmUp), "every warm-up token");

            var drained = clock.Elapsed;
            var skippedInWarmUp = skipped;
            var cpuBefore = (Dispatcher: dispatcher.CpuSeconds(), Gateway: gateway.CpuSeconds(), Broker: broker is { } b0 ? ProcessCpu.TreeSeconds(b0) : double.NaN);
            var measuring = Stopwatch.StartNew();
            await SendAsync(total);
            var sending = measuring.Elapsed;
            using (var answers = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                await Task.WhenAll(calls.Select(c => c.AnsweredAt)).WaitAsync(answers.Token);
            }

            var measured = Sent(warmUp, total);
            await ReceivedAsync(measured, "every measured token");
            var cpuAfter = (Dispatcher: dispatcher.CpuSeconds(), Gateway: gateway.CpuSeconds(), Broker: broker is { } b1 ? ProcessCpu.TreeSeconds(b1) : double.NaN);

            await timeline.DisposeAsync();
            var delivered = measured.Select(i => Stopwatch.GetElapsedTime(calls[i].SentAt, hits[i]).TotalMilliseconds).Order().ToList();
            var answered = measured.Select(i => Stopwatch.GetElapsedTime(calls[i].SentAt, calls[i].AnsweredAt.Result).TotalMilliseconds).Order().ToList();
            output.WriteLine($"{stationCount} stations, DataTransfer CALLs at {rate}/s: warm-up {warmUp} in {warmUpSent.TotalSeconds:F1} s " +
                             $"({skippedInWarmUp} skipped: station busy), its backlog drained {(drained - warmUpSent).TotalSeconds:F1} s after; " +
                             $"then measured {measured.Count} in {sending.TotalSeconds:F1} s ({measured.Count / sending.TotalSeconds:F0}/s achieved, {skipped - skippedInWarmUp} skipped)");
            output.WriteLine($"CALL -> receiver hit:   {Percentiles(delivered)}");
            output.WriteLine($"CALL -> CALLRESULT:     {Percentiles(answered)}");
            output.WriteLine($"CPU over the run: dispatcher {cpuAfter.Dispatcher - cpuBefore.Dispatcher:F1} s, gateway {cpuAfter.Gateway - cpuBefore.Gateway:F1} s, " +
                             $"broker {cpuAfter.Broker - cpuBefore.Broker:F1} s, " +
                             $"in {(clock.Elapsed - drained).TotalSeconds:F1} s measured; load average {File.ReadAllText("/proc/loadavg").Trim()}");
            output.WriteLine("Second by second (CALLs by the second they were sent, warm-up included):");
            output.WriteLine(timeline.Format(Enumerable.Range(0, total).Where(i => calls[i].SentAt != 0 && hits.ContainsKey(i))
                .Select(i => (Stopwatch.GetElapsedTime(clockStart, calls[i].SentAt).TotalSeconds,
                    Stopwatch.GetElapsedTime(calls[i].SentAt, hits[i]).TotalMilliseconds,
                    Stopwatch.GetElapsedTime(calls[i].SentAt, calls[i].AnsweredAt.Result).TotalMilliseconds)).ToList()));
            output.WriteLine("Where the first tries' time went, by the second the gateway received the event (from the delivery log):");
            output.WriteLine(await BenchTimeline.StagesAsync(dispatcherDb, wallStart));
        }
        finally
        {
            foreach (var s in stations) await s.DisposeAsync();
        }
    }

    private static string Percentiles(List<double> sorted) =>
        string.Create(CultureInfo.InvariantCulture,
            $"p50 {At(sorted, 0.50):F1} ms, p90 {At(sorted, 0.90):F1} ms, p99 {At(sorted, 0.99):F1} ms, max {sorted[^1]:F1} ms");

    private static double At(List<double> sorted, double quantile) => sorted[Math.Min(sorted.Count - 1, (int)(quantile * sorted.Count))];
}
