using Pipelet.Simulator.Metrics;
using Pipelet.Simulator.Stations;

namespace Pipelet.Simulator.Load;

/// <summary>What every station of a fleet shares: settings, the one scheduler, the HTTP handler, the counters.</summary>
internal sealed class FleetContext(
    SimulatorOptions options,
    FleetMetrics metrics,
    Scheduler scheduler,
    HttpMessageInvoker invoker,
    TimeProvider time)
{
    private volatile bool _stopping;
    private long _callsInFlight;

    public SimulatorOptions Options => options;

    public FleetMetrics Metrics => metrics;

    public Scheduler Scheduler => scheduler;

    public HttpMessageInvoker Invoker => invoker;

    public TimeProvider Time => time;

    public SessionPlan Plan { get; } = SessionPlan.From(options.MeterInterval, options.SessionLength, options.SessionsPerHour);

    /// <summary>Set when the run is over: stations stop starting new work and do not reconnect.</summary>
    public bool Stopping => _stopping;

    public long CallsInFlight => Interlocked.Read(ref _callsInFlight);

    /// <summary>Called when a station is connected and booted and may run sessions (set by the driver).</summary>
    public Action<ChargePoint> StationReady { get; set; } = static _ => { };

    public void Stop() => _stopping = true;

    public void CallStarted() => Interlocked.Increment(ref _callsInFlight);

    public void CallEnded() => Interlocked.Decrement(ref _callsInFlight);
}
