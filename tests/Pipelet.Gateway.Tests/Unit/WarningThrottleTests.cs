using Pipelet.Gateway.Events;

namespace Pipelet.Gateway.Tests.Unit;

public sealed class WarningThrottleTests
{
    [Fact]
    public void One_warning_per_interval_passes_and_the_next_one_carries_the_count_of_those_held_back()
    {
        var clock = new ManualClock();
        var throttle = new WarningThrottle(clock, TimeSpan.FromSeconds(10));

        Assert.True(throttle.ShouldWarn(out var first));
        Assert.Equal(0, first);
        for (var i = 0; i < 500; i++) Assert.False(throttle.ShouldWarn(out _));

        clock.Ticks += TimeSpan.FromSeconds(9).Ticks;
        Assert.False(throttle.ShouldWarn(out _));

        clock.Ticks += TimeSpan.FromSeconds(1).Ticks;
        Assert.True(throttle.ShouldWarn(out var held));
        Assert.Equal(501, held);
        Assert.False(throttle.ShouldWarn(out _));
    }
}
