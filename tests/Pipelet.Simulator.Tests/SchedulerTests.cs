using Pipelet.Simulator.Load;

namespace Pipelet.Simulator.Tests;

public sealed class SchedulerTests
{
    [Fact]
    public void Runs_only_the_work_that_is_due_in_due_order()
    {
        var scheduler = new Scheduler(TimeProvider.System);
        var ran = new List<string>();
        scheduler.Schedule(TimeSpan.FromHours(2), () => ran.Add("late"));
        scheduler.Schedule(TimeSpan.FromHours(1), () => ran.Add("second"));
        scheduler.Schedule(TimeSpan.Zero, () => ran.Add("first"));

        Assert.Equal(1, scheduler.RunDue(scheduler.Now));
        Assert.Equal(1, scheduler.RunDue(TimeSpan.FromHours(1.5)));
        Assert.Equal(new[] { "first", "second" }, ran);
        Assert.Equal(1, scheduler.Pending);
    }

    [Fact]
    public void Work_that_throws_does_not_stop_the_rest()
    {
        var scheduler = new Scheduler(TimeProvider.System);
        var ran = false;
        scheduler.Schedule(TimeSpan.Zero, () => throw new InvalidOperationException("boom"));
        scheduler.Schedule(TimeSpan.Zero, () => ran = true);

        Assert.Equal(2, scheduler.RunDue(TimeSpan.FromSeconds(1)));
        Assert.True(ran);
    }

    [Fact]
    public void Periodic_work_runs_once_per_period()
    {
        var scheduler = new Scheduler(TimeProvider.System);
        var count = 0;
        scheduler.Every(TimeSpan.FromSeconds(1), () => count++);

        scheduler.RunDue(TimeSpan.FromMilliseconds(500));
        scheduler.RunDue(TimeSpan.FromSeconds(1.5));
        scheduler.RunDue(TimeSpan.FromSeconds(1.6));
        scheduler.RunDue(TimeSpan.FromSeconds(2.6));

        Assert.Equal(2, count);
    }

    [Fact]
    public async Task The_loop_starts_scheduled_work_on_its_own()
    {
        var scheduler = new Scheduler(TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var loop = scheduler.RunAsync(stop.Token);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        scheduler.Schedule(TimeSpan.FromMilliseconds(30), done.SetResult);

        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await loop;
    }
}
