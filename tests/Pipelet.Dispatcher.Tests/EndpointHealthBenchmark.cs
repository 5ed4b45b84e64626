using System.Diagnostics;
using Pipelet.Contracts.Events;
using Pipelet.Contracts.Subscriptions;
using Pipelet.Dispatcher.Tests.Infrastructure;
using Pipelet.Testing;
using Xunit.Abstractions;
using static Pipelet.Dispatcher.Tests.BenchmarkSettings;

namespace Pipelet.Dispatcher.Tests;

/// <summary>
/// Issue 17's measurements: a healthy webhook's deliveries per second (a) alone, (b) beside a dead <c>"*"</c> webhook,
/// (c) beside a rate-limited, a failing and an ordered webhook; the broker's memory meanwhile; and
/// whether every event reaches the dead webhook once it comes back, within its retry ladder. Events are published at a
/// steady <c>PIPELET_BENCH_RATE</c> (events/s, default 5,000: set it to what the box sustains, the
/// <see cref="DeliveryBenchmark"/>'s sustained figure) for <c>PIPELET_BENCH_SECONDS</c> seconds (default 300) per run.
/// <c>PIPELET_BENCH_RUNS</c> picks runs by name, comma-separated (<c>alone</c>, <c>dead</c>, <c>mixed</c>; default all).
/// Run: <c>PIPELET_BENCH=1 dotnet test tests/Pipelet.Dispatcher.Tests -c Release --filter "FullyQualifiedName~EndpointHealthBenchmark" --logger "console;verbosity=detailed"</c>.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class EndpointHealthBenchmark(RealInfrastructure infrastructure, ITestOutputHelper output) : IClassFixture<RealInfrastructure>
{
    private const int Stations = 50;

    private static int Rate => Math.Max(1, Setting("PIPELET_BENCH_RATE", 5_000));

    /// <summary>How long each run publishes (<c>PIPELET_BENCH_SECONDS</c>).</summary>
    private static TimeSpan Duration => TimeSpan.FromSeconds(Math.Max(1, Setting("PIPELET_BENCH_SECONDS", 300)));

    /// <summary>
    /// The ladder of every run: its last rung waits out the run and the time to release and send what the dead webhook
    /// kept, so the first event of the run still has tries left when the endpoint comes back after the run.
    /// </summary>
    private static string RetrySchedule => $"5s,30s,{(int)(Duration.TotalSeconds + 300)}s";

    /// <summary>Whether the run named <paramref name="run"/> is among <c>PIPELET_BENCH_RUNS</c> (all when unset).</summary>
    private static bool Runs(string run) =>
        Environment.GetEnvironmentVariable("PIPELET_BENCH_RUNS") is not { Length: > 0 } runs
        || runs.Split(',', StringSplitOptions.TrimEntries).Contains(run, StringComparer.OrdinalIgnoreCase);

    [BenchmarkFact]
    public async Task A_dead_failing_or_rate_limited_webhook_costs_a_healthy_one_little()
    {
        output.WriteLine($"{Rate} events/s for {Duration.TotalSeconds:F0} s per run, {Stations} stations, ladder {RetrySchedule}; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        var results = new List<Result>();
        if (Runs("alone")) results.Add(await RunAsync("healthy alone (today)", _ => { }));

        if (Runs("dead"))
        {
            // The dead "*" webhook answers 503 to every try until the run ends; then it is back.
            var deadDown = true;
            results.Add(await RunAsync("beside a dead \"*\" webhook", rig =>
            {
                rig.Add("dead", rig.Other.Hook("dead"), _ => deadDown ? new Answer(503, Body: "down") : new Answer(200), comesBack: () => deadDown = false);
            }));
        }

        if (Runs("mixed"))
        {
            results.Add(await RunAsync("beside rate-limited, failing and ordered webhooks", rig =>
            {
                // A tenth of the stations at up to 1.25 times their share of the rate: the limit holds back the bursts.
                var limitedStations = Enumerable.Range(0, Stations / 10).Select(i => $"CP-{i}").ToList();
                rig.Add("limited", rig.Other.Hook("limited"), _ => new Answer(200), stations: limitedStations, rateLimit: Math.Max(1, Rate / 10 * 5 / 4));
                rig.Add("failing", rig.Other.Hook("failing"), _ => new Answer(500, Body: "failing"));
                rig.Add("ordered", rig.Other.Hook("ordered"), _ => new Answer(200), ordering: WebhookOrdering.Station);
            }));
        }

        // Without the run alone to compare with, the ratio column is empty.
        var alone = Runs("alone") ? results[0].HealthyPerSecond : double.NaN;
        output.WriteLine("");
        output.WriteLine("| run | healthy deliveries/s (all events / time until the last arrived) | vs alone | broker memory max | dead webhook after it came back |");
        output.WriteLine("|---|---:|---:|---:|---|");
        foreach (var run in results)
        {
            var ratio = double.IsNaN(alone) ? "-" : $"{(run.HealthyPerSecond / alone - 1) * 100:+0.0;-0.0;0.0} %";
            output.WriteLine($"| {run.Name} | {run.HealthyPerSecond:F0} | {ratio} | {run.BrokerMemoryMaxMb:F0} MB | {run.Recovery ?? "-"} |");
        }
    }

    private sealed record Result(string Name, double HealthyPerSecond, double BrokerMemoryMaxMb, string? Recovery);

    /// <summary>One run: a fresh database, virtual host and dispatcher, the healthy webhook and what <paramref name="arrange"/> adds beside it.</summary>
    private async Task<Result> RunAsync(string name, Action<Rig> arrange)
    {
        var database = await infrastructure.CreateDatabaseAsync();
        var vhost = (await infrastructure.CreateVirtualHostAsync()).ToString();
        await using var rig = await Rig.StartAsync();
        arrange(rig);

        await using var dispatcher = await DispatcherProcess.StartAsync(new DispatcherProcess.Settings(vhost, database, rig.Subscriptions.BaseUri,
            RetrySchedule: RetrySchedule,
            Extra: new Dictionary<string, string?>
            {
                ["Logging__LogLevel__Default"] = "Warning",
                ["Delivery__ProbeInterval"] = "00:00:02",
            }));
        await using var bus = await TestBus.StartAsync(vhost);
        await using var broker = BrokerMemory.Start(infrastructure.Servers.PrivateRabbitMq?.Process.Id);

        var clock = Stopwatch.StartNew();
        var published = new List<Guid>(capacity: (int)(Rate * Duration.TotalSeconds) + 1000);
        await using (var progress = DeliveryProgress.Start(rig.Healthy))
        {
            var total = (int)(Rate * Duration.TotalSeconds);
            using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            while (published.Count < total && await tick.WaitForNextTickAsync())
            {
                // Whatever the schedule says is due by now: a slow publish is caught up at the next tick.
                var due = (int)Math.Min(Rate * clock.Elapsed.TotalSeconds, total) - published.Count;
                if (due <= 0) continue;
                var events = Enumerable.Range(published.Count, due)
                    .Select(i => TestBus.Event(EventCatalogue.MeterValues, $"CP-{i % Stations}", $$"""{"n":{{i}}}""")).ToList();
                published.AddRange(events.Select(e => e.EventId));
                await bus.PublishManyAsync(events);
            }

            var publishing = clock.Elapsed;
            output.WriteLine($"{name}: published {published.Count} events in {publishing.TotalSeconds:F1} s ({published.Count / publishing.TotalSeconds:F0}/s); " +
                             $"the healthy webhook has {rig.Healthy.DistinctEvents} of them");
            await rig.Healthy.WaitUntilAsync(r => r.HasAll(published), TimeSpan.FromMinutes(5), $"every event at the healthy webhook (have {rig.Healthy.DistinctEvents})");
            // Paced: a healthy webhook that keeps up gets the publishing rate, one that falls behind less; what it lags
            // at the end counts against it. The middle of the run (10 % to 90 % delivered) is given beside it.
            var perSecond = published.Count / clock.Elapsed.TotalSeconds;
            var (middle, _, opened, closed) = progress.Between(0.1, 0.9, published.Count);
            output.WriteLine($"{name}: healthy webhook had all {published.Count} at {clock.Elapsed.TotalSeconds:F1} s ({(clock.Elapsed - publishing).TotalSeconds:F1} s after " +
                             $"the last was published) = {perSecond:F0} deliveries/s; {middle:F0}/s from 10 % to 90 % ({opened:F1} s to {closed:F1} s); broker memory max {broker.MaxMb:F0} MB");
            var brokerDuringRun = broker.MaxMb;

            string? recovery = null;
            if (rig.ComesBack is { } comeBack)
            {
                var deliveryLog = new DeliveryDatabase(database);
                var kept = await deliveryLog.ScalarAsync<long>("SELECT count(*) FROM held_deliveries");
                var before = rig.Other.DistinctEvents;
                comeBack();
                var back = Stopwatch.StartNew();
                var ladderLeft = TimeSpan.FromSeconds(Duration.TotalSeconds + 335) - clock.Elapsed;
                try
                {
                    await rig.Other.WaitUntilAsync(r => r.HasAll(published), ladderLeft, $"every event at the dead webhook once back (have {rig.Other.DistinctEvents})");
                    recovery = $"all {published.Count} delivered {back.Elapsed.TotalSeconds:F0} s after it came back";
                }
                catch (TimeoutException)
                {
                    recovery = $"only {rig.Other.DistinctEvents} of {published.Count} by the ladder's end";
                }

                // What reached it after it came back, over the time it took: the kept deliveries' drain rate.
                recovery += $", {(rig.Other.DistinctEvents - before) / back.Elapsed.TotalSeconds:F0}/s";

                var deadLettered = await deliveryLog.ScalarAsync<long>("SELECT count(*) FROM failed_deliveries");
                recovery += $" ({kept} were kept while paused, {deadLettered} dead-lettered; broker memory max meanwhile {broker.MaxMb:F0} MB)";
                output.WriteLine($"{name}: {recovery}");
            }

            return new Result(name, perSecond, brokerDuringRun, recovery);
        }
    }

    /// <summary>
    /// The healthy webhook with a receiver of its own (so its count is only its own), and the webhooks a run adds beside
    /// it, all on a second receiver. Every webhook wants every event unless given stations.
    /// </summary>
    private sealed class Rig : IAsyncDisposable
    {
        private Rig(Receiver healthy, Receiver other, FakeSubscriptions subscriptions)
        {
            Healthy = healthy;
            Other = other;
            Subscriptions = subscriptions;
        }

        public Receiver Healthy { get; }
        public Receiver Other { get; }
        public FakeSubscriptions Subscriptions { get; }

        /// <summary>Brings the dead webhook back (set by the run that has one).</summary>
        public Action? ComesBack { get; private set; }

        public static async Task<Rig> StartAsync()
        {
            var healthy = await Receiver.StartAsync();
            var other = await Receiver.StartAsync();
            healthy.KeepHits = false;
            other.KeepHits = false;
            var subscriptions = await FakeSubscriptions.StartAsync();
            subscriptions.Subscribe("healthy", healthy.Hook("healthy"));
            return new Rig(healthy, other, subscriptions);
        }

        public void Add(string name, Uri url, Func<Hit, Answer> behaviour, IReadOnlyList<string>? stations = null, int? rateLimit = null, Action? comesBack = null,
            string ordering = WebhookOrdering.None)
        {
            var webhook = FakeSubscriptions.NewWebhook(name, url, stations);
            Subscriptions.Put(webhook with { Settings = webhook.Settings with { RateLimit = rateLimit, Ordering = ordering } });
            Other.Behave(name, behaviour);
            ComesBack ??= comesBack;
        }

        public async ValueTask DisposeAsync()
        {
            await Healthy.DisposeAsync();
            await Other.DisposeAsync();
            await Subscriptions.DisposeAsync();
        }
    }

    /// <summary>
    /// The broker's resident memory every 2 s (its node and the processes under it): the figure RabbitMQ's memory alarm
    /// goes by (its default <c>vm_memory_calculation_strategy</c> is <c>rss</c>), without the second of CPU each
    /// <c>rabbitmqctl status</c> would take from the run. NaN with an external broker.
    /// </summary>
    private sealed class BrokerMemory : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _sampling = Task.CompletedTask;

        private BrokerMemory(int? broker)
        {
            if (broker is not { } root) return;
            _sampling = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
                try
                {
                    do
                    {
                        var mb = ProcessCpu.TreeResidentMegabytes(root);
                        MaxMb = double.IsNaN(MaxMb) ? mb : Math.Max(MaxMb, mb);
                    }
                    while (await timer.WaitForNextTickAsync(_stop.Token));
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                }
            });
        }

        public double MaxMb { get; private set; } = double.NaN;

        public static BrokerMemory Start(int? broker) => new(broker);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _sampling;
            _stop.Dispose();
        }
    }
}
