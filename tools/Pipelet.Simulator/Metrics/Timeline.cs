namespace Pipelet.Simulator.Metrics;

/// <summary>Counts per whole second since the run started (lock-free), for throughput over time.</summary>
internal sealed class Timeline(int seconds)
{
    private readonly long[] _perSecond = new long[Math.Max(1, seconds)];

    public int Length => _perSecond.Length;

    public void Increment(TimeSpan sinceStart)
    {
        var second = (int)sinceStart.TotalSeconds;
        if ((uint)second < (uint)_perSecond.Length) Interlocked.Increment(ref _perSecond[second]);
    }

    public long this[int second] => Interlocked.Read(ref _perSecond[second]);

    /// <summary>The counts of whole seconds in [from, to).</summary>
    public long[] Slice(int from, int to)
    {
        from = Math.Clamp(from, 0, _perSecond.Length);
        to = Math.Clamp(to, from, _perSecond.Length);
        var slice = new long[to - from];
        for (var second = from; second < to; second++) slice[second - from] = this[second];
        return slice;
    }
}
