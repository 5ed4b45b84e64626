using Pipelet.Dispatcher.Delivery;

namespace Pipelet.Dispatcher.Tests;

public sealed class RetryQueueDepthsTests
{
    [Fact]
    public void The_gauge_reports_every_rung_the_step_aside_wait_both_delivery_lanes_and_the_station_events()
    {
        Assert.Equal(
            ["dispatcher-retry-1000ms", "dispatcher-retry-30000ms", "dispatcher-retry-300000ms",
             "dispatcher-deliveries", "dispatcher-deliveries-slow", "dispatcher-station-events"],
            RetryQueueDepths.Queues(RetryLadder.Parse("30s,5m,30s")));
    }
}
