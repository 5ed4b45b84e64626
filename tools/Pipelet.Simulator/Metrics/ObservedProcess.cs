using System.Diagnostics;
using Pipelet.Simulator.Reporting;

namespace Pipelet.Simulator.Metrics;

/// <summary>
/// Memory and CPU of one process across a run: RSS before the fleet connects, at the end with the
/// fleet still connected, and at its peak; CPU use over the steady window.
/// </summary>
internal sealed class ObservedProcess(ProcessProbe probe)
{
    private long? _rssIdle;
    private long? _rssEnd;
    private long _rssPeak;
    private TimeSpan? _cpuAtSteadyStart;
    private long _steadyStartTimestamp;
    private double? _cpuPercent;

    public void MarkIdle() => _rssIdle = probe.ResidentKilobytes();

    public void Sample()
    {
        if (probe.ResidentKilobytes() is { } rss && rss > Interlocked.Read(ref _rssPeak)) Interlocked.Exchange(ref _rssPeak, rss);
    }

    public void MarkSteadyStart()
    {
        _cpuAtSteadyStart = probe.CpuTime();
        _steadyStartTimestamp = Stopwatch.GetTimestamp();
    }

    public void MarkEnd()
    {
        Sample();
        _rssEnd = probe.ResidentKilobytes();
        if (_cpuAtSteadyStart is { } start && probe.CpuTime() is { } end)
        {
            var wall = Stopwatch.GetElapsedTime(_steadyStartTimestamp);
            if (wall > TimeSpan.FromSeconds(1)) _cpuPercent = Math.Round((end - start) / wall * 100, 1);
        }
    }

    public ProcessReport Report(long connections)
    {
        double? perConnection = _rssIdle is { } idle && _rssEnd is { } end && connections > 0
            ? Math.Round((end - idle) * 1024.0 / connections)
            : null;
        return new ProcessReport(probe.ProcessId, probe.Name(), _rssIdle, _rssEnd, _rssPeak == 0 ? null : _rssPeak, perConnection, _cpuPercent);
    }
}
