using System.Globalization;
using System.Text;
using Pipelet.Testing;
using RabbitMQ.Client;

namespace Pipelet.Dispatcher.Tests.Infrastructure;

/// <summary>
/// Samples, twice a second during a benchmark, what each process does, so a backlog can be seen forming and traced
/// to a process (benchmarks only): CPU of the dispatcher, the gateway, the broker and this test process; the whole
/// machine's CPU, the share stolen by the hypervisor, I/O wait and major page faults; the dispatcher's thread count
/// (a starved thread pool grows it); the station-event queue's depth and the broker's round trip; events answered
/// but not yet at the receiver; and how late this process's threads wake (<see cref="SchedulingProbes"/>).
/// Printed second by second beside the latency of the CALLs sent in that second.
/// </summary>
public sealed class BenchTimeline : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private readonly List<Sample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly SchedulingProbes _probes = new();
    private readonly Task _sampling;
    private int _disposed;

    public sealed record Sample(double Seconds, double DispatcherCpu, double GatewayCpu, double BrokerCpu, int DispatcherThreads, long ReadyMessages, long InFlight,
        double TestCpu, double TestGcPauseMs, double MachineBusy, double MachineSteal, double MachineIoWait, double MachineTotal, long MajorFaults,
        double BrokerRoundTripMs, double ThreadLateMs, double PoolLateMs);

    private BenchTimeline(Func<SchedulingProbes, Task<Sample>> read)
    {
        _sampling = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(Interval);
            try
            {
                do
                {
                    try
                    {
                        var sample = await read(_probes);
                        lock (_samples) _samples.Add(sample);
                    }
                    catch (Exception ex) when (ex is IOException or RabbitMQ.Client.Exceptions.RabbitMQClientException)
                    {
                        // A process ended, or the broker closed the channel: this sample is lost, not the run.
                    }
                }
                while (await timer.WaitForNextTickAsync(_stop.Token));
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        });
    }

    /// <summary>Starts sampling; <paramref name="clock"/> is the benchmark's own, so rows line up with its CALLs.</summary>
    /// <param name="channel">A channel on the benchmark's virtual host, for reading the station-event queue's depth.</param>
    /// <param name="inFlight">Answered CALLs whose event the receiver has not seen yet.</param>
    public static BenchTimeline Start(System.Diagnostics.Stopwatch clock, DispatcherProcess dispatcher, ServiceProcess gateway, int? broker,
        IChannel channel, Func<long> inFlight) =>
        new(async probes =>
        {
            var (busy, steal, ioWait, total) = ProcessCpu.Machine();
            var asked = System.Diagnostics.Stopwatch.GetTimestamp();
            var ready = (await channel.QueueDeclarePassiveAsync(Delivery.RetryQueues.StationEvents)).MessageCount;
            var roundTrip = System.Diagnostics.Stopwatch.GetElapsedTime(asked).TotalMilliseconds;
            return new Sample(clock.Elapsed.TotalSeconds, dispatcher.CpuSeconds(), gateway.CpuSeconds(),
                broker is { } brokerRoot ? ProcessCpu.TreeSeconds(brokerRoot) : double.NaN, Threads(dispatcher.ProcessId), ready, inFlight(),
                System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, GC.GetTotalPauseDuration().TotalMilliseconds, busy, steal, ioWait, total, MajorFaults(),
                roundTrip, probes.TakeThreadLateMs(), probes.TakePoolLateMs());
        });

    /// <summary>Rows of one second: CPU share of each process in it, and the latencies of the CALLs sent in it.</summary>
    public string Format(IReadOnlyList<(double SentAtSeconds, double DeliveredMs, double AnsweredMs)> calls)
    {
        List<Sample> samples;
        lock (_samples) samples = [.. _samples];
        var text = new StringBuilder("  s | CALLs | hit p50 / p99 / max ms | answer p99 ms | CPU % dispatcher / gateway / broker / test process / whole box (of 200, without steal) / stolen by the hypervisor / waiting for I/O | major page faults | broker round trip / test thread late / test pool late ms | test process GC pauses ms | dispatcher threads | station-event messages ready | events in flight\n");
        var bySecond = calls.GroupBy(c => (int)c.SentAtSeconds).ToDictionary(g => g.Key, g => g.ToList());
        for (var second = 0; second < (int)Math.Ceiling(samples.LastOrDefault()?.Seconds ?? 0); second++)
        {
            var first = samples.FirstOrDefault(s => s.Seconds >= second);
            var last = samples.LastOrDefault(s => s.Seconds < second + 1 + Interval.TotalSeconds / 2);
            if (first is null || last is null || last.Seconds - first.Seconds < 0.4) continue;
            var span = last.Seconds - first.Seconds;
            var window = samples.Where(x => x.Seconds > first.Seconds && x.Seconds <= last.Seconds).ToList();
            double OfBox(double before, double after) => 200 * (after - before) / (last.MachineTotal - first.MachineTotal);
            bySecond.TryGetValue(second, out var sent);
            var hits = sent?.Select(c => c.DeliveredMs).Order().ToList() ?? [];
            var answers = sent?.Select(c => c.AnsweredMs).Order().ToList() ?? [];
            text.Append(CultureInfo.InvariantCulture,
                $"{second,3} | {hits.Count,5} | {At(hits, 0.5),7:F0} / {At(hits, 0.99),6:F0} / {At(hits, 1),6:F0} | {At(answers, 0.99),6:F0} | " +
                $"{Share(first.DispatcherCpu, last.DispatcherCpu, span),3:F0} / {Share(first.GatewayCpu, last.GatewayCpu, span),3:F0} / {Share(first.BrokerCpu, last.BrokerCpu, span),3:F0} / " +
                $"{Share(first.TestCpu, last.TestCpu, span),3:F0} / {OfBox(first.MachineBusy, last.MachineBusy),3:F0} / " +
                $"{OfBox(first.MachineSteal, last.MachineSteal),3:F0} / {OfBox(first.MachineIoWait, last.MachineIoWait),3:F0} | {last.MajorFaults - first.MajorFaults,4} | " +
                $"{window.Max(x => x.BrokerRoundTripMs),5:F0} / {window.Max(x => x.ThreadLateMs),5:F0} / {window.Max(x => x.PoolLateMs),5:F0} | " +
                $"{last.TestGcPauseMs - first.TestGcPauseMs,4:F0} | " +
                $"{last.DispatcherThreads,3} | {last.ReadyMessages,5} | {last.InFlight}\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// Where each first try's time went, by the second its event reached the gateway (the UUIDv7 event id's
    /// milliseconds): gateway to fan-out (bus, prefetch, waiting for an event slot), fan-out to the try (waiting for
    /// an inline slot, or the deliveries queue), and the try itself; from the dispatcher's delivery log.
    /// </summary>
    public static async Task<string> StagesAsync(string dispatcherDatabase, DateTimeOffset start)
    {
        await using var connection = new Npgsql.NpgsqlConnection(dispatcherDatabase);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("""
            WITH t AS (
                SELECT to_timestamp(('x' || substr(replace(d.event_id::text, '-', ''), 1, 12))::bit(48)::bigint / 1000.0) AS received,
                       d.created_at, a.attempted_at, a.duration_ms
                FROM deliveries d JOIN delivery_attempts a ON a.delivery_id = d.delivery_id AND a.attempt = 1)
            SELECT floor(extract(epoch FROM received - $1))::int AS second, count(*)::int,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - received) * 1000),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - received) * 1000),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM attempted_at - created_at) * 1000),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM attempted_at - created_at) * 1000),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms)
            FROM t GROUP BY 1 ORDER BY 1
            """, connection) { Parameters = { new() { Value = start } } };
        var text = new StringBuilder("  s | first tries | gateway -> fan-out p50 / p99 ms | fan-out -> try p50 / p99 ms | try p50 / p99 ms\n");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{reader.GetInt32(0),3} | {reader.GetInt32(1),5} | {reader.GetDouble(2),7:F0} / {reader.GetDouble(3),6:F0} | " +
                $"{reader.GetDouble(4),5:F0} / {reader.GetDouble(5),5:F0} | {reader.GetDouble(6),5:F1} / {reader.GetDouble(7),6:F1}\n");
        }

        return text.ToString();
    }

    private static double Share(double before, double after, double seconds) => (after - before) / seconds * 100;

    private static double At(List<double> sorted, double quantile) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(quantile * sorted.Count))];

    /// <summary>Major page faults of the whole machine since boot: code or files read back from disk.</summary>
    private static long MajorFaults()
    {
        var line = File.ReadLines("/proc/vmstat").First(l => l.StartsWith("pgmajfault ", StringComparison.Ordinal));
        return long.Parse(line["pgmajfault ".Length..], CultureInfo.InvariantCulture);
    }

    private static int Threads(int pid) =>
        int.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Threads:", StringComparison.Ordinal))[8..].Trim(), CultureInfo.InvariantCulture);

    /// <summary>Stops sampling; the samples stay for <see cref="Format"/>. May be called more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stop.CancelAsync();
        await _sampling;
        await _probes.DisposeAsync();
        _stop.Dispose();
    }
}
