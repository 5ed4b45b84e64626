using Pipelet.Dispatcher.Delivery;

namespace Pipelet.Dispatcher.Tests;

public sealed class RetryLadderTests
{
    [Fact]
    public void The_default_schedule_is_one_first_try_plus_seven_retries()
    {
        var ladder = RetryLadder.Default;

        Assert.Equal(
            [TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(6), TimeSpan.FromHours(24)],
            ladder.Rungs);
        Assert.Equal(8, ladder.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(30), ladder.DelayAfter(1));
        Assert.Equal(TimeSpan.FromHours(24), ladder.DelayAfter(7));
        Assert.Null(ladder.DelayAfter(8)); // the try after the last rung failed: dead letter
    }

    [Theory]
    [InlineData("1s,1s,2s", new[] { 1000L, 1000L, 2000L })]
    [InlineData(" 500ms , 2m ,1h, 1d ", new[] { 500L, 120_000L, 3_600_000L, 86_400_000L })]
    [InlineData("45s", new[] { 45_000L })]
    public void Parses_waits_with_units(string schedule, long[] milliseconds)
    {
        var ladder = RetryLadder.Parse(schedule);
        Assert.Equal(milliseconds, ladder.Rungs.Select(r => (long)r.TotalMilliseconds));
        Assert.Equal(ladder, RetryLadder.Parse(ladder.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("30")]
    [InlineData("30 s")]
    [InlineData("0s")]
    [InlineData("-5s")]
    [InlineData("1.5s")]
    [InlineData("30s,,1m")]
    [InlineData("1w")]
    [InlineData("8d")]
    public void Rejects_malformed_schedules_with_a_reason(string schedule)
    {
        Assert.False(RetryLadder.TryParse(schedule, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void Each_distinct_wait_gets_one_queue_named_after_it()
    {
        var ladder = RetryLadder.Parse("1s,1s,2s");

        Assert.Equal(["dispatcher-retry-1000ms", "dispatcher-retry-2000ms"], RetryQueues.Waits(ladder).Select(RetryQueues.ForWait));
        Assert.Equal(new Uri("exchange:dispatcher-retry-2000ms"), RetryQueues.AddressFor(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void Options_validation_rejects_a_bad_schedule_at_start()
    {
        var result = new DeliveryOptionsValidator().Validate(null, new DeliveryOptions { RetrySchedule = "soon" });
        Assert.True(result.Failed);
        Assert.Contains("Delivery__RetrySchedule", result.FailureMessage);
    }

    [Fact]
    public void A_retry_after_picks_the_first_wait_of_the_ladder_long_enough_capped_at_the_longest()
    {
        var ladder = RetryLadder.Default; // 30s,1m,5m,30m,2h,6h,24h
        Assert.Equal(TimeSpan.FromSeconds(30), ladder.WaitAtLeast(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10)));
        Assert.Equal(TimeSpan.FromMinutes(5), ladder.WaitAtLeast(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(90)));
        Assert.Equal(TimeSpan.FromMinutes(1), ladder.WaitAtLeast(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1)));
        Assert.Equal(TimeSpan.FromHours(24), ladder.WaitAtLeast(TimeSpan.FromSeconds(30), TimeSpan.FromDays(3)));
        // A later rung's own wait is never shortened by a receiver asking for less.
        Assert.Equal(TimeSpan.FromHours(6), ladder.WaitAtLeast(TimeSpan.FromHours(6), TimeSpan.FromMinutes(1)));
    }
}
