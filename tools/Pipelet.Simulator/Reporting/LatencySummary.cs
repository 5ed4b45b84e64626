using Pipelet.Simulator.Metrics;

namespace Pipelet.Simulator.Reporting;

internal static class LatencySummary
{
    public static LatencyReport From(LatencyHistogram histogram) => new(
        histogram.Count,
        Math.Round(histogram.MeanMicroseconds / 1000, 3),
        Milliseconds(histogram.PercentileMicroseconds(50)),
        Milliseconds(histogram.PercentileMicroseconds(90)),
        Milliseconds(histogram.PercentileMicroseconds(99)),
        Milliseconds(histogram.PercentileMicroseconds(99.9)),
        Milliseconds(histogram.MaxMicroseconds));

    public static double Milliseconds(long microseconds) => Math.Round(microseconds / 1000.0, 3);
}
