using Pipelet.Dispatcher.Delivery;

namespace Pipelet.Dispatcher.Tests;

public sealed class RetryQueueDepthsTests
{
    [Fact]
    public void The_gauge_reports_every_rung_both_step_aside_waits_the_three_delivery_queues_and_the_station_events()
    {
        Assert.Equal(
            ["dispatcher-rung-1000ms", "dispatcher-rung-30000ms", "dispatcher-rung-300000ms", "dispatcher-defer-1000ms",
             "dispatcher-deliveries", "dispatcher-retries", "dispatcher-deliveries-slow", "dispatcher-station-events"],
            RetryQueueDepths.Queues(RetryLadder.Parse("30s,5m,30s")));
    }
}
