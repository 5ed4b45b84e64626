using Microsoft.Extensions.Options;
using Pipelet.Dispatcher.Delivery;

namespace Pipelet.Dispatcher.Tests;

/// <summary>How many tries one webhook may have in flight, in each lane, and how long a try waits for a slot.</summary>
public sealed class WebhookConcurrencyTests
{
    private const long Hook = 7;

    /// <summary>One inline slot and one slot for tries from the deliveries queue, unless told otherwise.</summary>
    private static WebhookConcurrency Limits(int perWebhook = 2, int inline = 1, int slotWaitMs = 10_000, int inlineWaitMs = 10_000) =>
        new(Options.Create(new DeliveryOptions
        {
            ConcurrencyPerWebhook = perWebhook,
            InlineConcurrencyPerWebhook = inline,
            SlotWait = TimeSpan.FromMilliseconds(slotWaitMs),
            InlineWait = TimeSpan.FromMilliseconds(inlineWaitMs),
        }));

    [Fact]
    public async Task A_try_from_the_deliveries_queue_waits_for_the_slot_another_try_frees()
    {
        var limits = Limits();
        var first = await limits.EnterAsync(Hook, wait: true, CancellationToken.None);
        Assert.NotNull(first);

        var second = limits.EnterAsync(Hook, wait: true, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(second.IsCompleted); // the lane is full: the try waits instead of stepping aside

        first.Dispose();
        using var lease = await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(lease);
    }

    [Fact]
    public async Task A_lease_frees_its_slot_once_and_the_slow_lane_does_not_wait()
    {
        var limits = Limits(slotWaitMs: 10_000);
        var lease = await limits.EnterAsync(Hook, wait: true, CancellationToken.None);
        lease!.Dispose();
        lease.Dispose(); // a second release would free a slot nobody holds: two tries in a one-slot lane

        using var again = await limits.EnterAsync(Hook, wait: true, CancellationToken.None);
        Assert.NotNull(again);
        var noWait = limits.EnterAsync(Hook, wait: false, CancellationToken.None);
        Assert.True(noWait.IsCompleted); // answered at once, not after the 10 s slot wait
        Assert.Null(await noWait);
    }

    [Fact]
    public async Task A_try_steps_aside_when_no_slot_frees_within_the_slot_wait_and_other_webhooks_are_not_held_up()
    {
        var limits = Limits(slotWaitMs: 100);
        using var held = await limits.EnterAsync(Hook, wait: true, CancellationToken.None);

        Assert.Null(await limits.EnterAsync(Hook, wait: true, CancellationToken.None));
        using var other = await limits.EnterAsync(Hook + 1, wait: true, CancellationToken.None);
        Assert.NotNull(other);
    }

    [Fact]
    public async Task First_tries_and_tries_from_the_deliveries_queue_have_slots_of_their_own()
    {
        var limits = Limits(perWebhook: 3, inline: 1, slotWaitMs: 100, inlineWaitMs: 100);
        using var queued = await limits.EnterAsync(Hook, wait: true, CancellationToken.None);
        using var queuedToo = await limits.EnterAsync(Hook, wait: true, CancellationToken.None);
        Assert.NotNull(queued);
        Assert.NotNull(queuedToo);
        Assert.Null(await limits.EnterAsync(Hook, wait: true, CancellationToken.None)); // 3 - 1 inline = 2 for the deliveries queue

        // A burst of hand-offs holding every queued slot leaves the inline slot to the fan-out...
        var inline = await limits.EnterInlineAsync(Hook, CancellationToken.None);
        Assert.NotNull(inline);
        Assert.Null(await limits.EnterInlineAsync(Hook, CancellationToken.None));

        // ...and a first try holding it takes nothing from the deliveries queue's tries.
        queued.Dispose();
        using var again = await limits.EnterAsync(Hook, wait: true, CancellationToken.None);
        Assert.NotNull(again);
        inline.Dispose();
    }

    [Fact]
    public async Task A_freed_slot_goes_to_a_waiting_retry_before_first_tries_that_waited_longer()
    {
        var limits = Limits(); // one queued slot
        var held = await limits.EnterAsync(Hook, wait: true, CancellationToken.None);
        var firstTry = limits.EnterFirstTryAsync(Hook, wait: true, CancellationToken.None).AsTask();
        var secondFirstTry = limits.EnterFirstTryAsync(Hook, wait: true, CancellationToken.None).AsTask();
        var retry = limits.EnterAsync(Hook, wait: true, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(firstTry.IsCompleted || secondFirstTry.IsCompleted || retry.IsCompleted);

        held!.Dispose();
        var retryLease = await retry.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(retryLease);
        await Task.Delay(50);
        Assert.False(firstTry.IsCompleted); // the retry came later but went first

        // Among first tries, first come, first served.
        retryLease.Dispose();
        var firstLease = await firstTry.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(firstLease);
        Assert.False(secondFirstTry.IsCompleted);
        firstLease.Dispose();
        using var secondLease = await secondFirstTry.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(secondLease);
    }

    [Fact]
    public async Task A_first_try_that_gave_up_waiting_takes_no_slot_from_the_next()
    {
        var limits = Limits(slotWaitMs: 100);
        var held = await limits.EnterAsync(Hook, wait: true, CancellationToken.None);
        Assert.Null(await limits.EnterFirstTryAsync(Hook, wait: true, CancellationToken.None)); // stepped aside after 100 ms

        held!.Dispose();
        using var next = await limits.EnterFirstTryAsync(Hook, wait: false, CancellationToken.None);
        Assert.NotNull(next); // the slot was free, not handed to the waiter that had left
        Assert.Null(await limits.EnterAsync(Hook, wait: false, CancellationToken.None));
    }

    [Fact]
    public async Task Cancelling_a_waiting_try_throws_and_takes_no_slot()
    {
        var limits = Limits();
        var held = await limits.EnterAsync(Hook, wait: true, CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = limits.EnterAsync(Hook, wait: true, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        held!.Dispose();
        using var next = await limits.EnterAsync(Hook, wait: true, CancellationToken.None);
        Assert.NotNull(next);
    }
}
