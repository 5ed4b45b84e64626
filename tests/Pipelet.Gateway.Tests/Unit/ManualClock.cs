namespace Pipelet.Gateway.Tests.Unit;

/// <summary>A clock the test moves by hand: timestamps are ticks of 100 ns.</summary>
internal sealed class ManualClock : TimeProvider
{
    public long Ticks { get; set; } = 1_000_000;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Ticks;
}
