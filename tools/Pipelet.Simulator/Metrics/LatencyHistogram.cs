using System.Numerics;

namespace Pipelet.Simulator.Metrics;

/// <summary>
/// A lock-free log-linear histogram of latencies in microseconds, in the manner of HdrHistogram:
/// exact below 256 µs, then 128 sub-buckets per power of two (relative error under 0.8 %).
/// Percentiles report the highest value of the bucket they fall in, so they never understate.
/// The maximum is kept exactly.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int LinearLimit = 256;          // values below are their own bucket
    private const int SubBuckets = 128;           // per power of two above
    private const int SubBucketBits = 7;
    private const int MaxMagnitude = 40;          // about 12 days in microseconds: plenty

    private const int OverflowIndex = LinearLimit + (MaxMagnitude - SubBucketBits) * SubBuckets;

    private readonly long[] _counts = new long[OverflowIndex + 1];
    private long _total;
    private long _sum;
    private long _max;

    public long Count => Interlocked.Read(ref _total);

    public long MaxMicroseconds => Interlocked.Read(ref _max);

    public double MeanMicroseconds => Count == 0 ? 0 : (double)Interlocked.Read(ref _sum) / Count;

    public void Record(TimeSpan latency) => RecordMicroseconds((long)(latency.Ticks / (double)TimeSpan.TicksPerMicrosecond));

    public void RecordMicroseconds(long value)
    {
        if (value < 0) value = 0;
        Interlocked.Increment(ref _counts[IndexOf(value)]);
        Interlocked.Increment(ref _total);
        Interlocked.Add(ref _sum, value);
        var max = Interlocked.Read(ref _max);
        while (value > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, max);
            if (seen == max) break;
            max = seen;
        }
    }

    /// <summary>The value at or below which <paramref name="percentile"/> % of samples fall (0 when empty).</summary>
    public long PercentileMicroseconds(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percentile);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        var total = Count;
        if (total == 0) return 0;

        // The rank of the sample wanted, 1-based: p50 of 4 samples is the 2nd, p100 the last.
        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * total));
        long seen = 0;
        for (var index = 0; index < _counts.Length; index++)
        {
            seen += Interlocked.Read(ref _counts[index]);
            if (seen >= rank) return index == _counts.Length - 1 ? MaxMicroseconds : Math.Min(HighestValueIn(index), MaxMicroseconds);
        }

        return MaxMicroseconds;
    }

    /// <summary>Adds another histogram's samples to this one.</summary>
    public void Add(LatencyHistogram other)
    {
        for (var index = 0; index < _counts.Length; index++)
        {
            var count = Interlocked.Read(ref other._counts[index]);
            if (count != 0) Interlocked.Add(ref _counts[index], count);
        }

        Interlocked.Add(ref _total, other.Count);
        Interlocked.Add(ref _sum, Interlocked.Read(ref other._sum));
        var otherMax = other.MaxMicroseconds;
        if (otherMax > MaxMicroseconds) Interlocked.Exchange(ref _max, otherMax);
    }

    internal static int IndexOf(long value)
    {
        if (value < LinearLimit) return (int)value;
        var magnitude = 63 - BitOperations.LeadingZeroCount((ulong)value); // floor(log2(value)), >= 8
        if (magnitude >= MaxMagnitude) return OverflowIndex; // beyond any real latency: counted, reported as the max
        var shift = magnitude - SubBucketBits;                              // >= 1
        var subBucket = (int)(value >> shift) - SubBuckets;                 // 0..127
        return LinearLimit + (shift - 1) * SubBuckets + subBucket;
    }

    internal static long HighestValueIn(int index)
    {
        if (index < LinearLimit) return index;
        var shift = (index - LinearLimit) / SubBuckets + 1;
        var subBucket = (index - LinearLimit) % SubBuckets;
        var lowest = (long)(SubBuckets + subBucket) << shift;
        return lowest + (1L << shift) - 1;
    }
}
