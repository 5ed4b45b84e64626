using Pipelet.Simulator.Metrics;

namespace Pipelet.Simulator.Tests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Empty_histogram_reports_zeros()
    {
        var histogram = new LatencyHistogram();

        Assert.Equal(0, histogram.Count);
        Assert.Equal(0, histogram.PercentileMicroseconds(99));
        Assert.Equal(0, histogram.MaxMicroseconds);
    }

    [Fact]
    public void Small_values_are_exact()
    {
        var histogram = new LatencyHistogram();
        foreach (var value in new long[] { 10, 20, 30, 40 }) histogram.RecordMicroseconds(value);

        Assert.Equal(20, histogram.PercentileMicroseconds(50));
        Assert.Equal(40, histogram.PercentileMicroseconds(99));
        Assert.Equal(10, histogram.PercentileMicroseconds(0));
        Assert.Equal(40, histogram.MaxMicroseconds);
        Assert.Equal(25, histogram.MeanMicroseconds);
    }

    [Fact]
    public void Percentiles_of_a_uniform_spread_are_within_the_bucket_precision()
    {
        var histogram = new LatencyHistogram();
        for (long value = 1; value <= 100_000; value++) histogram.RecordMicroseconds(value);

        foreach (var percentile in new[] { 50.0, 90, 99, 99.9 })
        {
            var expected = percentile / 100 * 100_000;
            var actual = histogram.PercentileMicroseconds(percentile);
            Assert.InRange(actual, expected, expected * 1.008); // never understates, at most one bucket above
        }

        Assert.Equal(100_000, histogram.PercentileMicroseconds(100));
        Assert.Equal(100_000, histogram.MaxMicroseconds);
    }

    [Fact]
    public void Every_value_falls_in_a_bucket_that_contains_it()
    {
        long previousIndex = -1;
        for (long value = 0; value < 5_000_000; value = value < 1000 ? value + 1 : value + value / 97)
        {
            var index = LatencyHistogram.IndexOf(value);
            Assert.True(index >= previousIndex, $"index not monotonic at {value}");
            var highest = LatencyHistogram.HighestValueIn(index);
            Assert.InRange(highest, value, Math.Max(value, value + value / 128));
            previousIndex = index;
        }
    }

    [Fact]
    public void Huge_values_are_counted_and_kept_as_max()
    {
        var histogram = new LatencyHistogram();
        histogram.RecordMicroseconds(long.MaxValue / 2);
        histogram.RecordMicroseconds(-5); // a clock step backwards counts as zero

        Assert.Equal(2, histogram.Count);
        Assert.Equal(long.MaxValue / 2, histogram.PercentileMicroseconds(100));
        Assert.Equal(0, histogram.PercentileMicroseconds(50));
    }

    [Fact]
    public void Concurrent_recording_loses_nothing_and_histograms_add_up()
    {
        var a = new LatencyHistogram();
        Parallel.For(0, 100_000, value => a.RecordMicroseconds(value % 1000));
        var b = new LatencyHistogram();
        b.RecordMicroseconds(5_000);

        a.Add(b);

        Assert.Equal(100_001, a.Count);
        Assert.Equal(5_000, a.MaxMicroseconds);
        Assert.InRange(a.PercentileMicroseconds(50), 500, 501); // the 50,001st of 100,001 samples, in the 500-501 bucket
    }

    [Fact]
    public void Records_timespans_in_microseconds()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(TimeSpan.FromMilliseconds(1.5));

        Assert.Equal(1500, histogram.MaxMicroseconds);
    }
}
