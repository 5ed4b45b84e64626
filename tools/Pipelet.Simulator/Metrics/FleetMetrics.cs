using System.Collections.Concurrent;
using System.Diagnostics;
using Pipelet.Simulator.Ocpp;

namespace Pipelet.Simulator.Metrics;

/// <summary>
/// Everything the fleet counts, shared by all stations and updated lock-free: connections, CALLs by
/// action with answer latency, CALLERRORs by code, commands from the CSMS, answers per second.
/// </summary>
internal sealed class FleetMetrics
{
    private readonly Dictionary<string, ActionStatistics> _actions;
    private readonly long _startTimestamp;
    private long _connectAttempts;
    private long _connected;
    private long _connectFailures;
    private long _dropped;
    private long _reconnects;
    private long _held;
    private long _peakHeld;
    private long _commandsReceived;
    private long _commandsAnswered;
    private long _commandErrors;
    private long _protocolViolations;
    private long _bootsAccepted;
    private long _sessionsStarted;
    private long _sessionsStopped;
    private long _callsLost;
    private volatile bool _steady;
    private long _unmatchedAnswers;

    public FleetMetrics(TimeSpan runLength)
    {
        _actions = OcppActions.StationInitiated.ToDictionary(action => action, action => new ActionStatistics(action));
        _startTimestamp = Stopwatch.GetTimestamp();
        // Room for the run plus the shutdown grace.
        Answers = new Timeline((int)runLength.TotalSeconds + 120);
        Sent = new Timeline((int)runLength.TotalSeconds + 120);
    }

    public Timeline Answers { get; }

    /// <summary>Answer latencies inside the steady window only (all stations up, run not yet stopping).</summary>
    public LatencyHistogram SteadyLatency { get; } = new();

    public Timeline Sent { get; }

    public IReadOnlyCollection<ActionStatistics> Actions => _actions.Values;

    public ConcurrentDictionary<string, long> CallErrorsByCode { get; } = new();

    public ConcurrentDictionary<string, long> ConnectFailuresByReason { get; } = new();

    public ConcurrentDictionary<string, long> CommandsByAction { get; } = new();

    public ConcurrentDictionary<string, long> ViolationsByKind { get; } = new();

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_startTimestamp);

    public long ConnectAttempts => Interlocked.Read(ref _connectAttempts);

    public long Connected => Interlocked.Read(ref _connected);

    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public long Held => Interlocked.Read(ref _held);

    public long PeakHeld => Interlocked.Read(ref _peakHeld);

    public long CommandsReceived => Interlocked.Read(ref _commandsReceived);

    public long CommandsAnswered => Interlocked.Read(ref _commandsAnswered);

    public long CommandErrors => Interlocked.Read(ref _commandErrors);

    public long ProtocolViolations => Interlocked.Read(ref _protocolViolations);

    public long BootsAccepted => Interlocked.Read(ref _bootsAccepted);

    public long SessionsStarted => Interlocked.Read(ref _sessionsStarted);

    public long SessionsStopped => Interlocked.Read(ref _sessionsStopped);

    /// <summary>CALLs whose connection ended before an answer came.</summary>
    public long CallsLost => Interlocked.Read(ref _callsLost);

    /// <summary>CALLRESULTs/CALLERRORs for no call in flight: late (after our timeout) or with a wrong id.</summary>
    public long UnmatchedAnswers => Interlocked.Read(ref _unmatchedAnswers);

    public ConcurrentDictionary<string, long> DisconnectsByReason { get; } = new();

    public ActionStatistics For(string action) =>
        _actions.TryGetValue(action, out var statistics) ? statistics : throw new ArgumentOutOfRangeException(nameof(action), action, null);

    public void ConnectAttempted() => Interlocked.Increment(ref _connectAttempts);

    public void ConnectSucceeded(bool reconnect)
    {
        Interlocked.Increment(ref _connected);
        if (reconnect) Interlocked.Increment(ref _reconnects);
        var held = Interlocked.Increment(ref _held);
        var peak = Interlocked.Read(ref _peakHeld);
        while (held > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peakHeld, held, peak);
            if (seen == peak) break;
            peak = seen;
        }
    }

    public void ConnectFailed(string reason)
    {
        Interlocked.Increment(ref _connectFailures);
        Count(ConnectFailuresByReason, reason);
    }

    /// <summary>A held connection ended; <paramref name="unexpected"/> when we did not close it.</summary>
    public void Disconnected(bool unexpected, string how)
    {
        Interlocked.Decrement(ref _held);
        if (!unexpected) return;
        Interlocked.Increment(ref _dropped);
        Count(DisconnectsByReason, how);
    }

    public void CallSent(string action)
    {
        For(action).RecordSent();
        Sent.Increment(Elapsed);
    }

    public void CallAnswered(string action, TimeSpan latency)
    {
        For(action).RecordAnswered(latency);
        Answers.Increment(Elapsed);
        if (_steady) SteadyLatency.Record(latency);
    }

    public void CallErrored(string action, string errorCode, TimeSpan latency)
    {
        For(action).RecordCallError(latency);
        if (_steady) SteadyLatency.Record(latency);
        Count(CallErrorsByCode, errorCode);
    }

    public void CallTimedOut(string action) => For(action).RecordTimedOut();

    public void CallLost() => Interlocked.Increment(ref _callsLost);

    public void UnmatchedAnswer() => Interlocked.Increment(ref _unmatchedAnswers);

    public void CommandReceived(string action)
    {
        Interlocked.Increment(ref _commandsReceived);
        Count(CommandsByAction, action);
    }

    public void CommandAnswered(bool withError)
    {
        if (withError) Interlocked.Increment(ref _commandErrors);
        else Interlocked.Increment(ref _commandsAnswered);
    }

    /// <summary>Something the CSMS sent that breaks OCPP-J: kept by kind for the report.</summary>
    public void ProtocolViolation(string kind)
    {
        Interlocked.Increment(ref _protocolViolations);
        Count(ViolationsByKind, kind);
    }

    public void SteadyWindow(bool open) => _steady = open;

    public void BootAccepted() => Interlocked.Increment(ref _bootsAccepted);

    public void SessionStarted() => Interlocked.Increment(ref _sessionsStarted);

    public void SessionStopped() => Interlocked.Increment(ref _sessionsStopped);

    public LatencyHistogram AllLatencies()
    {
        var all = new LatencyHistogram();
        foreach (var statistics in _actions.Values) all.Add(statistics.Latency);
        return all;
    }

    private static void Count(ConcurrentDictionary<string, long> counts, string key) =>
        counts.AddOrUpdate(key, 1, static (_, count) => count + 1);
}
