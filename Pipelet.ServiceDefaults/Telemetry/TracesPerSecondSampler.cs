using OpenTelemetry.Trace;

namespace Pipelet.ServiceDefaults.Telemetry;

/// <summary>
/// Samples new traces up to a rate: every root while they arrive at no more than <c>tracesPerSecond</c> (after a
/// quiet spell, ten seconds' worth at once), at most that many a second when they arrive faster. Lock-free (one compare-and-swap
/// per root) so it costs nothing a CALL would notice. Put it under <see cref="ParentBasedSampler"/>: it decides
/// for roots only, and every span under a root follows the root's decision, across services.
/// </summary>
/// <remarks>
/// A token bucket kept as one timestamp: <see cref="_next"/> is when the next trace would be due if traces came exactly
/// at the rate. A root is sampled when that time is at most one burst ahead of now, and moves it one interval on.
/// </remarks>
public sealed class TracesPerSecondSampler : Sampler
{
    private readonly TimeProvider _time;
    private readonly long _interval;
    private readonly long _burst;
    private readonly bool _never;
    private long _next;

    /// <summary>A quiet instance may start this many seconds' worth of traces at once: a fleet connecting, a test's first CALLs.</summary>
    private const int BurstSeconds = 10;

    public TracesPerSecondSampler(double tracesPerSecond, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        var frequency = _time.TimestampFrequency;
        ArgumentOutOfRangeException.ThrowIfNegative(tracesPerSecond);
        if (!double.IsFinite(tracesPerSecond)) throw new ArgumentOutOfRangeException(nameof(tracesPerSecond), "must be a finite number");
        _never = tracesPerSecond == 0;
        _interval = _never ? long.MaxValue : Math.Max(1, (long)(frequency / tracesPerSecond));
        _burst = _never ? 0 : (long)Math.Min(long.MaxValue / 4, Math.Max(_interval, BurstSeconds * (double)frequency));
        // A full bucket: the first roots after start are sampled at once.
        _next = _never ? 0 : _time.GetTimestamp() - _burst;
        Description = FormattableString.Invariant($"TracesPerSecond{{{tracesPerSecond}}}");
    }

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        new(TryTake() ? SamplingDecision.RecordAndSample : SamplingDecision.Drop);

    private bool TryTake()
    {
        if (_never) return false;
        var now = _time.GetTimestamp();
        while (true)
        {
            var next = Volatile.Read(ref _next);
            var due = Math.Max(next, now - _burst);
            if (due > now) return false;
            if (Interlocked.CompareExchange(ref _next, due + _interval, next) == next) return true;
        }
    }
}
