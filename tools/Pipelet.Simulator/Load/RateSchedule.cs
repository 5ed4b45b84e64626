namespace Pipelet.Simulator.Load;

/// <summary>
/// An even schedule of events at a fixed rate: event k is due at k / rate seconds after the start.
/// Computing due times from the index (not by adding intervals) keeps long runs free of drift.
/// An infinite rate means "no pacing": every event is due at once.
/// </summary>
internal readonly record struct RateSchedule(double PerSecond)
{
    public bool Unlimited => double.IsPositiveInfinity(PerSecond);

    /// <summary>When event <paramref name="index"/> (0-based) is due, relative to the start.</summary>
    public TimeSpan DueAt(long index) =>
        Unlimited || index <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)(index * (TimeSpan.TicksPerSecond / PerSecond)));

    /// <summary>How many events are due by <paramref name="elapsed"/> (events 0..n-1 where DueAt(n-1) &lt;= elapsed).</summary>
    public long DueBy(TimeSpan elapsed)
    {
        if (Unlimited) return long.MaxValue;
        if (elapsed < TimeSpan.Zero) return 0;
        return (long)Math.Floor(elapsed.Ticks * PerSecond / TimeSpan.TicksPerSecond) + 1;
    }
}
