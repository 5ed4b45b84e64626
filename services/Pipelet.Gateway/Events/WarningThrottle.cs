namespace Pipelet.Gateway.Events;

/// <summary>
/// Lets one warning through per interval and counts the ones it held back, so an outage that fails
/// thousands of events a second reads as a few log lines with a count, not a flood of stack traces.
/// </summary>
internal sealed class WarningThrottle(TimeProvider time, TimeSpan interval)
{
    private long _nextAllowed = long.MinValue;
    private long _suppressed;

    /// <param name="suppressed">How many warnings were held back since the last one let through.</param>
    public bool ShouldWarn(out long suppressed)
    {
        var now = time.GetTimestamp();
        var next = Interlocked.Read(ref _nextAllowed);
        if (now >= next && Interlocked.CompareExchange(ref _nextAllowed, now + (long)(interval.TotalSeconds * time.TimestampFrequency), next) == next)
        {
            suppressed = Interlocked.Exchange(ref _suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref _suppressed);
        suppressed = 0;
        return false;
    }
}
