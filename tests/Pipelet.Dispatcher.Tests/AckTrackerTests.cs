using Pipelet.Dispatcher.Delivery.Intake;
using Ack = Pipelet.Dispatcher.Delivery.Intake.AckTracker.Acknowledgement;

namespace Pipelet.Dispatcher.Tests;

public sealed class AckTrackerTests
{
    private static AckTracker Received(params ulong[] tags)
    {
        var tracker = new AckTracker();
        foreach (var tag in tags) tracker.Received(tag);
        return tracker;
    }

    [Fact]
    public void Deliveries_finished_in_order_are_acknowledged_by_one_multiple_ack()
    {
        var tracker = Received(1, 2, 3, 4);
        tracker.Finished(1);
        tracker.Finished(2);
        tracker.Finished(3);

        Assert.Equal([new Ack(3, Multiple: true, Requeue: false)], tracker.Take());
        Assert.Empty(tracker.Take());
        Assert.Equal(1, tracker.Unfinished);
    }

    [Fact]
    public void A_delivery_finished_behind_an_unfinished_one_is_acknowledged_alone_and_the_unfinished_one_never()
    {
        var tracker = Received(1, 2, 3);
        tracker.Finished(2);
        tracker.Finished(3);

        Assert.Equal([new Ack(2, false, false), new Ack(3, false, false)], tracker.Take());

        // Once the slow one finishes, a multiple ack may cover the ones already acknowledged: the broker skips those.
        tracker.Finished(1);
        Assert.Equal([new Ack(1, true, false)], tracker.Take());
    }

    [Fact]
    public void A_failed_delivery_goes_back_before_any_multiple_ack_that_could_cover_it()
    {
        var tracker = Received(1, 2, 3);
        tracker.Failed(2);
        tracker.Finished(1);
        tracker.Finished(3);

        Assert.Equal([new Ack(2, false, Requeue: true), new Ack(3, true, false)], tracker.Take());
    }

    [Fact]
    public void An_outcome_for_a_delivery_it_never_received_or_already_settled_sends_nothing()
    {
        var tracker = Received(5);
        tracker.Finished(4);
        tracker.Finished(5);
        tracker.Failed(5);

        Assert.Equal([new Ack(5, true, false)], tracker.Take());
    }
}
