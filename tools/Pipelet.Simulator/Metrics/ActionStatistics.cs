namespace Pipelet.Simulator.Metrics;

/// <summary>What happened to the CALLs of one action (station to CSMS).</summary>
internal sealed class ActionStatistics(string action)
{
    private long _sent;
    private long _answered;
    private long _callErrors;
    private long _timedOut;

    public string Action { get; } = action;

    public LatencyHistogram Latency { get; } = new();

    public long Sent => Interlocked.Read(ref _sent);

    public long Answered => Interlocked.Read(ref _answered);

    public long CallErrors => Interlocked.Read(ref _callErrors);

    public long TimedOut => Interlocked.Read(ref _timedOut);

    public void RecordSent() => Interlocked.Increment(ref _sent);

    public void RecordAnswered(TimeSpan latency)
    {
        Interlocked.Increment(ref _answered);
        Latency.Record(latency);
    }

    public void RecordCallError(TimeSpan latency)
    {
        Interlocked.Increment(ref _callErrors);
        Latency.Record(latency);
    }

    public void RecordTimedOut() => Interlocked.Increment(ref _timedOut);
}
