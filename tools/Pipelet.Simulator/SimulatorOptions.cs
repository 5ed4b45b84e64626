using System.Text;

namespace Pipelet.Simulator;

internal enum ReportFormat
{
    Table,
    Json,
}

/// <summary>One run of the simulator, as given on the command line.</summary>
internal sealed record SimulatorOptions
{
    /// <summary>The gateway's OCPP endpoint; each station connects to it plus "/" plus its percent-encoded id.</summary>
    public Uri Url { get; init; } = new("ws://localhost:9000/ocpp");

    public int Stations { get; init; } = 100;

    /// <summary>The number of the first station: ids run from IdPrefix + First (five digits) upwards.</summary>
    public int FirstStation { get; init; } = 1;

    public string IdPrefix { get; init; } = "SIM-";

    /// <summary>New connections per second while the fleet comes up.</summary>
    public double Ramp { get; init; } = 200;

    /// <summary>How long the run lasts from the first connection, ramp included.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The heartbeat interval; null to use the one the gateway gives in BootNotification.conf.</summary>
    public TimeSpan? Heartbeat { get; init; }

    public TimeSpan MeterInterval { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan SessionLength { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Sessions per station per hour when sessions run on their own clock (0: none).</summary>
    public double SessionsPerHour { get; init; } = 1;

    /// <summary>
    /// 0: every station follows its own clock (heartbeats, sessions, meter interval). Above 0: session
    /// CALLs across the fleet are paced to this total rate. Infinity: as fast as <see cref="Concurrency"/> allows.
    /// </summary>
    public double CallsPerSecond { get; init; }

    /// <summary>At most this many session CALLs in flight across the fleet when pacing.</summary>
    public int Concurrency { get; init; } = 1000;

    /// <summary>Security profile 1: the HTTP Basic password of every station (username = station id).</summary>
    public string? Password { get; init; }

    public ReportFormat Report { get; init; } = ReportFormat.Table;

    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Processes (e.g. the gateway) whose memory and CPU the report should include.</summary>
    public IReadOnlyList<int> ObservePids { get; init; } = [];

    /// <summary>Seed of the stations' random choices, for repeatable runs.</summary>
    public int Seed { get; init; } = 1;

    public bool Reconnect { get; init; } = true;

    /// <summary>Progress lines on standard error every few seconds.</summary>
    public bool Progress { get; init; } = true;

    public bool Paced => CallsPerSecond > 0;

    public string StationId(int index) => $"{IdPrefix}{FirstStation + index:D5}";

    public Uri StationUri(string stationId) => new(Url.AbsoluteUri.TrimEnd('/') + "/" + Uri.EscapeDataString(stationId));

    public string? BasicAuthorization(string stationId) =>
        Password is null ? null : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{stationId}:{Password}"));

    /// <summary>Problems with the settings, for the command line to report; empty when the run can go.</summary>
    public IEnumerable<string> Validate()
    {
        if (Url.Scheme is not ("ws" or "wss")) yield return "--url must be a ws:// or wss:// URL.";
        if (Stations < 1) yield return "--stations must be at least 1.";
        if (Ramp <= 0) yield return "--ramp must be above 0.";
        if (Duration <= TimeSpan.Zero) yield return "--duration must be above 0.";
        if (Heartbeat is { } heartbeat && heartbeat < TimeSpan.FromSeconds(1)) yield return "--heartbeat must be at least 1s.";
        if (MeterInterval < TimeSpan.FromSeconds(1)) yield return "--meter-interval must be at least 1s.";
        if (SessionLength < MeterInterval) yield return "--session-length must be at least --meter-interval.";
        if (SessionsPerHour < 0) yield return "--sessions-per-hour must not be negative.";
        if (CallsPerSecond < 0 || double.IsNaN(CallsPerSecond)) yield return "--calls-per-second must be 0 (own clocks), a rate, or max.";
        if (Concurrency < 1) yield return "--concurrency must be at least 1.";
        if (CallTimeout <= TimeSpan.Zero) yield return "--call-timeout must be above 0.";
        if (Password is { Length: 0 }) yield return "--password must not be empty.";
    }
}
