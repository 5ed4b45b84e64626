using System.Globalization;
using Pipelet.Simulator.Metrics;
using Pipelet.Simulator.Reporting;
using Pipelet.Simulator.Stations;

namespace Pipelet.Simulator.Load;

/// <summary>
/// One run: ramps the fleet up at the chosen rate, lets it work for the duration (stations on their
/// own clocks, or session CALLs paced across the fleet), stops, closes every connection and reports.
/// The steady window, in which throughput and steady latency are measured, opens when every station
/// is connected and booted (or 30 s after the ramp if some never are) and closes when the run stops.
/// </summary>
internal sealed class Fleet(SimulatorOptions options, TimeProvider time, TextWriter progress)
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    public async Task<FleetReport> RunAsync(CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var metrics = new FleetMetrics(options.Duration);
        var scheduler = new Scheduler(time);
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), UseProxy = false, UseCookies = false };
        using var invoker = new HttpMessageInvoker(handler);
        var fleet = new FleetContext(options, metrics, scheduler, invoker, time);
        var stations = Enumerable.Range(0, options.Stations).Select(index => new ChargePoint(index, fleet)).ToArray();

        var processes = options.ObservePids.Append(Environment.ProcessId).Distinct()
            .Select(pid => new ProcessProbe(pid)).Where(probe => probe.Exists)
            .Select(probe => new ObservedProcess(probe)).ToList();
        processes.ForEach(process => process.MarkIdle());

        // Drivers: paced workers, or each station's own clock.
        var pacer = new CallPacer(new RateSchedule(double.IsPositiveInfinity(options.CallsPerSecond) ? double.PositiveInfinity : options.CallsPerSecond), time);
        var paced = options.Paced ? new PacedDriver(fleet, pacer) : null;
        var ready = 0;
        var allReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TimeSpan? allReadyAfter = null;
        var everReady = new bool[stations.Length];
        var indexOf = stations.Select((station, index) => (station, index)).ToDictionary(pair => pair.station, pair => pair.index);
        fleet.StationReady = station =>
        {
            var first = false;
            var index = indexOf[station];
            lock (everReady)
            {
                if (!everReady[index])
                {
                    everReady[index] = first = true;
                    if (++ready == stations.Length)
                    {
                        allReadyAfter = metrics.Elapsed;
                        allReady.TrySetResult();
                    }
                }
            }

            if (paced is not null) paced.Ready(station);
            else station.ResumeSessions(first ? station.Session.FirstDelay() : TimeSpan.Zero);
        };

        using var schedulerStop = new CancellationTokenSource();
        var schedulerLoop = scheduler.RunAsync(schedulerStop.Token);
        scheduler.Every(TimeSpan.FromSeconds(1), () =>
        {
            foreach (var station in stations) station.ExpireOverdueCall(options.CallTimeout);
            processes.ForEach(process => process.Sample());
        });
        if (options.Progress) scheduler.Every(TimeSpan.FromSeconds(5), () => progress.WriteLine(ProgressLine(metrics, ready)));

        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        run.CancelAfter(options.Duration);
        var workers = paced?.RunAsync(run.Token) ?? Task.CompletedTask;

        await RampAsync(stations, run.Token);
        await Wait(allReady.Task.WaitAsync(ReadyTimeout, time, run.Token));
        var steadyFrom = metrics.Elapsed;
        metrics.SteadyWindow(open: true);
        processes.ForEach(process => process.MarkSteadyStart());

        await Wait(Task.Delay(Timeout.InfiniteTimeSpan, time, run.Token));
        var steadyTo = metrics.Elapsed;
        metrics.SteadyWindow(open: false);
        fleet.Stop();
        await workers;
        await DrainAsync(fleet);

        // Measured with the fleet still connected.
        var heldAtEnd = metrics.Held;
        processes.ForEach(process => process.MarkEnd());

        await Parallel.ForEachAsync(stations, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (station, _) => await station.CloseAsync());
        await schedulerStop.CancelAsync();
        await schedulerLoop;

        return Build(startedAt, metrics, pacer, processes, heldAtEnd, allReadyAfter, steadyFrom, steadyTo);
    }

    private async Task RampAsync(ChargePoint[] stations, CancellationToken cancellationToken)
    {
        var ramp = new RateSchedule(options.Ramp);
        var start = time.GetTimestamp();
        for (var index = 0; index < stations.Length && !cancellationToken.IsCancellationRequested; index++)
        {
            var wait = ramp.DueAt(index) - time.GetElapsedTime(start);
            if (wait > TimeSpan.Zero && !await Wait(Task.Delay(wait, time, cancellationToken))) break;
            _ = stations[index].ConnectAsync();
        }
    }

    /// <summary>Gives CALLs already sent a moment to be answered, so the run's end does not count them as lost.</summary>
    private async Task DrainAsync(FleetContext fleet)
    {
        var deadline = time.GetTimestamp();
        while (fleet.CallsInFlight > 0 && time.GetElapsedTime(deadline) < DrainTimeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), time);
        }
    }

    /// <summary>Awaits a task that ends by cancellation or timeout; true if it completed normally.</summary>
    private static async Task<bool> Wait(Task task)
    {
        try
        {
            await task;
            return true;
        }
        catch (Exception exception) when (exception is OperationCanceledException or TimeoutException)
        {
            return false;
        }
    }

    private static string ProgressLine(FleetMetrics metrics, int ready)
    {
        var elapsed = metrics.Elapsed;
        var now = (int)elapsed.TotalSeconds;
        var lastFive = metrics.Answers.Slice(now - 5, now).Sum() / 5.0;
        var latency = metrics.AllLatencies();
        var errors = metrics.Actions.Sum(a => a.CallErrors);
        var timeouts = metrics.Actions.Sum(a => a.TimedOut);
        return string.Create(CultureInfo.InvariantCulture,
            $"[{elapsed.TotalSeconds,5:F0}s] held {metrics.Held} ready {ready} failed {metrics.ConnectFailures} dropped {metrics.Dropped} | " +
            $"sent {metrics.Actions.Sum(a => a.Sent)} answered {metrics.Actions.Sum(a => a.Answered)} ({lastFive:F0}/s) " +
            $"errors {errors} timeouts {timeouts} | p50 {latency.PercentileMicroseconds(50) / 1000.0:F2} ms p99 {latency.PercentileMicroseconds(99) / 1000.0:F2} ms");
    }

    private FleetReport Build(
        DateTimeOffset startedAt, FleetMetrics metrics, CallPacer pacer, List<ObservedProcess> processes,
        long heldAtEnd, TimeSpan? allReadyAfter, TimeSpan steadyFrom, TimeSpan steadyTo)
    {
        var settings = new RunSettings(
            options.Url.ToString(), options.Stations, options.Ramp, options.Duration.TotalSeconds, options.Heartbeat?.TotalSeconds,
            options.MeterInterval.TotalSeconds, options.SessionLength.TotalSeconds, options.SessionsPerHour,
            options.CallsPerSecond switch
            {
                0 => "own clocks",
                double.PositiveInfinity => "max",
                var rate => rate.ToString(CultureInfo.InvariantCulture),
            },
            options.Concurrency, options.Password is not null, options.Seed, Environment.ProcessorCount, startedAt.ToString("O", CultureInfo.InvariantCulture));

        var connections = new ConnectionsReport(
            metrics.ConnectAttempts, metrics.Connected, metrics.ConnectFailures, Sorted(metrics.ConnectFailuresByReason),
            metrics.Dropped, Sorted(metrics.DisconnectsByReason), metrics.Reconnects, metrics.BootsAccepted,
            metrics.PeakHeld, heldAtEnd, allReadyAfter is { } after ? Math.Round(after.TotalSeconds, 2) : null);

        var byAction = metrics.Actions.Where(a => a.Sent > 0).Select(a => new ActionReport(
            a.Action, a.Sent, a.Answered, a.CallErrors, a.TimedOut,
            LatencySummary.Milliseconds(a.Latency.PercentileMicroseconds(50)),
            LatencySummary.Milliseconds(a.Latency.PercentileMicroseconds(99)),
            LatencySummary.Milliseconds(a.Latency.MaxMicroseconds))).ToList();
        var calls = new CallsReport(
            byAction.Sum(a => a.Sent), byAction.Sum(a => a.Answered), byAction.Sum(a => a.CallErrors), Sorted(metrics.CallErrorsByCode),
            byAction.Sum(a => a.TimedOut), metrics.CallsLost, metrics.UnmatchedAnswers, pacer.Missed,
            metrics.SessionsStarted, metrics.SessionsStopped, byAction);

        // Whole seconds inside the steady window.
        var to = (int)Math.Floor(steadyTo.TotalSeconds);
        var from = Math.Min((int)Math.Ceiling(steadyFrom.TotalSeconds), to);
        var answered = metrics.Answers.Slice(from, to);
        var sent = metrics.Sent.Slice(from, to);
        var throughput = new ThroughputReport(
            from, to,
            answered.Length == 0 ? 0 : Math.Round(answered.Average(), 1),
            answered.Length == 0 ? 0 : answered.Min(),
            answered.Length == 0 ? 0 : answered.Max(),
            sent.Length == 0 ? 0 : Math.Round(sent.Average(), 1),
            metrics.Answers.Slice(0, (int)Math.Ceiling(steadyTo.TotalSeconds)));

        var commands = new CommandsReport(metrics.CommandsReceived, metrics.CommandsAnswered, metrics.CommandErrors, Sorted(metrics.CommandsByAction));

        return new FleetReport(
            settings, connections, calls,
            LatencySummary.From(metrics.AllLatencies()), LatencySummary.From(metrics.SteadyLatency),
            throughput, commands,
            processes.Select(process => process.Report(heldAtEnd)).ToList(),
            Sorted(metrics.ViolationsByKind));
    }

    private static SortedDictionary<string, long> Sorted(IEnumerable<KeyValuePair<string, long>> counts) => new(counts.ToDictionary(), StringComparer.Ordinal);
}
