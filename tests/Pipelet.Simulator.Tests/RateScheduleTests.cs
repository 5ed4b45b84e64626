using Pipelet.Simulator.Load;

namespace Pipelet.Simulator.Tests;

public sealed class RateScheduleTests
{
    [Fact]
    public void Events_are_evenly_spaced_without_drift()
    {
        var schedule = new RateSchedule(3);

        Assert.Equal(TimeSpan.Zero, schedule.DueAt(0));
        Assert.Equal(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 3), schedule.DueAt(1));
        Assert.Equal(TimeSpan.FromSeconds(1), schedule.DueAt(3));
        Assert.Equal(TimeSpan.FromHours(1), new RateSchedule(10_000).DueAt(36_000_000));
    }

    [Fact]
    public void Counts_the_events_due_by_a_time()
    {
        var schedule = new RateSchedule(10);

        Assert.Equal(0, schedule.DueBy(TimeSpan.FromMilliseconds(-1)));
        Assert.Equal(1, schedule.DueBy(TimeSpan.Zero));
        Assert.Equal(1, schedule.DueBy(TimeSpan.FromMilliseconds(99)));
        Assert.Equal(2, schedule.DueBy(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(11, schedule.DueBy(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void An_unlimited_rate_makes_everything_due_at_once()
    {
        var schedule = new RateSchedule(double.PositiveInfinity);

        Assert.True(schedule.Unlimited);
        Assert.Equal(TimeSpan.Zero, schedule.DueAt(1_000_000));
        Assert.Equal(long.MaxValue, schedule.DueBy(TimeSpan.Zero));
    }

    [Fact]
    public void The_pacer_hands_out_consecutive_turns_while_on_time()
    {
        var pacer = new CallPacer(new RateSchedule(100), TimeProvider.System);

        Assert.Equal(0, pacer.TakeTurn(TimeSpan.Zero));
        Assert.Equal(1, pacer.TakeTurn(TimeSpan.Zero));
        Assert.Equal(2, pacer.TakeTurn(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(0, pacer.Missed);
    }

    [Fact]
    public void The_pacer_drops_turns_that_are_more_than_a_second_late_and_counts_them()
    {
        var pacer = new CallPacer(new RateSchedule(100), TimeProvider.System);
        pacer.TakeTurn(TimeSpan.Zero); // turn 0

        // At 3 s, turns due before 2 s (0..200) are over a second late: the next turn is 201.
        var turn = pacer.TakeTurn(TimeSpan.FromSeconds(3));

        Assert.Equal(201, turn);
        Assert.Equal(200, pacer.Missed);
        Assert.Equal(202, pacer.TakeTurn(TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public async Task An_unlimited_pacer_never_waits()
    {
        var pacer = new CallPacer(new RateSchedule(double.PositiveInfinity), TimeProvider.System);

        var turns = Enumerable.Range(0, 1000).Select(_ => pacer.WaitTurnAsync(CancellationToken.None).AsTask());
        await Task.WhenAll(turns).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, pacer.Missed);
    }
}
