using Microsoft.Extensions.Time.Testing;
using Pipelet.Dispatcher.Delivery;

namespace Pipelet.Dispatcher.Tests;

/// <summary>The slots the fan-out, the retry batches and each webhook's lanes wait for: order, deadline, cancellation.</summary>
public sealed class SlotQueueTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task A_freed_slot_goes_to_the_oldest_waiter_and_a_slot_nobody_waits_for_stays_free()
    {
        var slots = new SlotQueue(1, Wait, new FakeTimeProvider());
        Assert.True(await slots.EnterAsync(wait: true, CancellationToken.None));
        var first = slots.EnterAsync(wait: true, CancellationToken.None).AsTask();
        var second = slots.EnterAsync(wait: true, CancellationToken.None).AsTask();
        Assert.False(first.IsCompleted);

        slots.Release();
        Assert.True(await first);
        Assert.False(second.IsCompleted);
        slots.Release();
        Assert.True(await second);

        slots.Release();
        Assert.Equal(1, slots.Free);
    }

    [Fact]
    public async Task A_waiter_without_a_slot_by_its_deadline_gets_none_and_later_waiters_keep_their_own_deadlines()
    {
        var time = new FakeTimeProvider();
        var slots = new SlotQueue(1, Wait, time);
        Assert.True(await slots.EnterAsync(wait: true, CancellationToken.None));
        var early = slots.EnterAsync(wait: true, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(100));
        var late = slots.EnterAsync(wait: true, CancellationToken.None).AsTask();

        time.Advance(TimeSpan.FromMilliseconds(150)); // the first waiter's 250 ms are up, not the second's
        Assert.False(await early.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(late.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.False(await late.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, slots.Free); // still held by the first taker

        slots.Release();
        Assert.Equal(1, slots.Free);
    }

    [Fact]
    public async Task Without_waiting_or_with_no_wait_a_full_queue_answers_no_at_once()
    {
        var slots = new SlotQueue(1, Wait, new FakeTimeProvider());
        Assert.True(await slots.EnterAsync(wait: false, CancellationToken.None));
        var noWait = slots.EnterAsync(wait: false, CancellationToken.None);
        Assert.True(noWait.IsCompleted);
        Assert.False(await noWait);

        var zero = new SlotQueue(0, TimeSpan.Zero, new FakeTimeProvider());
        Assert.False(await zero.EnterAsync(wait: true, CancellationToken.None));
    }

    [Fact]
    public async Task A_cancelled_waiter_throws_at_once_and_the_next_release_passes_it_by()
    {
        var slots = new SlotQueue(1, Timeout.InfiniteTimeSpan, TimeProvider.System);
        Assert.True(await slots.EnterAsync(wait: true, CancellationToken.None));
        using var cancel = new CancellationTokenSource();
        var cancelled = slots.EnterAsync(wait: true, cancel.Token).AsTask();
        var next = slots.EnterAsync(wait: true, CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        slots.Release();
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, slots.Free);
    }

    [Fact]
    public async Task Waiters_released_from_inside_a_granted_waiter_all_get_their_slots()
    {
        // Each waiter, once resumed, frees its slot at once (a try that ended without waiting for anything): the
        // chain goes through the thread pool rather than one stack, and every waiter is served.
        var slots = new SlotQueue(1, Timeout.InfiniteTimeSpan, TimeProvider.System);
        Assert.True(await slots.EnterAsync(wait: true, CancellationToken.None));
        var waiters = Enumerable.Range(0, 10_000).Select(_ => ReleaseOnceEnteredAsync(slots)).ToList();
        slots.Release();
        await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, slots.Free);

        static async Task ReleaseOnceEnteredAsync(SlotQueue slots)
        {
            Assert.True(await slots.EnterAsync(wait: true, CancellationToken.None));
            slots.Release();
        }
    }
}
