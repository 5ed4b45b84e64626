namespace Pipelet.Simulator.Reporting;

/// <summary>The result of one run, as printed (table) or written (JSON, snake_case).</summary>
internal sealed record FleetReport(
    RunSettings Settings,
    ConnectionsReport Connections,
    CallsReport Calls,
    LatencyReport Latency,
    LatencyReport SteadyLatency,
    ThroughputReport Throughput,
    CommandsReport CsmsCommands,
    IReadOnlyList<ProcessReport> Processes,
    IReadOnlyDictionary<string, long> ProtocolViolations);

internal sealed record RunSettings(
    string Url,
    int Stations,
    double RampPerSecond,
    double DurationS,
    double? HeartbeatS,
    double MeterIntervalS,
    double SessionLengthS,
    double SessionsPerHour,
    string CallsPerSecond,
    int Concurrency,
    bool BasicAuth,
    int Seed,
    int ProcessorCount,
    string StartedAt);

internal sealed record ConnectionsReport(
    long Attempted,
    long Established,
    long Failed,
    IReadOnlyDictionary<string, long> FailuresByReason,
    long Dropped,
    IReadOnlyDictionary<string, long> DropsByReason,
    long Reconnects,
    long BootsAccepted,
    long PeakHeld,
    long HeldAtEnd,
    double? AllReadyAfterS);

internal sealed record CallsReport(
    long Sent,
    long Answered,
    long CallErrors,
    IReadOnlyDictionary<string, long> CallErrorsByCode,
    long TimedOut,
    long Lost,
    long UnmatchedAnswers,
    long PacerMissedTurns,
    long SessionsStarted,
    long SessionsStopped,
    IReadOnlyList<ActionReport> ByAction);

internal sealed record ActionReport(string Action, long Sent, long Answered, long CallErrors, long TimedOut, double P50Ms, double P99Ms, double MaxMs);

internal sealed record LatencyReport(long Count, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs);

internal sealed record ThroughputReport(
    double SteadyFromS,
    double SteadyToS,
    double AnsweredPerSecondMean,
    long AnsweredPerSecondMin,
    long AnsweredPerSecondMax,
    double SentPerSecondMean,
    IReadOnlyList<long> AnsweredPerSecond);

internal sealed record CommandsReport(long Received, long Answered, long CallErrors, IReadOnlyDictionary<string, long> ByAction);

/// <summary>A process watched during the run (the gateway, the broker, the simulator itself).</summary>
internal sealed record ProcessReport(
    int Pid,
    string Name,
    long? RssIdleKb,
    long? RssEndKb,
    long? RssPeakKb,
    double? RssPerConnectionBytes,
    double? CpuPercentSteady);
